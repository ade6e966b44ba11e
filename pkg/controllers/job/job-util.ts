// Job facts the job controller works from: spec accessors, conditions with upstream's reasons,
// the pod tracking finalizer, completion indexes and their interval notation ("0-2,5"), which pods
// count as failed, and the failure backoff between pod recreations.
import type { KubeObject } from '../../api/types';
import { asArray, asNumber, asObject, asString } from '../../api/validation/json';
import { int, podPhase, podReadyCondition } from '../internal/pods';

/** On every pod a Job creates until the controller has counted the pod's end. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** Annotation (and label) carrying the completion index of an Indexed Job's pod. */
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** At most this many pods enter status.uncountedTerminatedPods per sync (upstream's MaxUncountedPods). */
export const MAX_UNCOUNTED = 500;
/** At most this many pod creations or deletions per sync. */
export const MAX_POD_CHANGES = 500;

export const REASON = Object.freeze({
  backoffLimit: 'BackoffLimitExceeded',
  deadline: 'DeadlineExceeded',
  podFailurePolicy: 'PodFailurePolicy',
  completionsReached: 'CompletionsReached',
  suspended: 'JobSuspended',
  resumed: 'JobResumed',
});

export type Job = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

export interface JobCondition {
  type: string;
  status: 'True' | 'False';
  lastProbeTime: string;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export const jobSpec = (j: KubeObject): Record<string, unknown> => asObject(j.spec) ?? {};
export const isSuspended = (j: KubeObject): boolean => jobSpec(j).suspend === true;
export const isIndexed = (j: KubeObject): boolean => jobSpec(j).completionMode === 'Indexed';
export const completionsOf = (j: KubeObject): number | undefined => asNumber(jobSpec(j).completions);
export const parallelismOf = (j: KubeObject): number => int(jobSpec(j).parallelism, 1);
export const backoffLimitOf = (j: KubeObject): number => int(jobSpec(j).backoffLimit, 6);
export const podTemplateSpec = (j: KubeObject): Record<string, unknown> => asObject(asObject(jobSpec(j).template)?.spec) ?? {};
/** podReplacementPolicy Failed (explicit, or implied by a podFailurePolicy): terminating pods are not failures yet. */
export const onlyReplaceFailedPods = (j: KubeObject): boolean => jobSpec(j).podReplacementPolicy === 'Failed' || asObject(jobSpec(j).podFailurePolicy) !== undefined;

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function jobConditions(st: Record<string, unknown>): JobCondition[] {
  return (asArray(st.conditions) ?? []).map((c) => asObject(c) as unknown as JobCondition).filter(Boolean);
}

export function findCondition(st: Record<string, unknown>, type: string): JobCondition | undefined {
  return jobConditions(st).find((c) => c.type === type);
}

export function newCondition(type: string, status: 'True' | 'False', reason: string, message: string, nowMs: number): JobCondition {
  const t = rfc3339(nowMs);
  return { type, status, lastProbeTime: t, lastTransitionTime: t, reason, message };
}

/**
 * Upstream's ensureJobConditionStatus: replaces a condition of the type when status, reason or
 * message differ, appends it when absent (but never appends a False one). True when changed.
 */
export function ensureCondition(st: Record<string, unknown>, c: JobCondition): boolean {
  const list = jobConditions(st);
  const i = list.findIndex((x) => x.type === c.type);
  if (i >= 0) {
    const cur = list[i]!;
    if (cur.status === c.status && (cur.reason ?? '') === (c.reason ?? '') && (cur.message ?? '') === (c.message ?? '')) return false;
    list[i] = c;
    st.conditions = list;
    return true;
  }
  if (c.status === 'False') return false;
  st.conditions = [...list, c];
  return true;
}

/** Finished: a Complete or Failed condition that is True. */
export function finishedCondition(j: KubeObject): JobCondition | undefined {
  return jobConditions(asObject(j.status) ?? {}).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export const isFinished = (j: KubeObject): boolean => finishedCondition(j) !== undefined;

export const hasTrackingFinalizer = (pod: KubeObject): boolean => (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);

/** The strategic merge patch that drops the tracking finalizer. */
export const REMOVE_TRACKING_FINALIZER = Object.freeze({ metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } });

/** A pod's completion index from its annotation, or -1. */
export function completionIndex(pod: KubeObject): number {
  const v = pod.metadata.annotations?.[COMPLETION_INDEX];
  if (v === undefined || !/^(0|[1-9][0-9]*)$/.test(v)) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : -1;
}

/** Whether a pod's index is usable for `job` (Indexed jobs only). */
export function validIndex(j: KubeObject, pod: KubeObject): boolean {
  const ix = completionIndex(pod);
  return ix >= 0 && ix < (completionsOf(j) ?? 0);
}

/** Upstream's isPodFailed: Failed, or (unless only failed pods are replaced) deleted before it succeeded. */
export function isPodFailed(pod: KubeObject, j: KubeObject): boolean {
  const phase = podPhase(pod);
  if (phase === 'Failed') return true;
  if (onlyReplaceFailedPods(j)) return false;
  return pod.metadata.deletionTimestamp !== undefined && phase !== 'Succeeded';
}

export function isTerminating(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return pod.metadata.deletionTimestamp !== undefined && phase !== 'Succeeded' && phase !== 'Failed';
}

// ---- completion index sets, kept as sorted disjoint intervals

export type Interval = readonly [number, number];

/** Parses "1,3-5" into intervals, dropping anything at or beyond `completions`. */
export function parseIndexes(text: string | undefined, completions: number): Interval[] {
  const out: number[] = [];
  for (const part of (text ?? '').split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-');
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) continue;
    for (let i = lo; i <= Math.min(hi, completions - 1); i++) out.push(i);
  }
  return toIntervals(out);
}

export function toIntervals(indexes: Iterable<number>): Interval[] {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i === last[1] + 1) last[1] = i;
    else out.push([i, i]);
  }
  return out;
}

