import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectEvents, expectStorageError } from './contract.test-suite';
import { SqliteBackend } from './drivers/sqlite';
import { connect } from './drivers/sqlite-schema';
import { deleteSnapshots, listSnapshots, pruneSnapshots, restoreSnapshot, saveSnapshot } from './snapshot';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('sqlite snapshots', () => {
  const dirs: string[] = [];
  const backends: SqliteBackend[] = [];
  afterEach(async () => {
    for (const b of backends.splice(0)) await b.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  function layout(): { db: string; snaps: string; dir: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-snap-'));
    dirs.push(dir);
    return { dir, db: path.join(dir, 'db', 'state.db'), snaps: path.join(dir, 'db', 'snapshots') };
  }

  async function started(file: string): Promise<SqliteBackend> {
    const b = new SqliteBackend({ path: file, compactIntervalMs: 0 });
    backends.push(b);
    await b.start();
    return b;
  }

  it('saves a consistent copy while the server keeps writing', async () => {
    const { db, snaps, dir } = layout();
    const b = await started(db);
    for (let i = 0; i < 300; i++) await b.create(`/r/k${i}`, enc(`v${i}`));
    let stop = false;
    let written = 300;
    const writer = (async () => {
      while (!stop) {
        await b.create(`/r/k${written}`, enc(`v${written}`));
        written++;
        if (written % 20 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    const snap = await saveSnapshot({ dbPath: db, dir: snaps, nodeName: 'node-1', now: () => 1_700_000_000_000 });
    stop = true;
    await writer;
    expect(snap.name).toBe('on-demand-node-1-1700000000');
    expect(snap.createdAt.getTime()).toBe(1_700_000_000_000);
    expect(fs.readdirSync(snaps)).toEqual([snap.name]);

    // Open a copy: it is a complete datastore whose state is exactly the first N writes.
    const copy = path.join(dir, 'copy.db');
    fs.copyFileSync(snap.path, copy);
    const raw = connect(copy, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('delete');
    raw.close();
    const c = await started(copy);
    const rev = await c.currentRevision();
    expect(rev).toBeGreaterThanOrEqual(300);
    expect(rev).toBeLessThanOrEqual(written);
    const all = await c.list('/r/');
    expect(all.kvs).toHaveLength(rev);
    for (const kv of all.kvs) expect(dec(kv.value)).toBe(`v${kv.modRevision - 1}`);
  });

  it('lists, deletes and prunes snapshots by name and age', async () => {
    const { db, snaps } = layout();
    const b = await started(db);
    await b.create('/r/a', enc('1'));
    let t = 1_700_000_000_000;
    const names: string[] = [];
    for (let i = 0; i < 4; i++) names.push((await saveSnapshot({ dbPath: db, dir: snaps, nodeName: 'n1', now: () => (t += 1000) })).name);
    names.push((await saveSnapshot({ dbPath: db, dir: snaps, nodeName: 'n1', prefix: 'etcd-snapshot', now: () => (t += 1000) })).name);
    expect(listSnapshots(snaps).map((s) => s.name)).toEqual(names);
    expect(listSnapshots(path.join(snaps, 'none'))).toEqual([]);

    expect(pruneSnapshots(snaps, { retention: 2 })).toEqual(names.slice(0, 2));
    expect(listSnapshots(snaps).map((s) => s.name)).toEqual(names.slice(2));
    expect(deleteSnapshots(snaps, [names[2]!, 'on-demand-n1-1'])).toEqual({ deleted: [names[2]], missing: ['on-demand-n1-1'] });
    expect(() => deleteSnapshots(snaps, ['../state.db'])).toThrow(/file name/);
    expect(listSnapshots(snaps).map((s) => s.name)).toEqual(names.slice(3));
    await expect(saveSnapshot({ dbPath: db, dir: snaps, nodeName: 'bad/name' })).rejects.toThrow(/node name/);
  });

  it('restores a snapshot while the server is stopped, marking newer revisions compacted', async () => {
    const { db, snaps } = layout();
    let b = await started(db);
    const a = await b.create('/r/a', enc('a1'));
    await b.create('/r/b', enc('b1'));
    const snap = await saveSnapshot({ dbPath: db, dir: snaps, nodeName: 'n1' });
    await b.update('/r/a', enc('a2'), { expectedModRevision: a.revision });
    await b.delete('/r/b');
    await b.create('/r/c', enc('c1'));
    const lastBefore = await b.currentRevision();

    expect(() => restoreSnapshot({ snapshotPath: snap.path, dbPath: db })).toThrow(/in use by another k3ts server/);
    await b.close();

    const res = restoreSnapshot({ snapshotPath: snap.path, dbPath: db, now: () => 1_700_000_000_000 });
    expect(res.previous).toBe(`${db}.pre-restore-1700000000`);
    expect(fs.existsSync(res.previous!)).toBe(true);
    expect(res.compactedRevision).toBe(lastBefore);

    b = await started(db);
    expect((await b.list('/r/')).kvs.map((kv) => `${kv.key}=${dec(kv.value)}`)).toEqual(['/r/a=a1', '/r/b=b1']);
    expect(await b.compactedRevision()).toBe(lastBefore);
    const current = await b.currentRevision();
    expect(current).toBe(lastBefore + 1);
    expect((await b.list('/r/', { revision: current })).kvs).toHaveLength(2);
    await expectStorageError(b.get('/r/a', { revision: lastBefore }), 'compacted');
    await expect(collectEvents(b, '/r/', a.revision, () => true)).rejects.toMatchObject({ code: 'compacted' });
    const w = await b.update('/r/a', enc('a3'), { expectedModRevision: a.revision });
    expect(w.revision).toBeGreaterThan(lastBefore + 1);
    const events = await collectEvents(b, '/r/', current, (e) => e.length >= 1);
    expect(events.map((e) => `${e.type} ${dec(e.kv.value)} prev=${dec(e.prevKv!.value)}`)).toEqual(['update a3 prev=a1']);
  });

  it('refuses to restore a file that is not a datastore', () => {
    const { db, dir } = layout();
    const junk = path.join(dir, 'junk');
    fs.writeFileSync(junk, 'not a database');
    expect(() => restoreSnapshot({ snapshotPath: junk, dbPath: db })).toThrow();
    expect(fs.existsSync(db)).toBe(false);
  });
});
