// Contract: compaction, watch and leases.
import { describe, expect, it } from 'vitest';
import type { WatchEvent } from './backend';
import {
  type ContractContext,
  LEASE_DEADLINE_MS,
  WATCH_DEADLINE_MS,
  collectEvents,
  dec,
  enc,
  expectStorageError,
  keysOf,
  pollUntil,
  summary,
} from './contract-helpers.test-suite';
import { CompactedError } from './errors';

export function registerHistoryContract(ctx: ContractContext): void {
  describe('compaction', () => {
    it('keeps what is needed to read and watch from the compaction revision on', async () => {
      const { b, p } = ctx.current();
      const r1 = (await b.create(`${p}k1`, enc('v1'))).revision;
      const r2 = (await b.update(`${p}k1`, enc('v2'), { expectedModRevision: r1 })).revision;
      await b.create(`${p}k2`, enc('gone'));
      await b.delete(`${p}k2`);
      const r5 = (await b.create(`${p}k3`, enc('k3-1'))).revision;
      const r6 = (await b.update(`${p}k1`, enc('v3'), { expectedModRevision: r2 })).revision;
      const r7 = (await b.update(`${p}k3`, enc('k3-2'), { expectedModRevision: r5 })).revision;

      await b.compact(r5);
      expect(await b.compactedRevision()).toBe(r5 - 1);

      await expectStorageError(b.get(`${p}k1`, { revision: r5 - 1 }), 'compacted');
      const ce = await expectStorageError(b.list(p, { revision: r5 - 1 }), 'compacted');
      expect(ce).toBeInstanceOf(CompactedError);
      const atR5 = await b.list(p, { revision: r5 });
      expect(keysOf(atR5.kvs)).toEqual([`${p}k1`, `${p}k3`]);
      expect(atR5.kvs.map((kv) => dec(kv.value))).toEqual(['v2', 'k3-1']);
      expect(atR5.kvs[0]!.modRevision).toBe(r2);
      const latest = await b.list(p);
      expect(latest.kvs.map((kv) => dec(kv.value))).toEqual(['v3', 'k3-2']);

      const events = await collectEvents(b, p, r5, (e) => e.length >= 3);
      expect(events.map(summary)).toEqual([
        `${r5} create ${p}k3 c=${r5} m=${r5} v=k3-1`,
        `${r6} update ${p}k1 c=${r1} m=${r6} v=v3 prev=${r2}:v2`,
        `${r7} update ${p}k3 c=${r5} m=${r7} v=k3-2 prev=${r5}:k3-1`,
      ]);
      await expect(collectEvents(b, p, r5 - 1, () => true)).rejects.toBeInstanceOf(CompactedError);

      await b.compact(r2);
      expect(await b.compactedRevision()).toBe(r5 - 1);
    });

    it('compacting to the current revision keeps every live key and drops deleted ones', async () => {
      const { b, p } = ctx.current();
      const mods = new Map<string, number>();
      for (let i = 0; i < 40; i++) mods.set(`${p}k${i}`, (await b.create(`${p}k${i}`, enc(`v${i}-0`))).revision);
      for (let round = 1; round <= 3; round++) {
        for (let i = 0; i < 40; i += 2) {
          const k = `${p}k${i}`;
          mods.set(k, (await b.update(k, enc(`v${i}-${round}`), { expectedModRevision: mods.get(k)! })).revision);
        }
      }
      for (let i = 0; i < 40; i += 5) await b.delete(`${p}k${i}`);
      const before = await b.list(p);
      const cur = await b.currentRevision();
      await b.compact(cur + 100);
      expect(await b.compactedRevision()).toBe(cur - 1);
      const after = await b.list(p);
      expect(after.kvs.map((kv) => `${kv.key}@${kv.modRevision}:${dec(kv.value)}`)).toEqual(
        before.kvs.map((kv) => `${kv.key}@${kv.modRevision}:${dec(kv.value)}`),
      );
      expect((await b.count(p)).count).toBe(32);
      expect((await b.get(`${p}k1`, { revision: cur })).kv).toBeDefined();
      const w = await b.create(`${p}after`, enc('x'));
      expect(w.revision).toBeGreaterThan(cur);
    });
  });

  describe('watch', () => {
    it('delivers create, update and delete in revision order with prevKv', async () => {
      const { b, p } = ctx.current();
      const from = (await b.currentRevision()) + 1;
      const c = await b.create(`${p}a`, enc('1'));
      await b.create(`${p.slice(0, -1)}-other/x`, enc('outside'));
      const u = await b.update(`${p}a`, enc('2'), { expectedModRevision: c.revision });
      const d = await b.delete(`${p}a`);
      const events = await collectEvents(b, p, from, (e) => e.length >= 3);
      expect(events.map(summary)).toEqual([
        `${c.revision} create ${p}a c=${c.revision} m=${c.revision} v=1`,
        `${u.revision} update ${p}a c=${c.revision} m=${u.revision} v=2 prev=${c.revision}:1`,
        `${d.revision} delete ${p}a c=${c.revision} m=${d.revision} v=2 prev=${u.revision}:2`,
      ]);
      expect(events[0]!.prevKv).toBeUndefined();
    });

    it('resuming from every retained revision gives the same sequence', async () => {
      const { b, p } = ctx.current();
      const from = (await b.currentRevision()) + 1;
      const mods = new Map<string, number>();
      for (let i = 0; i < 30; i++) {
        const k = `${p}k${i % 7}`;
        const m = mods.get(k);
        if (m === undefined) mods.set(k, (await b.create(k, enc(`v${i}`))).revision);
        else if (i % 5 === 0) {
          await b.delete(k);
          mods.delete(k);
        } else mods.set(k, (await b.update(k, enc(`v${i}`), { expectedModRevision: m })).revision);
      }
      const last = await b.currentRevision();
      const full = (await collectEvents(b, p, from, (e) => e.at(-1)!.revision >= last)).map(summary);
      expect(full).toHaveLength(30);
      const revisions = full.map((s) => Number(s.split(' ')[0]));
      for (let r = from; r <= last; r++) {
        const expected = full.filter((_, i) => revisions[i]! >= r);
        if (expected.length === 0) continue;
        const got = await collectEvents(b, p, r, (e) => e.at(-1)!.revision >= last);
        expect(got.map(summary), `resume from ${r}`).toEqual(expected);
      }
    });

    it('fromRevision 0 delivers only events after the watch starts', async () => {
      const { b, p } = ctx.current();
      const old = await b.create(`${p}old`, enc('old'));
      const ac = new AbortController();
      const it0 = b.watch(p, {}, ac.signal)[Symbol.asyncIterator]();
      const first = it0.next();
      let k = 0;
      // A driver may take "now" when iteration starts, so keep writing until something arrives.
      let got: IteratorResult<readonly WatchEvent[]> | undefined;
      const deadline = Date.now() + WATCH_DEADLINE_MS;
      while (got === undefined && Date.now() < deadline) {
        await b.create(`${p}new${k++}`, enc('new'));
        got = await Promise.race([first, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
      }
      ac.abort();
      expect(got?.done).toBe(false);
      const evs = got!.value as readonly WatchEvent[];
      expect(evs.length).toBeGreaterThan(0);
      for (const e of evs) {
        expect(e.revision).toBeGreaterThan(old.revision);
        expect(e.kv.key.startsWith(`${p}new`)).toBe(true);
      }
      await it0.return?.();
    });

    it('delivers events written while watching without gaps or duplicates', async () => {
      const { b, p } = ctx.current();
      const from = (await b.currentRevision()) + 1;
      const n = 200;
      const watched = collectEvents(b, p, from, (e) => e.length >= n);
      const writes = await Promise.all(Array.from({ length: n }, (_, i) => b.create(`${p}w${i}`, enc(`v${i}`))));
      const events = await watched;
      const expected = writes.map((w) => w.revision).sort((x, y) => x - y);
      expect(events.map((e) => e.revision)).toEqual(expected);
      expect(new Set(events.map((e) => e.kv.key)).size).toBe(n);
    });

    it('many watchers each see the whole sequence', async () => {
      const { b, p } = ctx.current();
      const from = (await b.currentRevision()) + 1;
      const watchers = Array.from({ length: 10 }, () => collectEvents(b, p, from, (e) => e.length >= 50));
      let mod = (await b.create(`${p}hot`, enc('0'))).revision;
      for (let i = 1; i < 50; i++) mod = (await b.update(`${p}hot`, enc(String(i)), { expectedModRevision: mod })).revision;
      const results = await Promise.all(watchers);
      const first = results[0]!.map(summary);
      expect(first).toHaveLength(50);
      for (const r of results) expect(r.map(summary)).toEqual(first);
    });

    it('a compacted fromRevision fails with CompactedError', async () => {
      const { b, p } = ctx.current();
      const a = await b.create(`${p}a`, enc('1'));
      await b.update(`${p}a`, enc('2'), { expectedModRevision: a.revision });
      const cur = await b.currentRevision();
      await b.compact(cur);
      const err = await collectEvents(b, p, a.revision, () => true).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CompactedError);
      expect((err as CompactedError).code).toBe('compacted');
    });

    it('abort ends the iterator, also while it waits', async () => {
      const { b, p } = ctx.current();
      const pre = new AbortController();
      pre.abort();
      const itPre = b.watch(p, {}, pre.signal)[Symbol.asyncIterator]();
      expect((await itPre.next()).done).toBe(true);

      const ac = new AbortController();
      const it1 = b.watch(p, {}, ac.signal)[Symbol.asyncIterator]();
      const pending = it1.next();
      setTimeout(() => ac.abort(), 20);
      const res = await Promise.race([pending, new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), WATCH_DEADLINE_MS))]);
      expect(res).not.toBe('stuck');
      expect((res as IteratorResult<unknown>).done).toBe(true);
    });

    it('close ends every watch', async () => {
      const { b, p } = ctx.current();
      const ac = new AbortController();
      const it1 = b.watch(p, {}, ac.signal)[Symbol.asyncIterator]();
      const pending = it1.next();
      setTimeout(() => void b.close(), 20);
      const res = await Promise.race([pending, new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), WATCH_DEADLINE_MS))]);
      ac.abort();
      expect(res).not.toBe('stuck');
      expect((res as IteratorResult<unknown>).done).toBe(true);
    });
  });

  describe('leases', () => {
    it('a key with a lease is deleted, with a delete event, after its TTL', async () => {
      const { b, p } = ctx.current();
      const c = await b.create(`${p}ev`, enc('event'), { lease: 1 });
      expect(c.kv.lease).toBe(1);
      expect((await b.get(`${p}ev`)).kv?.lease).toBe(1);
      await pollUntil(async () => (await b.get(`${p}ev`)).kv === undefined, LEASE_DEADLINE_MS, 'the leased key to expire');
      const events = await collectEvents(b, p, c.revision, (e) => e.length >= 2);
      expect(events.map((e) => e.type)).toEqual(['create', 'delete']);
      expect(events[1]!.prevKv?.modRevision).toBe(c.revision);
      expect(dec(events[1]!.kv.value)).toBe('event');
    });

    it('a write without a lease detaches the key from its lease', async () => {
      const { b, p } = ctx.current();
      const c = await b.create(`${p}kept`, enc('1'), { lease: 1 });
      const u = await b.update(`${p}kept`, enc('2'), { expectedModRevision: c.revision });
      expect(u.kv.lease).toBe(0);
      await b.create(`${p}marker`, enc('m'), { lease: 1 });
      await pollUntil(async () => (await b.get(`${p}marker`)).kv === undefined, LEASE_DEADLINE_MS, 'the marker key to expire');
      expect((await b.get(`${p}kept`)).kv?.modRevision).toBe(u.revision);
    });
  });
}