export function formatIntervals(list: readonly Interval[]): string {
  return list.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(',');
}

export function intervalsTotal(list: readonly Interval[]): number {
  return list.reduce((n, [a, b]) => n + b - a + 1, 0);
}

export function intervalsHas(list: readonly Interval[], i: number): boolean {
  return list.some(([a, b]) => i >= a && i <= b);
}

export function withIndexes(list: readonly Interval[], more: Iterable<number>): Interval[] {
  const all: number[] = [...more];
  for (const [a, b] of list) for (let i = a; i <= b; i++) all.push(i);
  return toIntervals(all);
}

// ---- failure backoff

/** When a pod finished (ms): latest container finish, else Ready=False transition, else deletion, else creation. */
export function finishedAt(pod: KubeObject): number {
  const statuses = asArray(asObject(pod.status)?.containerStatuses) ?? [];
  let latest: number | undefined;
  let all = statuses.length > 0;
  for (const s of statuses) {
    const t = Date.parse(asString(asObject(asObject(asObject(s)?.state)?.terminated)?.finishedAt) ?? '');
    if (!Number.isFinite(t)) {
      all = false;
      break;
    }
    latest = latest === undefined ? t : Math.max(latest, t);
  }
  if (all && latest !== undefined) return latest;
  const ready = podReadyCondition(pod);
  const readyFalse = ready?.status === 'False' ? Date.parse(ready.lastTransitionTime ?? '') : NaN;
  if (Number.isFinite(readyFalse)) return readyFalse;
  const deleted = Date.parse(pod.metadata.deletionTimestamp ?? '');
  if (Number.isFinite(deleted)) return deleted - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return Date.parse(String(pod.metadata.creationTimestamp ?? '')) || 0;
}

export interface BackoffRecord {
  readonly failuresAfterLastSuccess: number;
  readonly lastFailureAt?: number;
}

/** The record after these newly finished pods (upstream's newBackoffRecord). */
export function nextBackoffRecord(prev: BackoffRecord | undefined, succeeded: readonly KubeObject[], failed: readonly KubeObject[]): BackoffRecord {
  const base = prev ?? { failuresAfterLastSuccess: 0 };
  const failTimes = failed.map(finishedAt).sort((a, b) => a - b);
  if (succeeded.length === 0) {
    if (failTimes.length === 0) return base;
    return { failuresAfterLastSuccess: base.failuresAfterLastSuccess + failTimes.length, lastFailureAt: failTimes[failTimes.length - 1] };
  }
  const lastSuccess = Math.max(...succeeded.map(finishedAt));
  const after = failTimes.filter((t) => t > lastSuccess);
  return after.length ? { failuresAfterLastSuccess: after.length, lastFailureAt: after[after.length - 1] } : { failuresAfterLastSuccess: 0 };
}

/** How long before pods may be created again: base·2^(failures−1), capped, counted from the last failure. */
export function backoffRemainingMs(rec: BackoffRecord, nowMs: number, baseMs: number, maxMs: number): number {
  if (rec.failuresAfterLastSuccess === 0 || rec.lastFailureAt === undefined) return 0;
  let d = baseMs;
  for (let i = 1; i < rec.failuresAfterLastSuccess && d < maxMs; i++) d *= 2;
  d = Math.min(d, maxMs);
  const elapsed = nowMs - rec.lastFailureAt;
  return elapsed >= d ? 0 : d - elapsed;
}
