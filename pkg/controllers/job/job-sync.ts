// One sync of one Job (upstream's syncJob): count finished pods, decide whether the Job has
// failed (pod failure policy, backoffLimit, activeDeadlineSeconds) or met its success criteria,
// create or delete pods toward parallelism (respecting the failure backoff and suspend), then
// track: finished pods enter status.uncountedTerminatedPods, lose their tracking finalizer, and
// only then move into succeeded/failed, so no pod is counted twice or lost across restarts. The
// terminal Complete/Failed condition follows SuccessCriteriaMet/FailureTarget once no pod is
// left terminating.
import type { KubeObject } from '../../api/types';
import { asArray, asObject, asString } from '../../api/validation/json';
import type { Clock } from '../../client/clock';
import { isNotFound } from '../../client/errors';
import { objectKey } from '../../client/indexer';
import type { ResourceClient } from '../../client/rest-client';
import type { ReconcileResult } from '../../controller/controller-runner';
import type { Expectations } from '../../controller/expectations';
import type { Logger } from '../../log/logger';
import { int, isPodActive, isPodReady, podPhase } from '../internal/pods';
import { slowStart } from '../replicaset/replica-set-controller';
import { activePodsForRemoval, firstPendingIndexes, jobPod } from './job-pods';
import {
  MAX_POD_CHANGES,
  REASON,
  REMOVE_TRACKING_FINALIZER,
  backoffLimitOf,
  backoffRemainingMs,
  completionIndex,
  completionsOf,
  ensureCondition,
  findCondition,
  hasTrackingFinalizer,
  intervalsTotal,
  isIndexed,
  isPodFailed,
  isSuspended,
  isTerminating,
  newCondition,
  nextBackoffRecord,
  onlyReplaceFailedPods,
  parallelismOf,
  parseIndexes,
  podTemplateSpec,
  rfc3339,
  validIndex,
  withIndexes,
  type BackoffRecord,
  type Interval,
  type Job,
  type JobCondition,
} from './job-util';
import { matchPodFailurePolicy } from './pod-failure-policy';
import { track } from './job-tracking';
import type { TrackingExpectations } from './tracking-expectations';

