// Contract: list (order, prefix, pagination, reads at older revisions) and count.
import { describe, expect, it } from 'vitest';
import { type ContractContext, dec, enc, keysOf } from './contract-helpers.test-suite';

export function registerListContract(ctx: ContractContext): void {
  describe('list and count', () => {
    // Expected order is code point order (= UTF-8 byte order), written out by hand.
    const ordered = ['a', 'a-b', 'a/b', 'aB', 'ab', 'z', 'é', '\uE000', '😀'];

    async function seed(): Promise<number> {
      const { b, p } = ctx.current();
      const stem = p.slice(0, -1);
      let last = 0;
      for (const k of [...ordered].reverse()) last = (await b.create(p + k, enc(`v-${k}`))).revision;
      for (const k of [stem, `${stem}.x`, `${stem}0`, `${stem}-/y`]) await b.create(k, enc('outside'));
      return last;
    }

    it('lists the latest state even before the first write (a fresh store is at revision 0)', async () => {
      const { b, p } = ctx.current();
      const before = await b.currentRevision();
      const r = await b.list(`${p}none/`, { limit: 1 });
      expect(r.kvs).toEqual([]);
      expect(r.revision).toBeGreaterThanOrEqual(before);
    });

    it('lists only keys under the prefix, in byte order, with values', async () => {
      const { b, p } = ctx.current();
      const last = await seed();
      const all = await b.list(p);
      expect(keysOf(all.kvs)).toEqual(ordered.map((k) => p + k));
      expect(all.kvs.map((kv) => dec(kv.value))).toEqual(ordered.map((k) => `v-${k}`));
      expect(all.more).toBe(false);
      expect(all.revision).toBeGreaterThanOrEqual(last);
      expect(keysOf((await b.list(`${p}a/`)).kvs)).toEqual([`${p}a/b`]);
      expect((await b.list(`${p}nothing/`)).kvs).toEqual([]);
    });

    it('limit, more and continueFrom page through every key exactly once', async () => {
      const { b, p } = ctx.current();
      await seed();
      const first = await b.list(p, { limit: 4 });
      expect(keysOf(first.kvs)).toEqual(ordered.slice(0, 4).map((k) => p + k));
      expect(first.more).toBe(true);
      const seen: string[] = [];
      let cont: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await b.list(p, { limit: 2, revision: first.revision, ...(cont ? { continueFrom: cont } : {}) });
        expect(page.revision).toBe(first.revision);
        seen.push(...keysOf(page.kvs));
        if (!page.more) break;
        cont = page.kvs[page.kvs.length - 1]!.key;
      }
      expect(seen).toEqual(ordered.map((k) => p + k));
      const exact = await b.list(p, { limit: ordered.length });
      expect(exact.kvs).toHaveLength(ordered.length);
      expect(exact.more).toBe(false);
      const tail = await b.list(p, { continueFrom: `${p}z` });
      expect(keysOf(tail.kvs)).toEqual(['é', '\uE000', '😀'].map((k) => p + k));
      expect((await b.list(p, { limit: 0 })).kvs).toHaveLength(ordered.length);
    });

    it('count counts live keys under a prefix', async () => {
      const { b, p } = ctx.current();
      await seed();
      expect((await b.count(p)).count).toBe(ordered.length);
      expect((await b.count(`${p}a`)).count).toBe(5);
      expect((await b.count(`${p}a/`)).count).toBe(1);
      await b.delete(`${p}z`);
      expect((await b.count(p)).count).toBe(ordered.length - 1);
      expect((await b.count(`${p}none/`)).count).toBe(0);
    });

    it('get and list at an earlier revision see that revision', async () => {
      const { b, p } = ctx.current();
      const k1 = await b.create(`${p}k1`, enc('k1-old'));
      await b.create(`${p}k2`, enc('k2'));
      const r3 = (await b.create(`${p}k3`, enc('k3'))).revision;
      await b.update(`${p}k1`, enc('k1-new'), { expectedModRevision: k1.revision });
      const r5 = (await b.delete(`${p}k2`)).revision;
      await b.create(`${p}k4`, enc('k4'));

      const atR3 = await b.list(p, { revision: r3 });
      expect(atR3.revision).toBe(r3);
      expect(keysOf(atR3.kvs)).toEqual([`${p}k1`, `${p}k2`, `${p}k3`]);
      expect(dec(atR3.kvs[0]!.value)).toBe('k1-old');
      expect(atR3.kvs[0]!.modRevision).toBe(k1.revision);
      const page1 = await b.list(p, { revision: r3, limit: 2 });
      expect(keysOf(page1.kvs)).toEqual([`${p}k1`, `${p}k2`]);
      expect(page1.more).toBe(true);
      const page2 = await b.list(p, { revision: r3, limit: 2, continueFrom: `${p}k2` });
      expect(keysOf(page2.kvs)).toEqual([`${p}k3`]);
      expect(page2.more).toBe(false);

      const atR5 = await b.list(p, { revision: r5 });
      expect(keysOf(atR5.kvs)).toEqual([`${p}k1`, `${p}k3`]);
      expect(dec(atR5.kvs[0]!.value)).toBe('k1-new');

      const g = await b.get(`${p}k1`, { revision: r3 });
      expect(g.revision).toBe(r3);
      expect(dec(g.kv!.value)).toBe('k1-old');
      expect((await b.get(`${p}k2`, { revision: r3 })).kv).toBeDefined();
      expect((await b.get(`${p}k2`, { revision: r5 })).kv).toBeUndefined();
      expect((await b.get(`${p}k4`, { revision: r3 })).kv).toBeUndefined();
    });

    it("reads at older revisions see a key's earlier life across delete and re-create", async () => {
      const { b, p } = ctx.current();
      const r1 = (await b.create(`${p}k`, enc('life1'))).revision;
      await b.create(`${p}other`, enc('o'));
      const r2 = (await b.delete(`${p}k`)).revision;
      const r3 = (await b.create(`${p}k`, enc('life2'))).revision;
      const r4 = (await b.update(`${p}k`, enc('life2b'), { expectedModRevision: r3 })).revision;
      expect(dec((await b.get(`${p}k`, { revision: r1 })).kv!.value)).toBe('life1');
      expect((await b.get(`${p}k`, { revision: r2 })).kv).toBeUndefined();
      expect((await b.get(`${p}k`, { revision: r3 })).kv).toMatchObject({ createRevision: r3, modRevision: r3 });
      expect(dec((await b.get(`${p}k`, { revision: r4 })).kv!.value)).toBe('life2b');
      expect((await b.list(p, { revision: r1 })).kvs.map((kv) => dec(kv.value))).toEqual(['life1']);
      expect((await b.list(p, { revision: r2 })).kvs.map((kv) => kv.key)).toEqual([`${p}other`]);
      expect((await b.list(p, { revision: r3 })).kvs.map((kv) => dec(kv.value))).toEqual(['life2', 'o']);
    });

    it('paging at a fixed revision stays consistent while writes happen', async () => {
      const { b, p } = ctx.current();
      const mods = new Map<string, number>();
      for (let i = 0; i < 30; i++) {
        const k = `${p}item-${String(i).padStart(2, '0')}`;
        mods.set(k, (await b.create(k, enc(`orig-${i}`))).revision);
      }
      const page1 = await b.list(p, { limit: 10 });
      for (let i = 0; i < 30; i += 3) await b.delete(`${p}item-${String(i).padStart(2, '0')}`);
      for (let i = 1; i < 30; i += 3) {
        const k = `${p}item-${String(i).padStart(2, '0')}`;
        await b.update(k, enc('changed'), { expectedModRevision: mods.get(k)! });
      }
      await b.create(`${p}item-05a`, enc('new'));
      await b.create(`${p}item-99`, enc('new'));
      const all = [...page1.kvs];
      let last = page1;
      while (last.more) {
        last = await b.list(p, { limit: 10, revision: page1.revision, continueFrom: all[all.length - 1]!.key });
        all.push(...last.kvs);
      }
      expect(keysOf(all)).toEqual([...mods.keys()]);
      expect(all.map((kv) => dec(kv.value))).toEqual([...mods.keys()].map((_, i) => `orig-${i}`));
      expect(all.map((kv) => kv.modRevision)).toEqual([...mods.values()]);
    });
  });
}
