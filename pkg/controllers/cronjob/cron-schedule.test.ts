// Cron schedules, time zones and the CronJob's scheduling arithmetic, without an API server.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { nextTime, parseSchedule } from './cron-schedule';
import { jobFromTemplate, jobName, mostRecentScheduleTime, nextScheduleDelay, SCHEDULED_TIMESTAMP } from './cronjob-util';
import { CronJobError } from './errors';
import { TimeZone } from './time-zone';

const utc = new TimeZone('UTC');
const at = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const next = (schedule: string, after: string, tz = utc) => iso(nextTime(parseSchedule(schedule), at(after), tz));

describe('cron schedules', () => {
  it('finds the next activation of standard five-field schedules', () => {
    expect(next('*/15 * * * *', '2025-03-10T10:07:30Z')).toBe('2025-03-10T10:15:00.000Z');
    expect(next('*/15 * * * *', '2025-03-10T10:15:00Z')).toBe('2025-03-10T10:30:00.000Z');
    expect(next('5 4 * * sun', '2025-03-10T00:00:00Z')).toBe('2025-03-16T04:05:00.000Z');
    expect(next('0 0 1 jan,jul *', '2025-03-10T00:00:00Z')).toBe('2025-07-01T00:00:00.000Z');
    expect(next('0 12 1-7/3 * *', '2025-03-02T00:00:00Z')).toBe('2025-03-04T12:00:00.000Z');
    expect(next('30 2 29 2 *', '2025-03-01T00:00:00Z')).toBe('2028-02-29T02:30:00.000Z');
    expect(next('0 0 31 2 *', '2025-03-01T00:00:00Z')).toBeUndefined();
  });

  it('matches either restricted day field, but both when one is *', () => {
    // The 13th, or any Friday.
    expect(next('0 0 13 * 5', '2025-06-01T00:00:00Z')).toBe('2025-06-06T00:00:00.000Z');
    // Every day of month (*), but only Mondays.
    expect(next('0 0 * * 1', '2025-06-01T00:00:00Z')).toBe('2025-06-02T00:00:00.000Z');
    expect(next('0 0 ? * 1', '2025-06-01T00:00:00Z')).toBe('2025-06-02T00:00:00.000Z');
  });

  it('reads the descriptors and @every', () => {
    expect(next('@hourly', '2025-01-01T10:00:00Z')).toBe('2025-01-01T11:00:00.000Z');
    expect(next('@daily', '2025-01-01T10:00:00Z')).toBe('2025-01-02T00:00:00.000Z');
    expect(next('@weekly', '2025-01-01T10:00:00Z')).toBe('2025-01-05T00:00:00.000Z');
    expect(next('@monthly', '2025-01-01T10:00:00Z')).toBe('2025-02-01T00:00:00.000Z');
    expect(next('@yearly', '2025-01-01T10:00:00Z')).toBe('2026-01-01T00:00:00.000Z');
    expect(next('@every 1h30m', '2025-01-01T10:00:00.700Z')).toBe('2025-01-01T11:30:00.000Z');
  });

  it('refuses what does not parse, saying why', () => {
    expect(() => parseSchedule('61 * * * *')).toThrow(CronJobError);
    expect(() => parseSchedule('* * *')).toThrow(/expected exactly 5 fields/);
  });

  it('follows the wall clock of a time zone across daylight saving changes', () => {
    const berlin = new TimeZone('Europe/Berlin');
    // 09:00 in Berlin is 08:00Z in winter and 07:00Z in summer.
    expect(next('0 9 * * *', '2025-03-29T12:00:00Z', berlin)).toBe('2025-03-30T07:00:00.000Z');
    expect(next('0 9 * * *', '2025-01-10T12:00:00Z', berlin)).toBe('2025-01-11T08:00:00.000Z');
    // 02:30 does not exist on 2025-03-30 in Berlin: that day is skipped.
    expect(next('30 2 * * *', '2025-03-29T12:00:00Z', berlin)).toBe('2025-03-31T00:30:00.000Z');
    // 02:30 happens twice on 2025-10-26: the first one counts.
    expect(next('30 2 * * *', '2025-10-25T12:00:00Z', berlin)).toBe('2025-10-26T00:30:00.000Z');
    expect(berlin.format(at('2025-07-01T07:00:00Z'))).toBe('2025-07-01T09:00:00+02:00');
    expect(new TimeZone('Asia/Kolkata').format(at('2025-07-01T00:00:00Z'))).toBe('2025-07-01T05:30:00+05:30');
    expect(utc.format(at('2025-07-01T00:00:00Z'))).toBe('2025-07-01T00:00:00Z');
  });
});

describe('CronJob scheduling', () => {
  const cj = (extra: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject => ({
    metadata: { name: 'hello', namespace: 'ns', uid: 'u1', creationTimestamp: '2025-01-01T00:00:30Z' },
    spec: { schedule: '* * * * *', jobTemplate: { metadata: { labels: { a: 'b' } }, spec: { template: { spec: {} } } }, ...extra },
    status,
  });
  const sched = parseSchedule('* * * * *');

  it('finds the most recent due time and counts missed ones', () => {
    expect(mostRecentScheduleTime(cj(), at('2025-01-01T00:00:59Z'), sched, utc, true)).toBeUndefined();
    expect(mostRecentScheduleTime(cj(), at('2025-01-01T00:01:10Z'), sched, utc, true)).toEqual({ at: at('2025-01-01T00:01:00Z'), missed: 1 });
    expect(mostRecentScheduleTime(cj(), at('2025-01-01T00:05:10Z'), sched, utc, true)).toEqual({ at: at('2025-01-01T00:05:00Z'), missed: 5 });
    // Already started at 00:05: nothing more is due until 00:06.
    expect(mostRecentScheduleTime(cj({}, { lastScheduleTime: '2025-01-01T00:05:00Z' }), at('2025-01-01T00:05:40Z'), sched, utc, true)).toBeUndefined();
    // Years of missed minutes are estimated, not walked.
    const far = mostRecentScheduleTime(cj(), at('2027-01-01T00:00:10Z'), sched, utc, true)!;
    expect(iso(far.at)).toBe('2027-01-01T00:00:00.000Z');
    expect(far.missed).toBeGreaterThan(100);
  });

  it('ignores times older than the starting deadline', () => {
    const late = cj({ startingDeadlineSeconds: 20 });
    expect(mostRecentScheduleTime(late, at('2025-01-01T00:03:30Z'), sched, utc, true)).toBeUndefined();
    expect(mostRecentScheduleTime(late, at('2025-01-01T00:03:15Z'), sched, utc, true)?.at).toBe(at('2025-01-01T00:03:00Z'));
  });

  it('wakes up just after the next scheduled time', () => {
    expect(nextScheduleDelay(cj(), at('2025-01-01T00:00:40Z'), sched, utc)).toBe(20_100);
    expect(nextScheduleDelay(cj({}, { lastScheduleTime: '2025-01-01T00:05:00Z' }), at('2025-01-01T00:05:40Z'), sched, utc)).toBe(20_100);
  });

  it('names jobs by scheduled minutes since the epoch and copies the template', () => {
    const t = at('2025-01-01T00:05:00Z');
    expect(jobName(cj(), t)).toBe(`hello-${t / 60_000}`);
    const job = jobFromTemplate(cj(), t, new TimeZone('Asia/Tokyo'));
    expect(job.metadata).toMatchObject({ name: `hello-${t / 60_000}`, namespace: 'ns', labels: { a: 'b' }, annotations: { [SCHEDULED_TIMESTAMP]: '2025-01-01T09:05:00+09:00' } });
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
  });
});
