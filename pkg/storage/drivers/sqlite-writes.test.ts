// Group commit (sqlite-writes.ts) and the recent-heads cache (sqlite-heads.ts): writes submitted in
// the same turn share a transaction yet keep the outcome each would have had alone.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WriteResult } from '../backend';
import { collectEvents, dec, enc, expectStorageError, summary } from '../contract-helpers.test-suite';
import { ConflictError, StorageError } from '../errors';
import { SqliteBackend } from './sqlite';
import { RecentHeads } from './sqlite-heads';
import { connect } from './sqlite-schema';

describe('sqlite group commit', () => {
  const dirs: string[] = [];
  const open: SqliteBackend[] = [];
  afterEach(async () => {
    for (const b of open.splice(0)) await b.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  async function backend(file?: string): Promise<{ b: SqliteBackend; file: string }> {
    if (!file) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-sqlite-gc-'));
      dirs.push(dir);
      file = path.join(dir, 'state.db');
    }
    const b = new SqliteBackend({ path: file, compactIntervalMs: 0 });
    open.push(b);
    await b.start();
    return { b, file };
  }

  /** Settles every promise, keeping each outcome (a revision or an error code). */
  async function outcomes(ps: ReadonlyArray<Promise<WriteResult>>): Promise<Array<number | string>> {
    const rs = await Promise.allSettled(ps);
    return rs.map((r) => (r.status === 'fulfilled' ? r.value.revision : r.reason instanceof StorageError ? r.reason.code : String(r.reason)));
  }

  it('gives each write of one turn the outcome it would have had alone, with gap-free revisions', async () => {
    const { b, file } = await backend();
    const r0 = (await b.create('/r/c', enc('c0'))).revision;
    // All of these are submitted before any of them commits: they share one transaction.
    const ps = [
      b.create('/r/a', enc('a1')), // r0+1
      b.create('/r/a', enc('again')), // exists (created just before, same batch)
      b.update('/r/a', enc('a2'), { expectedModRevision: r0 + 1 }), // r0+2
      b.update('/r/a', enc('stale'), { expectedModRevision: r0 + 1 }), // conflict with the in-batch version
      b.delete('/r/b'), // not found
      b.create('/r/b', enc('b1')), // r0+3
      b.delete('/r/b', { expectedModRevision: r0 + 3 }), // r0+4
      b.create('/r/b', enc('b2')), // r0+5: re-created after its delete in the same batch
      b.update('/r/c', enc('c1'), { expectedModRevision: r0 }), // r0+6
      b.update('/r/missing', enc('x'), { expectedModRevision: 1 }), // not found
    ];
    const conflict = ps[3]!.catch((e: unknown) => e);
    expect(await outcomes(ps)).toEqual([r0 + 1, 'exists', r0 + 2, 'conflict', 'not-found', r0 + 3, r0 + 4, r0 + 5, r0 + 6, 'not-found']);
    const err = await conflict;
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).current?.modRevision).toBe(r0 + 2);
    expect(dec((err as ConflictError).current!.value)).toBe('a2');
    expect(await b.currentRevision()).toBe(r0 + 6);

    const events = await collectEvents(b, '/r/', r0 + 1, (e) => e.length >= 6);
    expect(events.map(summary)).toEqual([
      `${r0 + 1} create /r/a c=${r0 + 1} m=${r0 + 1} v=a1`,
      `${r0 + 2} update /r/a c=${r0 + 1} m=${r0 + 2} v=a2 prev=${r0 + 1}:a1`,
      `${r0 + 3} create /r/b c=${r0 + 3} m=${r0 + 3} v=b1`,
      `${r0 + 4} delete /r/b c=${r0 + 3} m=${r0 + 4} v=b1 prev=${r0 + 3}:b1`,
      `${r0 + 5} create /r/b c=${r0 + 5} m=${r0 + 5} v=b2`,
      `${r0 + 6} update /r/c c=${r0} m=${r0 + 6} v=c1 prev=${r0}:c0`,
    ]);

    // The same history from the file, read through a fresh process' view (no cache, no ring).
    await b.close();
    const { b: again } = await backend(file);
    expect(await again.currentRevision()).toBe(r0 + 6);
    const list = await again.list('/r/');
    expect(list.kvs.map((kv) => `${kv.key}=${dec(kv.value)}@${kv.modRevision}`)).toEqual([`/r/a=a2@${r0 + 2}`, `/r/b=b2@${r0 + 5}`, `/r/c=c1@${r0 + 6}`]);
    expect(dec((await again.get('/r/b', { revision: r0 + 3 })).kv!.value)).toBe('b1');
    expect((await again.get('/r/b', { revision: r0 + 4 })).kv).toBeUndefined();
    const replayed = await collectEvents(again, '/r/', r0 + 1, (e) => e.length >= 6);
    expect(replayed.map(summary)).toEqual(events.map(summary));
  });

  it('fails only the write the database refuses; the rest of its batch commits', async () => {
    const { b, file } = await backend();
    const r0 = (await b.create('/r/seed', enc('s'))).revision;
    // Another connection installs a trigger that makes sqlite refuse one key (like a failing disk
    // would refuse a write): the batch's transaction fails and is retried write by write.
    const side = connect(file, { mustExist: true });
    try {
      side.exec(`CREATE TRIGGER refuse_bad BEFORE INSERT ON log WHEN NEW.key = '/r/bad' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
      const ps = [
        b.create('/r/ok1', enc('1')),
        b.create('/r/bad', enc('x')),
        b.update('/r/seed', enc('s2'), { expectedModRevision: r0 }),
        b.create('/r/ok2', enc('2')),
      ];
      const bad = ps[1]!.catch((e: unknown) => e);
      expect(await outcomes(ps)).toEqual([r0 + 1, 'unavailable', r0 + 2, r0 + 3]);
      expect(String(await bad)).toMatch(/injected failure/);
      side.exec('DROP TRIGGER refuse_bad');
    } finally {
      side.close();
    }
    const events = await collectEvents(b, '/r/', r0 + 1, (e) => e.length >= 3);
    expect(events.map((e) => `${e.revision} ${e.type} ${e.kv.key}`)).toEqual([`${r0 + 1} create /r/ok1`, `${r0 + 2} update /r/seed`, `${r0 + 3} create /r/ok2`]);
    expect((await b.create('/r/bad', enc('now'))).revision).toBe(r0 + 4);
    await b.close();
    const { b: again } = await backend(file);
    expect((await again.list('/r/')).kvs.map((kv) => kv.key)).toEqual(['/r/bad', '/r/ok1', '/r/ok2', '/r/seed']);
    expect(await again.currentRevision()).toBe(r0 + 4);
  });

  it('keeps compare-and-swap exact for concurrent read-modify-write loops', async () => {
    const { b } = await backend();
    const from = (await b.create('/r/counter', enc('0'))).revision + 1;
    const workers = 20;
    const each = 15;
    let conflicts = 0;
    const inc = async (): Promise<void> => {
      for (let done = 0; done < each; ) {
        const cur = (await b.get('/r/counter')).kv!;
        try {
          await b.update('/r/counter', enc(String(Number(dec(cur.value)) + 1)), { expectedModRevision: cur.modRevision });
          done++;
        } catch (e) {
          if (!(e instanceof ConflictError)) throw e;
          conflicts++;
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, inc));
    expect(dec((await b.get('/r/counter')).kv!.value)).toBe(String(workers * each));
    // The workers did race (their writes shared batches), and every increment has its own revision.
    expect(conflicts).toBeGreaterThan(0);
    const events = await collectEvents(b, '/r/', from, (e) => e.length >= workers * each);
    expect(events.map((e) => e.revision)).toEqual(Array.from({ length: workers * each }, (_, i) => from + i));
    expect(events.map((e) => dec(e.kv.value))).toEqual(Array.from({ length: workers * each }, (_, i) => String(i + 1)));
  });

  it('commits writes already submitted when closed', async () => {
    const { b, file } = await backend();
    const pending = b.create('/r/late', enc('v'));
    await b.close();
    const r = await pending;
    await expectStorageError(b.create('/r/after', enc('v')), 'unavailable');
    const { b: again } = await backend(file);
    expect((await again.get('/r/late')).kv?.modRevision).toBe(r.revision);
  });

  it('reads and writes stay right after compaction drops a remembered tombstone', async () => {
    const { b, file } = await backend();
    const c1 = await b.create('/r/k', enc('one'));
    const d = await b.delete('/r/k');
    await b.create('/r/other', enc('o'));
    await b.compact(d.revision + 1);
    // The key's delete is compacted: its tombstone left `current` and the cache.
    await expectStorageError(b.update('/r/k', enc('x'), { expectedModRevision: c1.revision }), 'not-found');
    const c2 = await b.create('/r/k', enc('two'));
    const u = await b.update('/r/k', enc('three'), { expectedModRevision: c2.revision });
    expect((await b.get('/r/k', { revision: c2.revision })).kv).toMatchObject({ createRevision: c2.revision, modRevision: c2.revision });
    expect((await b.get('/r/k', { revision: d.revision + 1 })).kv).toBeUndefined();
    expect(dec((await b.get('/r/k')).kv!.value)).toBe('three');
    await b.close();
    const { b: again } = await backend(file);
    expect((await again.get('/r/k')).kv).toMatchObject({ createRevision: c2.revision, modRevision: u.revision });
    expect((await again.get('/r/k', { revision: d.revision + 1 })).kv).toBeUndefined();
  });
});

describe('RecentHeads', () => {
  const head = (rev: number, live: number, bytes: number) => ({ rev, live, createRev: 1, lease: 0, expiresAt: 0, ...(live ? { value: new Uint8Array(bytes) } : {}) });

  it('keeps the newest heads within its entry and byte bounds', () => {
    const h = new RecentHeads(8, 1000);
    for (let i = 1; i <= 100; i++) {
      h.set(`k${i}`, head(i, 1, 10));
      h.set('hot', head(1000 + i, 1, 10)); // rewritten all along: always found, newest version
      expect(h.size).toBeLessThanOrEqual(8);
      expect(h.get('hot')?.rev).toBe(1000 + i);
      // At least the last half of the bound is always kept.
      for (let j = Math.max(1, i - 1); j <= i; j++) expect(h.get(`k${j}`)?.rev).toBe(j);
    }
    expect(h.get('k1')).toBeUndefined();
    for (let i = 1; i <= 20; i++) {
      h.set(`big${i}`, head(2000 + i, 1, 300));
      expect(h.bytes).toBeLessThanOrEqual(1000);
      expect(h.get(`big${i}`)?.rev).toBe(2000 + i);
    }
  });

  it('forgets tombstones up to a compacted revision', () => {
    const h = new RecentHeads(8, 1000);
    h.set('gone', head(2, 1, 5));
    h.set('shadowed', head(3, 1, 5));
    h.set('old-tomb', head(1, 0, 0));
    h.set('filler', head(7, 1, 5)); // the first generation is full: these four become old
    h.set('gone', head(4, 0, 0)); // its live head stays in the old generation, shadowed
    h.set('later', head(9, 0, 0));
    h.set('live', head(6, 1, 5));
    h.dropTombstonesThrough(5);
    // The shadowed live head must not resurface once the tombstone above it is dropped.
    expect(['gone', 'shadowed', 'old-tomb', 'later', 'live'].map((k) => h.get(k)?.rev)).toEqual([undefined, 3, undefined, 9, 6]);
  });
});
