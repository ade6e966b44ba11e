// Crash safety of group commit: a child process runs concurrent writers (their writes share
// transactions) and is killed with SIGKILL; on reopen every acknowledged write is there, at its
// revision, and the log's revisions have no gap.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteBackend } from './sqlite';
import { connect } from './sqlite-schema';

const WRITER = path.join(__dirname, 'testdata', 'sqlite-batch-writer.ts');
const REPO = path.resolve(__dirname, '..', '..', '..');

interface Ack {
  readonly key: string;
  readonly revision: number;
  readonly value: string;
}

/** Runs the writer until it has acknowledged at least `minAcks` writes, then SIGKILLs it. */
async function runAndKill(file: string, round: number, minAcks: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, String(round)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: Ack[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const m = /^ack (\S+) (\d+) (\S+)$/.exec(line);
      if (m) acks.push({ key: m[1]!, revision: Number(m[2]), value: m[3]! });
      if (acks.length >= minAcks) child.kill('SIGKILL');
    }
  } finally {
    clearTimeout(deadline);
  }
  const how = await exited;
  if (how !== 'SIGKILL') throw new Error(`writer ended with ${String(how)} instead of SIGKILL: ${stderr}`);
  return acks;
}

describe('sqlite group commit crash safety', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('keeps every acknowledged write of concurrent writers across SIGKILLs, with gap-free revisions', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-batch-crash-'));
    dirs.push(dir);
    const file = path.join(dir, 'state.db');
    for (let round = 0; round < 2; round++) {
      const acks = await runAndKill(file, round, 1500);
      // Revisions are unique across writers, whatever batch each write was in.
      expect(new Set(acks.map((a) => a.revision)).size).toBe(acks.length);

      const raw = connect(file, { readonly: true });
      try {
        const log = raw.prepare('SELECT count(*) AS n, min(rev) AS lo, max(rev) AS hi FROM log').get() as { n: number; lo: number; hi: number };
        expect(log.lo).toBe(1);
        expect(log.n).toBe(log.hi);
        expect(log.hi).toBeGreaterThanOrEqual(Math.max(...acks.map((a) => a.revision)));
      } finally {
        raw.close();
      }

      const b = new SqliteBackend({ path: file, compactIntervalMs: 0 });
      await b.start();
      try {
        for (const a of acks) {
          const g = await b.get(a.key, { revision: a.revision });
          expect(g.kv?.modRevision, `acknowledged write ${a.key}@${a.revision}`).toBe(a.revision);
          expect(Buffer.from(g.kv!.value).toString()).toBe(a.value);
        }
      } finally {
        await b.close();
      }
    }
  });
});
