// Crash safety: a child process writes in a loop and is killed with SIGKILL; on reopen every write it
// acknowledged is there and the revision log, the current index and the metadata agree.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteBackend } from './sqlite';
import { connect } from './sqlite-schema';

const WRITER = path.join(__dirname, 'testdata', 'sqlite-writer.ts');
const REPO = path.resolve(__dirname, '..', '..', '..');

interface Ack {
  readonly kind: 'create' | 'counter';
  readonly index: number;
  readonly revision: number;
}

/**
 * Runs the writer until it has acknowledged at least `minAcks` writes and background compaction and
 * lease expiry have both happened in it, then SIGKILLs it.
 */
async function runAndKill(file: string, start: number, minAcks: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, String(start)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: Ack[] = [];
  let stderr = '';
  let compacted = false;
  let expired = false;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const m = /^ack (create|counter) (\d+) (\d+)$/.exec(line);
      if (m) acks.push({ kind: m[1] as Ack['kind'], index: Number(m[2]), revision: Number(m[3]) });
      else if (/^compacted [1-9]/.test(line)) compacted = true;
      else if (line === 'expired') expired = true;
      else if (line === 'ready' && start === 0) {
        // The owner lock holds across processes: a second server on the file is refused.
        const intruder = new SqliteBackend({ path: file });
        await expect(intruder.start()).rejects.toMatchObject({ code: 'unavailable' });
      }
      if (acks.length >= minAcks && compacted && expired) child.kill('SIGKILL');
    }
  } finally {
    clearTimeout(deadline);
  }
  const how = await exited;
  if (how !== 'SIGKILL') throw new Error(`writer ended with ${String(how)} instead of SIGKILL: ${stderr}`);
  return acks;
}

/** The newest revision in the log and the last one folded into `current`, read without opening a backend. */
function peek(file: string): { maxRev: number; currentThrough: number } {
  const db = connect(file, { readonly: true });
  try {
    const maxRev = (db.prepare('SELECT max(rev) FROM log').pluck().get() as number | null) ?? 0;
    const currentThrough = db.prepare(`SELECT value FROM meta WHERE name = 'current_through'`).pluck().get() as number;
    return { maxRev, currentThrough };
  } finally {
    db.close();
  }
}

/** Structural invariants of a closed datastore, checked through a separate read-only connection. */
function checkConsistency(file: string): { maxRev: number; compacted: number } {
  const db = connect(file, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    // The newest log row of every key must be exactly what `current` records (tombstones included).
    const newest = new Map<string, { rev: number; live: boolean }>();
    for (const r of db.prepare('SELECT rev, key, kind FROM log ORDER BY rev').iterate() as Iterable<{ rev: number; key: string; kind: number }>) {
      newest.set(r.key, { rev: r.rev, live: r.kind !== 2 });
    }
    const current = new Map<string, { rev: number; live: boolean }>();
    for (const r of db.prepare('SELECT key, rev, live FROM current').iterate() as Iterable<{ key: string; rev: number; live: number }>) {
      current.set(r.key, { rev: r.rev, live: r.live === 1 });
    }
    for (const [key, c] of current) expect(newest.get(key), `current row of ${key}`).toEqual(c);
    for (const [key, n] of newest) if (n.live) expect(current.get(key), `newest row of ${key} is live`).toEqual(n);
    const maxRev = (db.prepare('SELECT max(rev) FROM log').pluck().get() as number | null) ?? 0;
    const compacted = db.prepare(`SELECT value FROM meta WHERE name = 'compacted'`).pluck().get() as number;
    expect(compacted).toBeLessThan(maxRev);
    expect(db.prepare(`SELECT value FROM meta WHERE name = 'current_through'`).pluck().get()).toBe(maxRev);
    return { maxRev, compacted };
  } finally {
    db.close();
  }
}

describe('sqlite crash safety', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('keeps every acknowledged write across repeated SIGKILLs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-crash-'));
    dirs.push(dir);
    const file = path.join(dir, 'state.db');
    let next = 0;
    let lastRevision = 0;
    for (let round = 0; round < 3; round++) {
      const start = next;
      const acks = await runAndKill(file, start, 600 + round * 400);
      expect(acks.length).toBeGreaterThan(0);
      for (let i = 1; i < acks.length; i++) expect(acks[i]!.revision).toBeGreaterThan(acks[i - 1]!.revision);
      expect(acks[0]!.revision).toBeGreaterThan(lastRevision);

      const { maxRev, currentThrough } = peek(file);
      expect(maxRev).toBeGreaterThanOrEqual(acks[acks.length - 1]!.revision);
      expect(currentThrough).toBeLessThanOrEqual(maxRev);

      // Opening replays the log rows the kill kept out of the (write-behind) current index.
      const b = new SqliteBackend({ path: file, compactIntervalMs: 0 });
      await b.start();
      try {
        for (const a of acks.filter((x) => x.kind === 'create' && (x.index - start) % 10 !== 0)) {
          const g = await b.get(`/crash/k${a.index}`);
          expect(g.kv?.modRevision, `acknowledged create ${a.index}@${a.revision}`).toBe(a.revision);
          expect(Buffer.from(g.kv!.value).toString()).toBe(`v${a.index}`);
        }
        const counters = acks.filter((x) => x.kind === 'counter');
        const counter = (await b.get('/crash/counter')).kv!;
        expect(Number(Buffer.from(counter.value).toString())).toBeGreaterThanOrEqual(counters[counters.length - 1]!.index);
        expect(counter.modRevision).toBeGreaterThanOrEqual(counters[counters.length - 1]!.revision);
        const current = await b.currentRevision();
        expect(current).toBe(maxRev);
        const w = await b.create(`/crash/after-round-${round}`, new Uint8Array([1]));
        expect(w.revision).toBe(current + 1);
        lastRevision = w.revision;
        next = Math.max(...acks.map((a) => a.index)) + 100;
      } finally {
        await b.close();
      }
      expect(checkConsistency(file).maxRev).toBe(lastRevision);
    }
  });
});
