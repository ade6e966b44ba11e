// Finished-pod tracking of one Job sync (upstream's trackJobStatusAndRemoveFinalizers): finished
// pods enter status.uncountedTerminatedPods, lose the tracking finalizer, and only then move into
// succeeded/failed (completedIndexes for Indexed Jobs); FailureTarget/SuccessCriteriaMet are
// recorded first, and Failed/Complete follow once nothing is uncounted or terminating.
import type { KubeObject } from '../../api/types';
import { asArray, asObject, asString } from '../../api/validation/json';
import { isNotFound } from '../../client/errors';
import { int, podPhase } from '../internal/pods';
import type { Ctx, JobSyncDeps } from './job-sync';
import { strings, uidOf } from './job-sync';
import { MAX_UNCOUNTED, REMOVE_TRACKING_FINALIZER, completionIndex, ensureCondition, formatIntervals, hasTrackingFinalizer, intervalsHas, intervalsTotal, isIndexed, isPodFailed, newCondition, validIndex, withIndexes, type Job } from './job-util';
import { matchPodFailurePolicy } from './pod-failure-policy';

const GONE = Symbol('job gone');

function countsOf(st: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...st };
  for (const k of ['active', 'succeeded', 'failed']) if (!int(out[k], 0)) delete out[k];
  const u = asObject(out.uncountedTerminatedPods) ?? {};
  const uc: Record<string, unknown> = {};
  if (strings(u.succeeded).length) uc.succeeded = strings(u.succeeded);
  if (strings(u.failed).length) uc.failed = strings(u.failed);
  out.uncountedTerminatedPods = uc;
  if (!jobConditionsPresent(out)) delete out.conditions;
  return out;
}

const jobConditionsPresent = (st: Record<string, unknown>) => (asArray(st.conditions) ?? []).length > 0;

/** Moves uncounted UIDs whose pods no longer carry the finalizer into the counters; true when any moved. */
function countUncounted(st: Record<string, unknown>, withFinalizer: ReadonlySet<string>): boolean {
  const u = asObject(st.uncountedTerminatedPods) as { succeeded: string[]; failed: string[] };
  let changed = false;
  for (const kind of ['succeeded', 'failed'] as const) {
    const keep = u[kind].filter((uid) => withFinalizer.has(uid));
    if (keep.length === u[kind].length) continue;
    st[kind] = int(st[kind], 0) + u[kind].length - keep.length;
    u[kind] = keep;
    changed = true;
  }
  return changed;
}

/** Tracks finished pods and writes the status; 'gone' when the Job disappeared meanwhile. */
export async function track(d: JobSyncDeps, ctx: Ctx, needsFlush: boolean, signal: AbortSignal): Promise<'gone' | void> {
  try {
    await trackOrThrow(d, ctx, needsFlush, signal);
  } catch (e) {
    if (e === GONE) return 'gone';
    throw e;
  }
}

