// Reading a container's CRI log file (`<RFC3339Nano> <stdout|stderr> <P|F> <text>` per line, P for
// a partial line continued by the next) as `kubectl logs` expects it: plain text, optionally with
// timestamps, the last N lines, since a time, at most N bytes, and following new output until the
// container stops or the client goes away.
import * as fs from 'node:fs';
import { sleep, type Clock } from '../../client/clock';

export interface LogOptions {
  readonly follow?: boolean;
  readonly timestamps?: boolean;
  readonly tailLines?: number;
  readonly sinceMs?: number;
  readonly limitBytes?: number;
}

export interface LogLine {
  readonly time: string;
  readonly stream: 'stdout' | 'stderr';
  /** Text including its newline when the record completed a line. */
  readonly text: string;
}

/** Parses complete records from `chunk`; returns them and the unparsed rest. Partial records are joined. */
export function parseCriLog(text: string, carry: { partial?: LogLine } = {}): { lines: LogLine[]; rest: string } {
  const lines: LogLine[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    const rec = text.slice(start, nl);
    start = nl + 1;
    const s1 = rec.indexOf(' ');
    const s2 = rec.indexOf(' ', s1 + 1);
    const s3 = rec.indexOf(' ', s2 + 1);
    if (s1 < 0 || s2 < 0) continue;
    const time = rec.slice(0, s1);
    const stream = rec.slice(s1 + 1, s2) === 'stderr' ? 'stderr' : 'stdout';
    const tag = s3 < 0 ? rec.slice(s2 + 1) : rec.slice(s2 + 1, s3);
    const body = s3 < 0 ? '' : rec.slice(s3 + 1);
    if (tag === 'P') {
      carry.partial = { time: carry.partial?.time ?? time, stream, text: (carry.partial?.text ?? '') + body };
      continue;
    }
    lines.push({ time: carry.partial?.time ?? time, stream, text: (carry.partial?.text ?? '') + body + '\n' });
    carry.partial = undefined;
  }
  return { lines, rest: text.slice(start) };
}

function format(l: LogLine, o: LogOptions): string {
  return o.timestamps ? `${l.time} ${l.text}` : l.text;
}

function since(l: LogLine, o: LogOptions): boolean {
  if (o.sinceMs === undefined) return true;
  return Date.parse(l.time) >= o.sinceMs;
}

/**
 * Writes the log to `write`; with follow, keeps reading appended records until `running()` says the
 * container stopped (and the file is drained) or `signal` aborts.
 */
export async function streamContainerLog(file: string, o: LogOptions, io: { write: (s: string) => boolean | void; running: () => Promise<boolean>; signal: AbortSignal; clock: Clock }): Promise<void> {
  let budget = o.limitBytes ?? Infinity;
  const emit = (s: string): boolean => {
    if (budget <= 0) return false;
    const out = Buffer.byteLength(s) > budget ? Buffer.from(s).subarray(0, budget).toString() : s;
    budget -= Buffer.byteLength(out);
    io.write(out);
    return budget > 0;
  };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    text = '';
  }
  let offset = Buffer.byteLength(text);
  const carry: { partial?: LogLine } = {};
  const first = parseCriLog(text, carry);
  let rest = first.rest;
  let lines = first.lines.filter((l) => since(l, o));
  if (o.tailLines !== undefined && o.tailLines >= 0) lines = o.tailLines === 0 ? [] : lines.slice(-o.tailLines);
  for (const l of lines) if (!emit(format(l, o))) return;
  if (!o.follow) return;
  let stoppedChecks = 0;
  while (!io.signal.aborted) {
    let size = offset;
    try {
      size = fs.statSync(file).size;
    } catch {
      // rotated away or removed: treat as no growth
    }
    if (size > offset) {
      const fd = fs.openSync(file, 'r');
      try {
        const buf = Buffer.alloc(size - offset);
        fs.readSync(fd, buf, 0, buf.length, offset);
        offset = size;
        const parsed = parseCriLog(rest + buf.toString('utf8'), carry);
        rest = parsed.rest;
        for (const l of parsed.lines) if (since(l, o) && !emit(format(l, o))) return;
      } finally {
        fs.closeSync(fd);
      }
      stoppedChecks = 0;
      continue;
    }
    // No new output: stop following once the container has stopped (checked twice to drain the tail).
    if (!(await io.running())) {
      if (++stoppedChecks >= 2) return;
    }
    if (!(await sleep(io.clock, 200, io.signal))) return;
  }
}
