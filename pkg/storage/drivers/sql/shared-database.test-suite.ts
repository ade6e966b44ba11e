// Behaviour of several k3ts servers sharing one SQL database (what the SQL drivers add on top of
// the contract): each server sees the others' writes through watch, in order and without gaps;
// optimistic concurrency holds across servers; compaction and lease expiry are safe to run on all
// of them at once. `open()` returns a factory of backends on ONE fresh table.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend, WatchEvent } from '../../backend';
import { isStorageError } from '../../errors';
import { collectEvents, pollUntil } from '../../contract.test-suite';

export interface SharedDatabase {
  /** A new, not yet started backend on the shared table (one "server"). */
  server(): Backend;
  cleanup(): Promise<void>;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const line = (e: WatchEvent): string => `${e.revision} ${e.type} ${e.kv.key} ${dec(e.kv.value)} prev=${e.prevKv?.modRevision ?? '-'}`;

export function runSharedDatabaseTests(name: string, open: () => Promise<SharedDatabase>): void {
  describe(`${name}: two servers on one database`, () => {
    let db: SharedDatabase;
    let a: Backend;
    let b: Backend;
    let p: string;

    beforeEach(async () => {
      db = await open();
      a = db.server();
      b = db.server();
      await a.start();
      await b.start();
      p = `/registry/shared-${randomUUID().slice(0, 8)}/`;
    });

    afterEach(async () => {
      await Promise.all([a.close(), b.close()]);
      await db.cleanup();
    });

    it("each server's watch sees both servers' writes, in revision order, with no gaps", async () => {
      const from = (await a.currentRevision()) + 1;
      const n = 60;
      const onA = collectEvents(a, p, from, (e) => e.length >= n);
      const onB = collectEvents(b, p, from, (e) => e.length >= n);
      const live = collectEvents(b, p, 0, (e) => e.length >= n);
      // Sequential writes alternating between the servers, then a concurrent burst from both.
      const mods = new Map<string, number>();
      for (let i = 0; i < n / 2; i++) {
        const server = i % 2 === 0 ? a : b;
        const k = `${p}k${i % 5}`;
        const m = mods.get(k);
        const r = m === undefined ? await server.create(k, enc(`v${i}`)) : await server.update(k, enc(`v${i}`), { expectedModRevision: m });
        mods.set(k, r.revision);
      }
      await Promise.all(Array.from({ length: n / 2 }, (_, i) => (i % 2 === 0 ? a : b).create(`${p}burst${i}`, enc('x'))));
      const [ea, eb, el] = await Promise.all([onA, onB, live]);
      expect(ea).toHaveLength(n);
      expect(ea.map(line)).toEqual(eb.map(line));
      expect(el.map(line)).toEqual(ea.map(line));
      // The shared table has no other writers, so the revisions are exactly from..from+n-1.
      expect(ea.map((e) => e.revision)).toEqual(Array.from({ length: n }, (_, i) => from + i));
    });

    it('exactly one server wins each contended revision, and conflicts burn no revision', async () => {
      const start = await a.currentRevision();
      let mod = (await a.create(`${p}hot`, enc('0'))).revision;
      const rounds = 20;
      for (let round = 1; round <= rounds; round++) {
        const results = await Promise.allSettled(
          [a, a, a, b, b, b].map((s, i) => s.update(`${p}hot`, enc(`${round}:${i}`), { expectedModRevision: mod })),
        );
        const won = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<Backend['update']>>> => r.status === 'fulfilled');
        expect(won, `round ${round}`).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(isStorageError(r.reason, 'conflict')).toBe(true);
        expect(won[0]!.value.revision).toBe(mod + 1);
        mod = won[0]!.value.revision;
      }
      expect(await b.currentRevision()).toBe(start + 1 + rounds);
      const events = await collectEvents(b, p, start + 1, (e) => e.length >= rounds + 1);
      for (let i = 1; i < events.length; i++) expect(events[i]!.prevKv?.modRevision).toBe(events[i - 1]!.revision);
      expect(dec((await a.get(`${p}hot`)).kv!.value)).toBe(dec(events.at(-1)!.kv.value));
    });

    it('compaction and lease expiry run safely on both servers at once', async () => {
      let m = (await a.create(`${p}k`, enc('0'))).revision;
      for (let i = 1; i < 20; i++) m = (await (i % 2 ? b : a).update(`${p}k`, enc(String(i)), { expectedModRevision: m })).revision;
      const leased = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).create(`${p}lease${i}`, enc('l'), { lease: 1 })));
      const cur = await a.currentRevision();
      await Promise.all([a.compact(cur), b.compact(cur)]);
      expect(await a.compactedRevision()).toBe(cur - 1);
      expect(await b.compactedRevision()).toBe(cur - 1);
      expect(dec((await b.get(`${p}k`)).kv!.value)).toBe('19');
      await pollUntil(async () => (await a.count(`${p}lease`)).count === 0, 20_000, 'leased keys to expire');
      const first = leased.map((l) => l.revision).sort((x, y) => x - y)[0]!;
      const from = Math.max(first, cur);
      const events = await collectEvents(a, `${p}lease`, from, (e) => e.filter((x) => x.type === 'delete').length >= 6);
      const deletes = events.filter((e) => e.type === 'delete').map((e) => e.kv.key).sort();
      expect(deletes).toEqual(leased.map((l) => l.kv.key).sort());
    });
  });
}
