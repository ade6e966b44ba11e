// CronJob schedules as upstream's cron library reads them: five fields (minute hour day-of-month
// month day-of-week) with lists, ranges, steps, names and `?`, the @yearly/@monthly/@weekly/
// @daily/@hourly descriptors and `@every <duration>`. When both day fields are restricted a day
// matches either; when one is `*` (or `?`) both must match. next() walks the wall clock of a time
// zone, so "0 9 * * *" in Europe/Berlin fires at nine there, summer and winter.
import { cronScheduleProblem, parseGoDuration } from '../../api/validation/cron';
import { CronJobError } from './errors';
import type { TimeZone } from './time-zone';

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const RANGES = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

const MINUTE = 60_000;
/** next() gives up after this much wall time without a match (e.g. "0 0 30 2 *"). */
const HORIZON_MS = 5 * 366 * 24 * 60 * MINUTE;

interface Field {
  readonly values: ReadonlySet<number>;
  /** `*` or `?` without a step. */
  readonly star: boolean;
}

function parseField(text: string, i: number): Field {
  const r = RANGES[i]!;
  const values = new Set<number>();
  let star = false;
  const num = (t: string) => {
    if (/^[0-9]+$/.test(t)) return Number(t);
    const names: readonly string[] | undefined = 'names' in r ? r.names : undefined;
    const ix = names?.indexOf(t.toLowerCase()) ?? -1;
    return ix >= 0 ? ix + r.min : NaN;
  };
  for (const item of text.split(',')) {
    const [range = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      [lo, hi] = [r.min, r.max];
      if (step === 1) star = true;
    } else {
      const [a = '', b] = range.split('-');
      lo = num(a);
      // "N/step" means N through the maximum.
      hi = b !== undefined ? num(b) : stepText !== undefined ? r.max : lo;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, star };
}

export type CronSchedule =
  | { readonly kind: 'fields'; readonly fields: readonly Field[] }
  | { readonly kind: 'every'; readonly delayMs: number };

/** Parses a schedule; throws a CronJobError (code 'invalid-schedule') saying what is wrong. */
export function parseSchedule(text: string): CronSchedule {
  const s = text.trim();
  const problem = cronScheduleProblem(s);
  if (problem) throw new CronJobError('invalid-schedule', `unparseable schedule ${JSON.stringify(text)}: ${problem}`);
  if (s.startsWith('@every ')) {
    const ms = parseGoDuration(s.slice(7).trim()) ?? 0;
    return { kind: 'every', delayMs: Math.max(1000, Math.floor(ms / 1000) * 1000) };
  }
  const expanded = DESCRIPTORS[s] ?? s;
  return { kind: 'fields', fields: expanded.split(/\s+/).map(parseField) };
}

function dayMatches(fields: readonly Field[], d: Date): boolean {
  const dom = fields[2]!;
  const dow = fields[4]!;
  const domOk = dom.values.has(d.getUTCDate());
  const dowOk = dow.values.has(d.getUTCDay());
  return dom.star || dow.star ? domOk && dowOk : domOk || dowOk;
}

/** The first activation strictly after `afterMs` (whole seconds), or undefined when none comes within years. */
export function nextTime(schedule: CronSchedule, afterMs: number, tz: TimeZone): number | undefined {
  if (schedule.kind === 'every') return Math.floor(afterMs / 1000) * 1000 + schedule.delayMs;
  const [minute, hour, , month] = schedule.fields as [Field, Field, Field, Field, Field];
  const start = Math.floor(tz.wall(afterMs) / MINUTE) * MINUTE + MINUTE;
  for (let t = start; t <= start + HORIZON_MS; ) {
    const d = new Date(t);
    const [y, mo, day, h] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()];
    if (!month.values.has(mo + 1)) t = Date.UTC(y, mo + 1, 1);
    else if (!dayMatches(schedule.fields, d)) t = Date.UTC(y, mo, day + 1);
    else if (!hour.values.has(h)) t = Date.UTC(y, mo, day, h + 1);
    else if (!minute.values.has(d.getUTCMinutes())) t += MINUTE;
    else {
      const at = tz.instant(t);
      if (at !== undefined && at > afterMs) return at;
      t += MINUTE;
    }
  }
  return undefined;
}
