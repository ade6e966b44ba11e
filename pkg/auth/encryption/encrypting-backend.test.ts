import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../storage/drivers/memory';
import { runBackendContract } from '../../storage/contract.test-suite';
import { ConflictError } from '../../storage/errors';
import type { WatchEvent } from '../../storage/backend';
import { newKey, type ProviderInfo } from './encryption-config';
import { EncryptingBackend } from './encrypting-backend';
import { createValueTransformer, type ValueTransformer } from './value-transformer';

const enc = new TextEncoder();
const dec = new TextDecoder();
const providers: ProviderInfo[] = [{ type: 'aesgcm', keys: [newKey('k1')] }, { type: 'identity', keys: [] }];

// The decorated backend still honours the whole storage contract when every key is encrypted (the
// driver underneath gets room for the encryption overhead; the decorator enforces 1.5 MiB of plaintext).
runBackendContract('encrypting(memory)', async () => ({
  backend: new EncryptingBackend(new MemoryBackend({ maxValueBytes: 1.5 * 1024 * 1024 + 1024 }), () => createValueTransformer(providers), ['/registry/']),
  cleanup: async () => {},
}));

function setup(t: ValueTransformer = createValueTransformer(providers)) {
  const inner = new MemoryBackend();
  let current = t;
  const b = new EncryptingBackend(inner, () => current, ['/registry/secrets/']);
  return { inner, b, set: (n: ValueTransformer) => (current = n) };
}

describe('EncryptingBackend', () => {
  it('stores only ciphertext under the secrets prefix and returns plaintext from every read path', async () => {
    const { inner, b } = setup();
    await b.start();
    const ac = new AbortController();
    const events: WatchEvent[] = [];
    const watching = (async () => {
      for await (const batch of b.watch('/registry/', {}, ac.signal)) {
        events.push(...batch);
        if (events.length >= 3) ac.abort();
      }
    })();
    const v1 = enc.encode('{"data":{"password":"hunter2"}}');
    const created = await b.create('/registry/secrets/ns/s', v1);
    expect(dec.decode(created.kv.value)).toBe('{"data":{"password":"hunter2"}}');
    const raw = (await inner.get('/registry/secrets/ns/s')).kv!;
    expect(dec.decode(raw.value)).not.toContain('hunter2');
    expect(dec.decode(raw.value).startsWith('k8s:enc:aesgcm:v1:k1:')).toBe(true);
    expect(dec.decode((await b.get('/registry/secrets/ns/s')).kv!.value)).toContain('hunter2');
    expect((await b.list('/registry/')).kvs.map((kv) => dec.decode(kv.value))).toEqual(['{"data":{"password":"hunter2"}}']);
    const updated = await b.update('/registry/secrets/ns/s', enc.encode('v2'), { expectedModRevision: created.revision });
    const deleted = await b.delete('/registry/secrets/ns/s');
    expect(dec.decode(deleted.kv.value)).toBe('v2');
    await watching;
    expect(events.map((e) => [e.type, dec.decode(e.kv.value), e.prevKv && dec.decode(e.prevKv.value)])).toEqual([
      ['create', '{"data":{"password":"hunter2"}}', undefined],
      ['update', 'v2', '{"data":{"password":"hunter2"}}'],
      ['delete', 'v2', 'v2'],
    ]);
    // A stale write fails with the current value decrypted.
    const again = await b.create('/registry/secrets/ns/s', enc.encode('v3'));
    const err = await b.update('/registry/secrets/ns/s', enc.encode('v4'), { expectedModRevision: updated.revision }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(dec.decode((err as ConflictError).current!.value)).toBe('v3');
    expect(again.revision).toBeGreaterThan(updated.revision);
    await b.close();
  });

  it('passes other keys through untouched', async () => {
    const { inner, b } = setup();
    await b.start();
    await b.create('/registry/configmaps/ns/c', enc.encode('plain'));
    expect(dec.decode((await inner.get('/registry/configmaps/ns/c')).kv!.value)).toBe('plain');
    expect(dec.decode((await b.list('/registry/configmaps/')).kvs[0]!.value)).toBe('plain');
    await b.close();
  });

  it('reads values written before encryption was turned on (identity fallback)', async () => {
    const { inner, b } = setup();
    await b.start();
    await inner.create('/registry/secrets/ns/old', enc.encode('from before'));
    expect(dec.decode((await b.get('/registry/secrets/ns/old')).kv!.value)).toBe('from before');
    await b.close();
  });
});
