// CronJob facts: which scheduled time is due (and how many were missed), when to look again, the
// deterministic name of the Job for a scheduled time, and the Job made from spec.jobTemplate.
import type { KubeObject } from '../../api/types';
import { asNumber, asObject, asString } from '../../api/validation/json';
import { controllerRef } from '../internal/pods';
import { nextTime, type CronSchedule } from './cron-schedule';
import type { TimeZone } from './time-zone';

/** The scheduled time of a Job, in the CronJob's time zone (RFC 3339). */
export const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Look again this long after the next scheduled time (upstream's nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/** Walking more missed times than this is left to arithmetic, as upstream does for all of them. */
const MAX_WALK = 200;

export type CronJob = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

export const cronSpec = (cj: KubeObject): Record<string, unknown> => asObject(cj.spec) ?? {};

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** lastScheduleTime, else creation: nothing before it is scheduled. */
export function earliestTime(cj: KubeObject): number {
  const last = Date.parse(asString(asObject(cj.status)?.lastScheduleTime) ?? '');
  if (Number.isFinite(last)) return last;
  return Date.parse(String(cj.metadata.creationTimestamp ?? '')) || 0;
}

export interface DueTime {
  /** The latest scheduled time at or before now that was not yet started. */
  readonly at: number;
  /** How many scheduled times were skipped to get there (1 = none missed). */
  readonly missed: number;
}

/**
 * The most recent unmet scheduled time (upstream's mostRecentScheduleTime). With the starting
 * deadline, times older than now − startingDeadlineSeconds are not considered at all.
 */
export function mostRecentScheduleTime(cj: KubeObject, nowMs: number, schedule: CronSchedule, tz: TimeZone, includeStartingDeadline: boolean): DueTime | undefined {
  let earliest = earliestTime(cj);
  const sds = asNumber(cronSpec(cj).startingDeadlineSeconds);
  if (includeStartingDeadline && sds !== undefined) earliest = Math.max(earliest, nowMs - sds * 1000);
  const t1 = nextTime(schedule, earliest, tz);
  if (t1 === undefined || nowMs < t1) return undefined;
  let at = t1;
  let missed = 1;
  for (;;) {
    const n = nextTime(schedule, at, tz);
    if (n === undefined || n > nowMs) return { at, missed };
    at = n;
    if (++missed > MAX_WALK) break;
  }
  // Decades of minutes: estimate by the spacing of the last two times, as upstream does.
  const t2 = nextTime(schedule, at, tz)!;
  const spacing = Math.max(1000, t2 - at);
  const more = Math.floor((nowMs - at) / spacing);
  return { at: at + more * spacing, missed: missed + more };
}

/** How long until the next scheduled time (plus a little), or undefined when there is none. */
export function nextScheduleDelay(cj: KubeObject, nowMs: number, schedule: CronSchedule, tz: TimeZone): number | undefined {
  const from = mostRecentScheduleTime(cj, nowMs, schedule, tz, false)?.at ?? earliestTime(cj);
  const next = nextTime(schedule, from, tz);
  return next === undefined ? undefined : Math.max(0, next + NEXT_SCHEDULE_DELTA_MS - nowMs);
}

/** `<cronjob>-<minutes since the epoch>`: one name per scheduled time, so a time never runs twice. */
export function jobName(cj: KubeObject, scheduledMs: number): string {
  return `${String(cj.metadata.name)}-${Math.floor(scheduledMs / 60_000)}`;
}

/** The Job for one scheduled time: the template's labels, annotations and spec, owned by the CronJob. */
export function jobFromTemplate(cj: KubeObject, scheduledMs: number, tz: TimeZone): KubeObject {
  const template = asObject(cronSpec(cj).jobTemplate) ?? {};
  const meta = asObject(template.metadata) ?? {};
  const labels = { ...((asObject(meta.labels) as Record<string, string> | undefined) ?? {}) };
  const annotations = { ...((asObject(meta.annotations) as Record<string, string> | undefined) ?? {}), [SCHEDULED_TIMESTAMP]: tz.format(scheduledMs) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduledMs),
      namespace: cj.metadata.namespace,
      ...(Object.keys(labels).length ? { labels } : {}),
      annotations,
      ownerReferences: [controllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: structuredClone(asObject(template.spec) ?? {}),
  };
}

/** Oldest start first (jobs that never started last), then by name: the order history is trimmed in. */
export function byStartTime(a: KubeObject, b: KubeObject): number {
  const start = (j: KubeObject) => Date.parse(asString(asObject(j.status)?.startTime) ?? '');
  const sa = start(a);
  const sb = start(b);
  if (Number.isFinite(sa) !== Number.isFinite(sb)) return Number.isFinite(sa) ? -1 : 1;
  if (Number.isFinite(sa) && sa !== sb) return sa - sb;
  return String(a.metadata.name).localeCompare(String(b.metadata.name));
}
