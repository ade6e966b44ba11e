// ttlSecondsAfterFinished: a finished Job is deleted (foreground, so its pods go first) once its
// TTL has passed since the Complete/Failed condition. The Job is read fresh before deleting, and
// the delete is conditional on that read's resourceVersion, so a TTL changed meanwhile is honoured.
import { asNumber, asObject } from '../../api/validation/json';
import { isConflict, isNotFound } from '../../client/errors';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { JOBS } from './job-controller';
import { finishedCondition, type Job } from './job-util';

export const TTL_AFTER_FINISHED_CONTROLLER = 'ttl-after-finished';

/** When `job` may be deleted (ms), or undefined when it has no TTL, is not finished or is being deleted. */
export function expiresAt(job: Job): number | undefined {
  const ttl = asNumber(asObject(job.spec)?.ttlSecondsAfterFinished);
  if (ttl === undefined || job.metadata.deletionTimestamp) return undefined;
  const done = finishedCondition(job);
  if (!done) return undefined;
  const at = Date.parse(done.lastTransitionTime ?? '');
  return Number.isFinite(at) ? at + ttl * 1000 : undefined;
}

export function ttlAfterFinishedController(ctx: ControllerContext): Controller {
  const jobs = ctx.informers.informerFor<Job>(JOBS);
  const api = ctx.client.resource<Job>(JOBS);
  const controller = new QueueController({ name: TTL_AFTER_FINISHED_CONTROLLER, workers: 2, ctx, informers: [jobs], reconcile });
  const consider = (j: Job) => {
    if (expiresAt(j) !== undefined) controller.enqueue(j);
  };
  jobs.addEventHandler({ add: consider, update: (_o, j) => consider(j) });

  async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const cached = jobs.indexer.get(key);
    if (!cached) return;
    const at = expiresAt(cached);
    if (at === undefined) return;
    if (at > ctx.clock.now()) return { requeueAfterMs: at - ctx.clock.now() };
    let fresh: Job;
    try {
      fresh = await api.get(cached.metadata.namespace, String(cached.metadata.name), { signal });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    const freshAt = expiresAt(fresh);
    if (freshAt === undefined) return;
    if (freshAt > ctx.clock.now()) return { requeueAfterMs: freshAt - ctx.clock.now() };
    try {
      await api.delete(fresh.metadata.namespace, String(fresh.metadata.name), { propagationPolicy: 'Foreground', preconditions: { resourceVersion: fresh.metadata.resourceVersion }, signal });
      ctx.log.info('deleted a finished job whose TTL expired', { job: key });
    } catch (e) {
      // Changed since the read: the update event brings it back here.
      if (isNotFound(e) || isConflict(e)) return;
      throw e;
    }
  }

  return controller;
}