async function trackOrThrow(d: JobSyncDeps, ctx: Ctx, needsFlush: boolean, signal: AbortSignal): Promise<void> {
  const { job, st } = ctx;
  const indexed = isIndexed(job);
  const now = d.clock.now();
  let current: Job = job;
  const flush = async () => {
    try {
      current = await d.jobs.updateStatus({ ...current, status: countsOf(st) }, { signal });
    } catch (e) {
      if (isNotFound(e)) throw GONE;
      throw e;
    }
  };
  const u = asObject(st.uncountedTerminatedPods) as { succeeded: string[]; failed: string[] };
  const pods = indexed ? [...ctx.pods].sort((a, b) => completionIndex(a) - completionIndex(b)) : ctx.pods;
  const withFinalizer = new Set(pods.filter((p) => hasTrackingFinalizer(p) && !ctx.expectedRm.has(uidOf(p))).map(uidOf));
  if (countUncounted(st, withFinalizer)) needsFlush = true;
  const toRemove: KubeObject[] = [];
  const newIndexes: number[] = [];
  let reachedMax = false;
  for (const pod of pods) {
    const uid = uidOf(pod);
    if (!hasTrackingFinalizer(pod) || ctx.expectedRm.has(uid)) continue;
    const failed = isPodFailed(pod, job);
    if (!(job.metadata.deletionTimestamp || ctx.finished || podPhase(pod) === 'Succeeded' || failed)) continue;
    toRemove.push(pod);
    if (podPhase(pod) === 'Succeeded' && !ctx.uncounted.failed.has(uid)) {
      if (indexed) {
        const ix = completionIndex(pod);
        if (validIndex(job, pod) && !intervalsHas(ctx.prevSucceededIndexes, ix)) {
          newIndexes.push(ix);
          needsFlush = true;
        }
      } else if (!ctx.uncounted.succeeded.has(uid)) {
        u.succeeded.push(uid);
        needsFlush = true;
      }
    } else if (failed || (ctx.finished && ctx.finished.type !== 'SuccessCriteriaMet')) {
      // Once the job has failed, every pod that did not succeed counts as failed.
      if (!ctx.uncounted.failed.has(uid) && (!indexed || validIndex(job, pod)) && matchPodFailurePolicy(job, pod).countFailed) {
        u.failed.push(uid);
        needsFlush = true;
      }
    }
    if (newIndexes.length + u.succeeded.length + u.failed.length >= MAX_UNCOUNTED) {
      reachedMax = true;
      break;
    }
  }
  if (indexed) {
    ctx.succeededIndexes = withIndexes(ctx.succeededIndexes, newIndexes);
    const text = formatIntervals(ctx.succeededIndexes);
    if (text !== (asString(st.completedIndexes) ?? '')) needsFlush = true;
    st.completedIndexes = text;
    st.succeeded = intervalsTotal(ctx.succeededIndexes);
  }
  let finished = ctx.finished;
  if (finished?.type === 'FailureTarget') {
    // Recorded before finalizers go, so the reason survives a restart.
    ensureCondition(st, finished);
    needsFlush = true;
    finished = newCondition('Failed', 'True', finished.reason ?? '', finished.message ?? '', now);
  }
  if (finished?.type === 'SuccessCriteriaMet') {
    if (ensureCondition(st, finished)) needsFlush = true;
    finished = newCondition('Complete', 'True', finished.reason ?? '', finished.message ?? '', now);
  }

  // 1. Record the new uncounted pods; 2. drop their finalizers; 3. count those that lost it.
  if (needsFlush) {
    await flush();
    needsFlush = false;
    d.backoff.set(ctx.key, ctx.backoff);
  }
  let removeError: unknown;
  if (toRemove.length) {
    d.tracking.expectRemoved(ctx.key, toRemove.map(uidOf));
    await Promise.all(
      toRemove.map(async (p) => {
        try {
          await d.pods.patch(p.metadata.namespace, String(p.metadata.name), 'strategic', REMOVE_TRACKING_FINALIZER, { signal });
        } catch (e) {
          // No update will show this removal: stop waiting for it.
          d.tracking.observed(ctx.key, uidOf(p));
          if (!isNotFound(e)) {
            removeError ??= e;
            return;
          }
        }
        withFinalizer.delete(uidOf(p));
      }),
    );
  }
  if (countUncounted(st, withFinalizer)) needsFlush = true;
  if (removeError) {
    if (needsFlush) await flush();
    throw removeError;
  }
  // 4. The terminal condition, once nothing is left uncounted or terminating.
  if (finished && !reachedMax && u.succeeded.length + u.failed.length === 0 && ctx.terminating === 0) {
    ensureCondition(st, finished);
    if (finished.type === 'Complete') st.completionTime = finished.lastTransitionTime;
    needsFlush = true;
    d.log.debug('job finished', { job: ctx.key, condition: finished.type, reason: finished.reason });
  }
  if (needsFlush) await flush();
}
