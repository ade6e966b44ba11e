// CronJob schedules (standard five-field cron plus @-descriptors) and time zone names.

const FIELDS: ReadonlyArray<{ name: string; min: number; max: number; names?: readonly string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Problem with a schedule, or undefined when it parses. */
export function cronScheduleProblem(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s === '') return 'empty spec string';
  if (s.startsWith('@')) {
    if (DESCRIPTORS.has(s)) return undefined;
    if (s.startsWith('@every ')) return parseGoDuration(s.slice(7).trim()) === undefined ? `failed to parse duration ${s}` : undefined;
    return `unrecognized descriptor: ${s}`;
  }
  const parts = s.split(/\s+/);
  if (parts.length !== 5) return `expected exactly 5 fields, found ${parts.length}: ${s}`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldProblem(parts[i]!, FIELDS[i]!, i >= 2);
    if (problem) return problem;
  }
  return undefined;
}

function valueOf(token: string, f: (typeof FIELDS)[number]): number | undefined {
  if (/^[0-9]+$/.test(token)) return Number(token);
  const idx = f.names?.indexOf(token.toLowerCase()) ?? -1;
  return idx >= 0 ? idx + f.min : undefined;
}

function fieldProblem(field: string, f: (typeof FIELDS)[number], allowQuestion: boolean): string | undefined {
  for (const item of field.split(',')) {
    const [range = '', step, extra] = item.split('/');
    if (extra !== undefined) return `too many slashes: ${item}`;
    if (step !== undefined && (!/^[0-9]+$/.test(step) || Number(step) === 0)) return `invalid step in ${f.name}: ${item}`;
    if (range === '*' || (allowQuestion && range === '?')) continue;
    const [lo = '', hi, more] = range.split('-');
    if (more !== undefined) return `too many hyphens: ${item}`;
    const a = valueOf(lo, f);
    const b = hi === undefined ? a : valueOf(hi, f);
    if (a === undefined || b === undefined) return `failed to parse ${f.name}: ${item}`;
    if (a < f.min) return `beginning of range (${a}) below minimum (${f.min}): ${item}`;
    if (b > f.max) return `end of range (${b}) above maximum (${f.max}): ${item}`;
    if (a > b) return `beginning of range (${a}) beyond end of range (${b}): ${item}`;
  }
  return undefined;
}

/** Go duration syntax (`1h30m`, `90s`, `1.5h`): total milliseconds, or undefined. */
export function parseGoDuration(value: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (value === '0') return 0;
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  return pos === value.length && pos > 0 ? total : undefined;
}

/** Whether `tz` names a time zone of the IANA database (not `Local`). */
export function isValidTimeZone(tz: string): boolean {
  if (tz === '' || tz === 'Local' || !/^[A-Za-z0-9_+\-/]+$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