export interface JobSyncDeps {
  readonly jobs: ResourceClient<Job>;
  readonly pods: ResourceClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly expectations: Expectations;
  readonly tracking: TrackingExpectations;
  readonly backoff: Map<string, BackoffRecord>;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

export interface Ctx {
  readonly key: string;
  readonly job: Job;
  readonly pods: readonly KubeObject[];
  readonly active: readonly KubeObject[];
  readonly st: Record<string, unknown>;
  readonly uncounted: { readonly succeeded: ReadonlySet<string>; readonly failed: ReadonlySet<string> };
  readonly expectedRm: ReadonlySet<string>;
  readonly succeeded: number;
  readonly backoff: BackoffRecord;
  readonly prevSucceededIndexes: readonly Interval[];
  succeededIndexes: Interval[];
  terminating: number;
  ready: number;
  finished?: JobCondition;
  requeueAfterMs?: number;
}

export const uidOf = (p: KubeObject): string => String(p.metadata.uid ?? '');
export const strings = (v: unknown): string[] => (asArray(v) ?? []).filter((x): x is string => typeof x === 'string');

export async function syncJob(d: JobSyncDeps, key: string, job: Job, pods: readonly KubeObject[], satisfied: boolean, signal: AbortSignal): Promise<ReconcileResult | void> {
  const now = d.clock.now();
  const st: Record<string, unknown> = structuredClone(asObject(job.status) ?? {});
  const u = asObject(st.uncountedTerminatedPods) ?? {};
  st.uncountedTerminatedPods = { succeeded: strings(u.succeeded), failed: strings(u.failed) };
  const uncounted = { succeeded: new Set(strings(u.succeeded)), failed: new Set(strings(u.failed)) };
  const expectedRm = d.tracking.get(key);
  const indexed = isIndexed(job);
  const active = pods.filter(isPodActive);
  // Finished pods still carrying the finalizer and not yet in the uncounted lists.
  const fresh = (p: KubeObject) => hasTrackingFinalizer(p) && !expectedRm.has(uidOf(p)) && (!indexed || validIndex(job, p));
  const newSucceeded = pods.filter((p) => fresh(p) && !uncounted.succeeded.has(uidOf(p)) && podPhase(p) === 'Succeeded');
  const newFailed = pods.filter((p) => fresh(p) && !uncounted.failed.has(uidOf(p)) && isPodFailed(p, job));
  let succeeded = int(st.succeeded, 0) + newSucceeded.length + uncounted.succeeded.size;
  const failed = int(st.failed, 0) + newFailed.filter((p) => matchPodFailurePolicy(job, p).countFailed).length + uncounted.failed.size;

  if (!st.startTime && !isSuspended(job)) st.startTime = rfc3339(now);
  let finished: JobCondition | undefined;
  const scm = findCondition(st, 'SuccessCriteriaMet');
  if (scm?.status === 'True') finished = scm;
  let requeueAfterMs: number | undefined;
  if (!finished) {
    const ft = findCondition(st, 'FailureTarget');
    if (ft?.status === 'True') finished = newCondition('Failed', 'True', ft.reason ?? '', ft.message ?? '', now);
    else {
      const msg = pods.filter((p) => isPodFailed(p, job)).map((p) => matchPodFailurePolicy(job, p).failJobMessage).find((m) => m !== undefined);
      if (msg) finished = newCondition('FailureTarget', 'True', REASON.podFailurePolicy, msg, now);
    }
  }
  if (!finished) {
    const ads = asObject(job.spec)?.activeDeadlineSeconds;
    const started = Date.parse(asString(st.startTime) ?? '');
    if (failed > backoffLimitOf(job) || pastBackoffLimitOnFailure(job, pods)) finished = newCondition('FailureTarget', 'True', REASON.backoffLimit, 'Job has reached the specified backoff limit', now);
    else if (typeof ads === 'number' && Number.isFinite(started) && !isSuspended(job)) {
      const left = started + ads * 1000 - now;
      if (left <= 0) finished = newCondition('FailureTarget', 'True', REASON.deadline, 'Job was active longer than specified deadline', now);
      else requeueAfterMs = left;
    }
  }
  let prevSucceededIndexes: Interval[] = [];
  let succeededIndexes: Interval[] = [];
  if (indexed) {
    const completions = completionsOf(job) ?? 0;
    prevSucceededIndexes = parseIndexes(asString(st.completedIndexes), completions);
    const done = pods.filter((p) => podPhase(p) === 'Succeeded' && hasTrackingFinalizer(p) && validIndex(job, p)).map(completionIndex);
    succeededIndexes = withIndexes(prevSucceededIndexes, done);
    succeeded = intervalsTotal(succeededIndexes);
  }
  const ctx: Ctx = {
    key,
    job,
    pods,
    active,
    st,
    uncounted,
    expectedRm,
    succeeded,
    backoff: nextBackoffRecord(d.backoff.get(key), newSucceeded, newFailed),
    prevSucceededIndexes,
    succeededIndexes,
    terminating: pods.filter(isTerminating).length,
    ready: active.filter(isPodReady).length,
    finished,
    requeueAfterMs,
  };

  let activeCount = active.length;
  let suspendChanged = false;
  let manageError: unknown;
  if (ctx.finished) {
    // Failed or done: every active pod goes (keeping its finalizer until it is counted).
    const r = await deleteAll(d, active, false, signal);
    if (r.deleted !== activeCount || !satisfied) ctx.finished = undefined;
    activeCount -= r.deleted;
    ctx.terminating += r.deleted;
    ctx.ready -= r.deletedReady;
    manageError = r.error;
  } else {
    let managed = false;
    if (satisfied && !job.metadata.deletionTimestamp) {
      const m = await manage(d, ctx, signal);
      activeCount = m.active;
      manageError = m.error;
      managed = true;
    }
    const completions = completionsOf(job);
    const complete = completions === undefined ? ctx.succeeded > 0 && activeCount === 0 : ctx.succeeded >= completions && activeCount === 0;
    if (complete) ctx.finished = newCondition('SuccessCriteriaMet', 'True', REASON.completionsReached, 'Reached expected number of succeeded pods', now);
    else if (managed) {
      if (isSuspended(job)) suspendChanged = ensureCondition(st, newCondition('Suspended', 'True', REASON.suspended, 'Job suspended', now));
      else {
        suspendChanged = ensureCondition(st, newCondition('Suspended', 'False', REASON.resumed, 'Job resumed', now));
        // activeDeadlineSeconds counts from the resume.
        if (suspendChanged) st.startTime = rfc3339(now);
      }
    }
  }
  const changed = suspendChanged || activeCount !== int(st.active, 0) || ctx.ready !== st.ready || ctx.terminating !== st.terminating;
  st.active = activeCount;
  st.ready = ctx.ready;
  st.terminating = ctx.terminating;
  if ((await track(d, ctx, changed, signal)) === 'gone') return;
  if (manageError) throw manageError;
  return ctx.requeueAfterMs !== undefined ? { requeueAfterMs: Math.max(1, ctx.requeueAfterMs) } : undefined;
}

/** restartPolicy OnFailure: container restarts of running/pending pods reach backoffLimit. */
function pastBackoffLimitOnFailure(job: KubeObject, pods: readonly KubeObject[]): boolean {
  if (podTemplateSpec(job).restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    const phase = podPhase(p);
    if (phase !== 'Running' && phase !== 'Pending') continue;
    const st = asObject(p.status) ?? {};
    for (const s of [...(asArray(st.initContainerStatuses) ?? []), ...(asArray(st.containerStatuses) ?? [])]) restarts += int(asObject(s)?.restartCount, 0);
  }
  const limit = backoffLimitOf(job);
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

interface DeleteResult {
  readonly deleted: number;
  readonly deletedReady: number;
  readonly error?: unknown;
}

/** Deletes pods; with `dropFinalizer` the tracking finalizer goes first (pods that will not be counted). */
async function deleteAll(d: JobSyncDeps, pods: readonly KubeObject[], dropFinalizer: boolean, signal: AbortSignal, onFail?: (p: KubeObject) => void): Promise<DeleteResult> {
  let deleted = 0;
  let deletedReady = 0;
  let error: unknown;
  await Promise.all(
    pods.map(async (p) => {
      try {
        if (dropFinalizer && hasTrackingFinalizer(p)) await d.pods.patch(p.metadata.namespace, String(p.metadata.name), 'strategic', REMOVE_TRACKING_FINALIZER, { signal });
        await d.pods.delete(p.metadata.namespace, String(p.metadata.name), { preconditions: { uid: p.metadata.uid }, signal });
      } catch (e) {
        onFail?.(p);
        if (!isNotFound(e)) {
          error ??= e;
          return;
        }
      }
      deleted++;
      if (isPodReady(p)) deletedReady++;
    }),
  );
  return { deleted, deletedReady, error };
}

interface ManageResult {
  readonly active: number;
  readonly error?: unknown;
}

/** Creates or deletes pods toward the wanted number of active pods. */
async function manage(d: JobSyncDeps, ctx: Ctx, signal: AbortSignal): Promise<ManageResult> {
  const { job, key } = ctx;
  const active = ctx.active.length;
  const remove = async (victims: KubeObject[]): Promise<ManageResult> => {
    d.expectations.expect(key, 0, victims.map(objectKey));
    const r = await deleteAll(d, victims, true, signal, (p) => d.expectations.deletionObserved(key, objectKey(p)));
    ctx.terminating += r.deleted;
    ctx.ready -= r.deletedReady;
    return { active: active - r.deleted, error: r.error };
  };
  if (isSuspended(job)) {
    if (!active) return { active };
    d.log.debug('deleting the active pods of a suspended job', { job: key, active });
    return remove(activePodsForRemoval(job, ctx.active, active));
  }
  const completions = completionsOf(job);
  const parallelism = parallelismOf(job);
  const want = completions === undefined ? (ctx.succeeded > 0 ? active : parallelism) : Math.max(0, Math.min(completions - ctx.succeeded, parallelism));
  const victims = activePodsForRemoval(job, ctx.active, Math.max(0, active - want)).slice(0, MAX_POD_CHANGES);
  // Deletions take precedence: one kind of change per sync.
  if (victims.length) return remove(victims);
  const waitFor = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
  let diff = want - waitFor - active;
  if (diff <= 0) return { active };
  const wait = backoffRemainingMs(ctx.backoff, d.clock.now(), d.backoffBaseMs, d.backoffMaxMs);
  if (wait > 0) {
    ctx.requeueAfterMs = Math.min(ctx.requeueAfterMs ?? Infinity, wait);
    return { active };
  }
  diff = Math.min(diff, MAX_POD_CHANGES);
  let indexes: number[] = [];
  if (isIndexed(job)) {
    const busy = [...ctx.active, ...(onlyReplaceFailedPods(job) ? ctx.pods.filter(isTerminating) : [])];
    indexes = firstPendingIndexes(ctx.succeededIndexes, busy, diff, completions ?? 0);
    diff = indexes.length;
    if (!diff) return { active };
  }
  d.expectations.expect(key, diff);
  const queue = [...indexes];
  const r = await slowStart(diff, async () => {
    const index = isIndexed(job) ? queue.shift() : undefined;
    await d.pods.create(jobPod(job, index), { signal });
  });
  if (r.succeeded < diff) d.expectations.lowerCreations(key, diff - r.succeeded);
  const causes = (r.error as { details?: { causes?: { reason?: string }[] } } | undefined)?.details?.causes ?? [];
  // A namespace being torn down refuses every creation: nothing to retry.
  const error = r.error && !causes.some((c) => c.reason === 'NamespaceTerminating') ? r.error : undefined;
  return { active: active + r.succeeded, error };
}
