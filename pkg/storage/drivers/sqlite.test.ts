import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectEvents, expectStorageError, pollUntil, runBackendContract } from '../contract.test-suite';
import { SqliteBackend, type SqliteBackendConfig } from './sqlite';
import { connect } from './sqlite-schema';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-sqlite-'));
}

runBackendContract('sqlite', async () => {
  const dir = tempDir();
  return {
    backend: new SqliteBackend({ path: path.join(dir, 'db', 'state.db') }),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SqliteBackend specifics', () => {
  const dirs: string[] = [];
  const open: SqliteBackend[] = [];
  afterEach(async () => {
    for (const b of open.splice(0)) await b.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  async function backend(config: Partial<SqliteBackendConfig> & { path?: string } = {}): Promise<SqliteBackend> {
    let file = config.path;
    if (!file) {
      const dir = tempDir();
      dirs.push(dir);
      file = path.join(dir, 'state.db');
    }
    const b = new SqliteBackend({ ...config, path: file });
    open.push(b);
    await b.start();
    return b;
  }

  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

  it('keeps revisions, values, compaction and leases across a reopen', async () => {
    let now = 1_000_000;
    const first = await backend({ now: () => now });
    const file = path.join(dirs[0]!, 'state.db');
    const a = await first.create('/r/a', enc('1'));
    const u = await first.update('/r/a', enc('2'), { expectedModRevision: a.revision });
    await first.create('/r/leased', enc('x'), { lease: 60 });
    await first.compact(u.revision);
    await first.close();

    const second = await backend({ path: file, now: () => now });
    expect(await second.currentRevision()).toBe(u.revision + 1);
    expect(await second.compactedRevision()).toBe(u.revision - 1);
    expect((await second.get('/r/a')).kv?.modRevision).toBe(u.revision);
    const next = await second.create('/r/b', enc('3'));
    expect(next.revision).toBe(u.revision + 2);
    // The lease deadline was stored; advancing the clock past it expires the key without waiting 60 s.
    now += 61_000;
    await pollUntil(async () => (await second.get('/r/leased')).kv === undefined, 10_000, 'the lease to expire');
  });

  it('rebuilds the write-behind current index from the log after a crash', async () => {
    let now = 5_000_000;
    const b = await backend({ now: () => now });
    const file = path.join(dirs[0]!, 'state.db');
    const a = await b.create('/r/a', enc('a1'));
    await b.update('/r/a', enc('a2'), { expectedModRevision: a.revision });
    await b.create('/r/b', enc('b1'));
    await b.delete('/r/b');
    const c = await b.create('/r/c', enc('c1'), { lease: 60 });
    // Copy the files as a crash would leave them: every commit is in the WAL, none flushed to `current`.
    const copy = path.join(dirs[0]!, 'crashed.db');
    fs.copyFileSync(file, copy);
    fs.copyFileSync(`${file}-wal`, `${copy}-wal`);
    const raw = connect(copy, { mustExist: true });
    expect(raw.prepare(`SELECT value FROM meta WHERE name = 'current_through'`).pluck().get()).toBe(0);
    expect(raw.prepare('SELECT count(*) FROM current').pluck().get()).toBe(0);
    raw.close();

    const r = await backend({ path: copy, now: () => now });
    expect(await r.currentRevision()).toBe(c.revision);
    expect((await r.list('/r/')).kvs.map((kv) => `${kv.key}=${Buffer.from(kv.value).toString()}`)).toEqual(['/r/a=a2', '/r/c=c1']);
    expect((await r.get('/r/b', { revision: c.revision - 2 })).kv?.value).toEqual(Buffer.from('b1'));
    expect((await r.count('/r/')).count).toBe(2);
    now += 61_000;
    await pollUntil(async () => (await r.get('/r/c')).kv === undefined, 10_000, 'the replayed lease to expire');
  });

  it('refuses a second owner of the same file', async () => {
    const first = await backend();
    const file = path.join(dirs[0]!, 'state.db');
    const second = new SqliteBackend({ path: file });
    await expectStorageError(second.start(), 'unavailable');
    await first.close();
    const third = await backend({ path: file });
    expect(await third.currentRevision()).toBe(0);
  });

  it('compacts periodically, keeping the configured number of revisions', async () => {
    const b = await backend({ compactIntervalMs: 20, compactRetain: 10, compactBatch: 3 });
    let mod = (await b.create('/r/hot', enc('0'))).revision;
    for (let i = 1; i < 100; i++) mod = (await b.update('/r/hot', enc(String(i)), { expectedModRevision: mod })).revision;
    await pollUntil(async () => (await b.compactedRevision()) === mod - 10, 10_000, 'periodic compaction');
    expect((await b.get('/r/hot', { revision: mod - 9 })).kv?.value).toEqual(Buffer.from('90'));
    await expectStorageError(b.get('/r/hot', { revision: mod - 10 }), 'compacted');
    const events = await collectEvents(b, '/r/', mod - 9, (e) => e.length >= 10);
    expect(events.map((e) => e.prevKv?.modRevision)).toEqual(Array.from({ length: 10 }, (_, i) => mod - 10 + i));
  });

  it('serves a watch that starts far behind from history, then live, without gaps', async () => {
    const b = await backend();
    const n = 6000; // more than the in-memory ring holds
    for (let i = 0; i < n; i++) await b.create(`/r/k${i}`, enc(String(i)));
    const watched = collectEvents(b, '/r/', 1, (e) => e.length >= n + 5);
    for (let i = 0; i < 5; i++) await b.create(`/r/late${i}`, enc('late'));
    const events = await watched;
    expect(events.map((e) => e.revision)).toEqual(Array.from({ length: n + 5 }, (_, i) => i + 1));
  });

  it('get, list and watch catch-up use indexed searches, never a scan of the log', async () => {
    const b = await backend();
    await b.create('/r/a', enc('1'));
    const file = path.join(dirs[0]!, 'state.db');
    const db = connect(file, { readonly: true });
    try {
      const plan = (sql: string, ...args: unknown[]): string =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      const list = plan(
        'SELECT c.key, c.rev, l.value FROM current c JOIN log l ON l.rev = c.rev WHERE c.key >= ? AND c.key < ? AND c.live = 1 ORDER BY c.key LIMIT ?',
        '/r/',
        '/r0',
        501,
      );
      expect(list).toMatch(/SEARCH c USING PRIMARY KEY/);
      expect(list).toMatch(/SEARCH l USING INTEGER PRIMARY KEY/);
      expect(list).not.toMatch(/SCAN|TEMP B-TREE/);
      const get = plan('SELECT c.key, c.rev, l.value FROM current c JOIN log l ON l.rev = c.rev WHERE c.key = ? AND c.live = 1', '/r/a');
      expect(get).not.toMatch(/SCAN/);
      // A watch catching up reads forward along the revision key, whatever the prefix.
      const history = plan(
        'SELECT l.rev, p.value FROM log l LEFT JOIN log p ON p.rev = l.prev_rev WHERE l.rev >= ? AND +l.key >= ? AND +l.key < ? ORDER BY l.rev LIMIT ?',
        1,
        '/r/',
        '/r0',
        100,
      );
      expect(history).toMatch(/SEARCH l USING INTEGER PRIMARY KEY \(rowid>\?\)/);
      expect(history).not.toMatch(/SCAN|TEMP B-TREE/);
    } finally {
      db.close();
    }
  });
});
