// Jobs: run pods to completion. Two queues: Job keys (claim the pods the Job selects, then one
// syncJob) and orphan pod keys (pods still carrying the tracking finalizer after their Job is gone
// or finished lose it, so they can be deleted). Pod events only enqueue keys; every decision is
// made from the informer caches.
import { fromLabelSelector, type LabelSelectorJson } from '../../api/selectors';
import type { KubeObject } from '../../api/types';
import { asObject } from '../../api/validation/json';
import { isNotFound } from '../../client/errors';
import { NAMESPACE_INDEX, OWNER_UID_INDEX, objectKey } from '../../client/indexer';
import { RESOURCES, type ResourceRef } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { Expectations } from '../../controller/expectations';
import { controllerRef, controllerRefOf } from '../internal/pods';
import { claimOwned, freshOwnerCheck } from '../workloads/claim';
import { syncJob } from './job-sync';
import { JOB_TRACKING_FINALIZER, REMOVE_TRACKING_FINALIZER, hasTrackingFinalizer, isFinished, type BackoffRecord, type Job } from './job-util';
import { TrackingExpectations } from './tracking-expectations';

export const JOB_CONTROLLER = 'job';
export const JOBS: ResourceRef = Object.freeze({ group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true });

export interface JobControllerOptions {
  /** First delay before recreating pods after a failure (upstream: 10 s), doubling per failure. */
  readonly podFailureBackoffMs?: number;
  /** Cap of that delay (6 min). */
  readonly maxPodFailureBackoffMs?: number;
}

