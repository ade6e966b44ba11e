import { describe, expect, it } from 'vitest';
import type { WatchEvent } from './backend';
import { WatchHub, type HistoryPage } from './watch-hub';

function ev(revision: number, key: string): WatchEvent {
  return { type: 'create', revision, kv: { key, value: new Uint8Array([1]), createRevision: revision, modRevision: revision, lease: 0 } };
}

describe('WatchHub wake-ups', () => {
  it('wakes only watchers whose prefix holds the commit, and a quiet watcher never reads history for commits elsewhere', async () => {
    const historyReads: string[] = [];
    const hub = new WatchHub(
      {
        readHistory: (prefix, from): HistoryPage => {
          historyReads.push(prefix);
          return { events: [], scannedThrough: from };
        },
        compactedRevision: () => 0,
      },
      { startRevision: 0, capacity: 4 },
    );
    const abort = new AbortController();
    const quiet = hub.watch('/a/', 0, abort.signal)[Symbol.asyncIterator]();
    const busy = hub.watch('/b/', 0, abort.signal)[Symbol.asyncIterator]();
    const quietNext = quiet.next();
    const busyNext = busy.next();
    let quietSettled = false;
    void quietNext.then(() => (quietSettled = true));
    // Ten commits under /b/ in one go push the ring (capacity 4) far past the quiet watcher's cursor.
    for (let r = 1; r <= 10; r++) hub.publish(ev(r, `/b/${r}`));
    expect((await busyNext).value?.map((e: WatchEvent) => e.revision)).toEqual([7, 8, 9, 10]);
    await new Promise((r) => setImmediate(r));
    expect(quietSettled).toBe(false);
    hub.publish(ev(11, '/a/x'));
    expect((await quietNext).value?.map((e: WatchEvent) => e.revision)).toEqual([11]);
    // (The busy watcher fell behind the ring and read history; the quiet one skipped to 11.)
    expect(historyReads).not.toContain('/a/');
    abort.abort();
    expect((await quiet.next()).done).toBe(true);
    expect((await busy.next()).done).toBe(true);
  });

  it('ends waiting watchers on close', async () => {
    const hub = new WatchHub({ readHistory: () => ({ events: [], scannedThrough: 0 }), compactedRevision: () => 0 }, { startRevision: 0 });
    const it1 = hub.watch('/x/', 0, new AbortController().signal)[Symbol.asyncIterator]();
    const next = it1.next();
    await new Promise((r) => setImmediate(r));
    hub.close();
    expect((await next).done).toBe(true);
  });
});
