// Contract: create/get/update/delete, revisions, concurrency, bad input, lifecycle.
import { describe, expect, it } from 'vitest';
import { type ContractContext, DEFAULT_LIMIT, MIB, dec, enc, expectStorageError } from './contract-helpers.test-suite';
import { ConflictError, StorageError } from './errors';

export function registerKvContract(ctx: ContractContext): void {
  describe('create and get', () => {
    it('create stores the kv at a new revision and get returns it', async () => {
      const { b, p } = ctx.current();
      const before = await b.currentRevision();
      const r = await b.create(`${p}a`, enc('one'));
      expect(r.revision).toBeGreaterThan(before);
      expect(r.kv).toMatchObject({ key: `${p}a`, createRevision: r.revision, modRevision: r.revision, lease: 0 });
      expect(dec(r.kv.value)).toBe('one');
      expect(await b.currentRevision()).toBeGreaterThanOrEqual(r.revision);
      const g = await b.get(`${p}a`);
      expect(g.revision).toBeGreaterThanOrEqual(r.revision);
      expect(g.kv).toMatchObject({ key: `${p}a`, createRevision: r.revision, modRevision: r.revision, lease: 0 });
      expect(dec(g.kv!.value)).toBe('one');
    });

    it('get of a missing key returns no kv and the current revision', async () => {
      const { b, p } = ctx.current();
      const r = await b.create(`${p}x`, enc('x'));
      const g = await b.get(`${p}missing`);
      expect(g.kv).toBeUndefined();
      expect(g.revision).toBeGreaterThanOrEqual(r.revision);
    });

    it('create of an existing key throws KeyExistsError and changes nothing', async () => {
      const { b, p } = ctx.current();
      const r = await b.create(`${p}a`, enc('one'));
      await expectStorageError(b.create(`${p}a`, enc('two')), 'exists');
      const g = await b.get(`${p}a`);
      expect(g.kv?.modRevision).toBe(r.revision);
      expect(dec(g.kv!.value)).toBe('one');
    });

    it('create after delete starts a new createRevision', async () => {
      const { b, p } = ctx.current();
      const c1 = await b.create(`${p}a`, enc('one'));
      const d = await b.delete(`${p}a`);
      const c2 = await b.create(`${p}a`, enc('two'));
      expect(c2.revision).toBeGreaterThan(d.revision);
      expect(c2.kv.createRevision).toBe(c2.revision);
      expect(c2.kv.createRevision).not.toBe(c1.revision);
    });

    it('values round-trip byte for byte: binary, empty, 1 MiB', async () => {
      const { b, p } = ctx.current();
      const bin = Uint8Array.from({ length: 256 }, (_, i) => i);
      const big = Uint8Array.from({ length: MIB }, (_, i) => (i * 31) & 0xff);
      await b.create(`${p}bin`, bin);
      await b.create(`${p}empty`, new Uint8Array(0));
      await b.create(`${p}big`, big);
      expect(Buffer.from((await b.get(`${p}bin`)).kv!.value).equals(Buffer.from(bin))).toBe(true);
      expect((await b.get(`${p}empty`)).kv!.value.byteLength).toBe(0);
      expect(Buffer.from((await b.get(`${p}big`)).kv!.value).equals(Buffer.from(big))).toBe(true);
    });
  });

  describe('update', () => {
    it('succeeds with the current modRevision and keeps createRevision', async () => {
      const { b, p } = ctx.current();
      const c = await b.create(`${p}a`, enc('one'));
      const u = await b.update(`${p}a`, enc('two'), { expectedModRevision: c.revision });
      expect(u.revision).toBeGreaterThan(c.revision);
      expect(u.kv).toMatchObject({ key: `${p}a`, createRevision: c.revision, modRevision: u.revision });
      const g = await b.get(`${p}a`);
      expect(dec(g.kv!.value)).toBe('two');
      expect(g.kv!.modRevision).toBe(u.revision);
    });

    it('throws ConflictError carrying the current kv on a stale modRevision', async () => {
      const { b, p } = ctx.current();
      const c = await b.create(`${p}a`, enc('one'));
      const u = await b.update(`${p}a`, enc('two'), { expectedModRevision: c.revision });
      const err = await expectStorageError(b.update(`${p}a`, enc('three'), { expectedModRevision: c.revision }), 'conflict');
      expect(err).toBeInstanceOf(ConflictError);
      const cur = (err as ConflictError).current;
      expect(cur).toMatchObject({ key: `${p}a`, modRevision: u.revision, createRevision: c.revision });
      expect(dec(cur!.value)).toBe('two');
      expect(dec((await b.get(`${p}a`)).kv!.value)).toBe('two');
    });

    it('throws NotFoundError for a missing or deleted key', async () => {
      const { b, p } = ctx.current();
      await expectStorageError(b.update(`${p}missing`, enc('v'), { expectedModRevision: 1 }), 'not-found');
      const c = await b.create(`${p}a`, enc('one'));
      await b.delete(`${p}a`);
      await expectStorageError(b.update(`${p}a`, enc('two'), { expectedModRevision: c.revision }), 'not-found');
    });
  });

  describe('delete', () => {
    it('returns the deleted value at the delete revision; the key is gone', async () => {
      const { b, p } = ctx.current();
      const c = await b.create(`${p}a`, enc('one'));
      const d = await b.delete(`${p}a`);
      expect(d.revision).toBeGreaterThan(c.revision);
      expect(d.kv).toMatchObject({ key: `${p}a`, createRevision: c.revision, modRevision: d.revision });
      expect(dec(d.kv.value)).toBe('one');
      expect((await b.get(`${p}a`)).kv).toBeUndefined();
      await expectStorageError(b.delete(`${p}a`), 'not-found');
    });

    it('with expectedModRevision: conflict carries the current kv; a match deletes', async () => {
      const { b, p } = ctx.current();
      const c = await b.create(`${p}a`, enc('one'));
      const u = await b.update(`${p}a`, enc('two'), { expectedModRevision: c.revision });
      const err = await expectStorageError(b.delete(`${p}a`, { expectedModRevision: c.revision }), 'conflict');
      expect((err as ConflictError).current?.modRevision).toBe(u.revision);
      expect(dec((err as ConflictError).current!.value)).toBe('two');
      expect((await b.get(`${p}a`)).kv?.modRevision).toBe(u.revision);
      const d = await b.delete(`${p}a`, { expectedModRevision: u.revision });
      expect(dec(d.kv.value)).toBe('two');
      expect((await b.get(`${p}a`)).kv).toBeUndefined();
    });
  });

  describe('revisions', () => {
    it('every write gets a strictly greater revision and reads report at least it', async () => {
      const { b, p } = ctx.current();
      const revs: number[] = [await b.currentRevision()];
      const c = await b.create(`${p}a`, enc('1'));
      revs.push(c.revision);
      const u = await b.update(`${p}a`, enc('2'), { expectedModRevision: c.revision });
      revs.push(u.revision);
      revs.push((await b.create(`${p}b`, enc('1'))).revision);
      revs.push((await b.delete(`${p}a`)).revision);
      revs.push((await b.create(`${p}a`, enc('3'))).revision);
      for (let i = 1; i < revs.length; i++) expect(revs[i]).toBeGreaterThan(revs[i - 1]!);
      const last = revs[revs.length - 1]!;
      expect(await b.currentRevision()).toBeGreaterThanOrEqual(last);
      expect((await b.list(p)).revision).toBeGreaterThanOrEqual(last);
      expect((await b.count(p)).revision).toBeGreaterThanOrEqual(last);
    });

    it('reads at a revision newer than the current one throw FutureRevisionError', async () => {
      const { b, p } = ctx.current();
      await b.create(`${p}a`, enc('1'));
      const future = (await b.currentRevision()) + 1000;
      await expectStorageError(b.get(`${p}a`, { revision: future }), 'future-revision');
      await expectStorageError(b.list(p, { revision: future }), 'future-revision');
    });
  });

  describe('concurrency', () => {
    it('exactly one of N concurrent updates with the same expectedModRevision wins', async () => {
      const { b, p } = ctx.current();
      const c = await b.create(`${p}hot`, enc('0'));
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => b.update(`${p}hot`, enc(`w${i}`), { expectedModRevision: c.revision })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as StorageError).code).toBe('conflict');
      }
      const creates = await Promise.allSettled(Array.from({ length: 8 }, () => b.create(`${p}once`, enc('x'))));
      expect(creates.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('read-modify-write loops lose no update', async () => {
      const { b, p } = ctx.current();
      const workers = 6;
      const perWorker = 15;
      await b.create(`${p}counter`, enc('0'));
      const wins: number[] = [];
      await Promise.all(
        Array.from({ length: workers }, async () => {
          for (let done = 0; done < perWorker; ) {
            const cur = (await b.get(`${p}counter`)).kv!;
            try {
              const r = await b.update(`${p}counter`, enc(String(Number(dec(cur.value)) + 1)), { expectedModRevision: cur.modRevision });
              wins.push(r.revision);
              done++;
            } catch (e) {
              if (!(e instanceof ConflictError)) throw e;
              expect(e.current?.modRevision).toBeGreaterThan(cur.modRevision);
            }
          }
        }),
      );
      expect(dec((await b.get(`${p}counter`)).kv!.value)).toBe(String(workers * perWorker));
      expect(new Set(wins).size).toBe(workers * perWorker);
    });
  });

  describe('bad input', () => {
    const bad: Array<[string, string]> = [
      ['empty', ''],
      ['U+FFFD', '/registry/pods/\uFFFDx'],
      ['lone high surrogate', '/registry/pods/\uD800x'],
      ['lone low surrogate', '/registry/pods/\uDC00'],
      ['NUL', '/registry/pods/a\u0000b'],
    ];
    for (const [what, key] of bad) {
      it(`rejects a key with ${what} (InvalidKeyError)`, async () => {
        const { b } = ctx.current();
        await expectStorageError(b.create(key, enc('x')), 'invalid-key');
        await expectStorageError(b.get(key), 'invalid-key');
        await expectStorageError(b.update(key, enc('x'), { expectedModRevision: 1 }), 'invalid-key');
        await expectStorageError(b.delete(key), 'invalid-key');
      });
    }

    it('rejects a value above 1.5 MiB with TooLargeError', async () => {
      const { b, p } = ctx.current();
      const tooBig = new Uint8Array(DEFAULT_LIMIT + 1);
      await expectStorageError(b.create(`${p}big`, tooBig), 'too-large');
      expect((await b.get(`${p}big`)).kv).toBeUndefined();
      const c = await b.create(`${p}big`, new Uint8Array(DEFAULT_LIMIT));
      await expectStorageError(b.update(`${p}big`, tooBig, { expectedModRevision: c.revision }), 'too-large');
      expect((await b.get(`${p}big`)).kv?.modRevision).toBe(c.revision);
    });
  });

  describe('lifecycle', () => {
    it('close is idempotent and later calls reject with code unavailable', async () => {
      const { b, p } = ctx.current();
      await b.create(`${p}a`, enc('1'));
      await b.close();
      await b.close();
      await expectStorageError(b.get(`${p}a`), 'unavailable');
      await expectStorageError(b.create(`${p}b`, enc('1')), 'unavailable');
    });
  });
}