export function jobController(opts: JobControllerOptions = {}): (ctx: ControllerContext) => Controller {
  return (ctx) => {
    const jobs = ctx.informers.informerFor<Job>(JOBS);
    const pods = ctx.informers.informerFor(RESOURCES.pods);
    const jobsApi = ctx.client.resource<Job>(JOBS);
    const podsApi = ctx.client.resource(RESOURCES.pods);
    const expectations = new Expectations(ctx.clock);
    const tracking = new TrackingExpectations();
    const backoff = new Map<string, BackoffRecord>();
    const main = new QueueController({ name: JOB_CONTROLLER, workers: 5, ctx, informers: [jobs, pods], reconcile });
    const orphans = new QueueController({ name: `${JOB_CONTROLLER}-orphan-pods`, workers: 2, ctx, informers: [jobs, pods], reconcile: syncOrphanPod });
    const deps = {
      jobs: jobsApi,
      pods: podsApi,
      clock: ctx.clock,
      log: ctx.log,
      expectations,
      tracking,
      backoff,
      backoffBaseMs: opts.podFailureBackoffMs ?? 10_000,
      backoffMaxMs: opts.maxPodFailureBackoffMs ?? 360_000,
    };

    const resolve = (pod: KubeObject): Job | undefined => {
      const ref = controllerRefOf(pod);
      if (!ref || ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return undefined;
      const j = jobs.indexer.getByName(pod.metadata.namespace, ref.name);
      return j && j.metadata.uid === ref.uid ? j : undefined;
    };
    const selecting = (pod: KubeObject) =>
      jobs.indexer.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '').filter((j) => {
        try {
          const s = fromLabelSelector(asObject(j.spec)?.selector as LabelSelectorJson | undefined);
          return !s.empty && s.matches(pod.metadata.labels);
        } catch {
          return false;
        }
      });
    const orphan = (pod: KubeObject) => {
      if (hasTrackingFinalizer(pod)) orphans.enqueue(pod);
    };
    /** Pods of a finished or deleted job keep no finalizer (a backup for what syncJob did). */
    const cleanupPodFinalizers = (j: KubeObject) => {
      for (const p of pods.indexer.byIndex(OWNER_UID_INDEX, String(j.metadata.uid ?? ''))) orphan(p);
    };
    const podGone = (pod: KubeObject, final: boolean) => {
      if (!controllerRefOf(pod)) return orphan(pod);
      const j = resolve(pod);
      if (!j || isFinished(j)) return orphan(pod);
      const key = objectKey(j);
      expectations.deletionObserved(key, objectKey(pod));
      if (final || !hasTrackingFinalizer(pod)) tracking.observed(key, pod.metadata.uid);
      main.enqueue(j);
    };

    jobs.addEventHandler({
      add: (j) => main.enqueue(j),
      update(old, j) {
        main.enqueue(j);
        if (isFinished(j)) cleanupPodFinalizers(j);
        // A changed activeDeadlineSeconds takes effect from the job's start.
        const ads = asObject(j.spec)?.activeDeadlineSeconds;
        const start = Date.parse(String(asObject(j.status)?.startTime ?? ''));
        if (typeof ads === 'number' && ads !== asObject(old.spec)?.activeDeadlineSeconds && Number.isFinite(start)) {
          main.queue.addAfter(objectKey(j), Math.max(0, start + ads * 1000 - ctx.clock.now()));
        }
      },
      delete(j) {
        main.enqueue(j);
        cleanupPodFinalizers(j);
      },
    });
    pods.addEventHandler({
      add(pod) {
        if (pod.metadata.deletionTimestamp) return podGone(pod, false);
        if (controllerRefOf(pod)) {
          const j = resolve(pod);
          if (!j) return orphan(pod);
          expectations.creationObserved(objectKey(j));
          return main.enqueue(j);
        }
        orphan(pod);
        for (const j of selecting(pod)) main.enqueue(j);
      },
      update(old, pod) {
        if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        if (pod.metadata.deletionTimestamp) return podGone(pod, false);
        const removed = !hasTrackingFinalizer(pod);
        const oldRef = controllerRefOf(old);
        const ref = controllerRefOf(pod);
        const refChanged = JSON.stringify(oldRef) !== JSON.stringify(ref);
        if (refChanged && oldRef) {
          const j = resolve(old);
          if (j) {
            if (removed) tracking.observed(objectKey(j), pod.metadata.uid);
            main.enqueue(j);
          }
        }
        if (ref) {
          const j = resolve(pod);
          if (!j) return orphan(pod);
          if (removed) tracking.observed(objectKey(j), pod.metadata.uid);
          return main.enqueue(j);
        }
        orphan(pod);
        if (refChanged || JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {})) for (const j of selecting(pod)) main.enqueue(j);
      },
      delete: (pod) => podGone(pod, true),
    });

    async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
      const job = jobs.indexer.get(key);
      if (!job) {
        expectations.delete(key);
        tracking.delete(key);
        backoff.delete(key);
        return;
      }
      if (isFinished(job)) {
        backoff.delete(key);
        return;
      }
      const mode = asObject(job.spec)?.completionMode;
      if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') return;
      // Checked before reading the pods, so a pod created meanwhile cannot sneak past the count.
      const satisfied = expectations.satisfied(key);
      const selector = fromLabelSelector(asObject(job.spec)?.selector as LabelSelectorJson | undefined);
      const candidates = pods.indexer.byIndex(NAMESPACE_INDEX, job.metadata.namespace ?? '');
      const owned = await claimOwned(
        {
          owner: job,
          ownerRef: controllerRef(job, 'batch/v1', 'Job'),
          selector,
          api: podsApi,
          canAdopt: freshOwnerCheck(jobsApi, job, signal),
          adoptFinalizers: [JOB_TRACKING_FINALIZER],
          signal,
        },
        candidates,
      );
      return syncJob(deps, key, job, owned, satisfied, signal);
    }

    /** Drops the tracking finalizer from a pod whose Job is gone or finished. */
    async function syncOrphanPod(key: string, signal: AbortSignal): Promise<void> {
      const pod = pods.indexer.get(key);
      if (!pod || !hasTrackingFinalizer(pod)) return;
      const ref = controllerRefOf(pod);
      if (ref) {
        if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return;
        let j = resolve(pod);
        // The cache may lag a Job just created: ask the API before declaring the pod orphaned.
        if (!j) j = await jobsApi.get(pod.metadata.namespace, ref.name, { signal }).then((x) => (x.metadata.uid === ref.uid ? x : undefined), (e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
        if (j && !isFinished(j)) return;
      }
      try {
        await podsApi.patch(pod.metadata.namespace, String(pod.metadata.name), 'strategic', REMOVE_TRACKING_FINALIZER, { signal });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }

    return {
      name: JOB_CONTROLLER,
      async run(signal: AbortSignal) {
        await Promise.all([main.run(signal), orphans.run(signal)]);
      },
    };
  };
}
