import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { coreV1 } from '../../api/catalog';
import type { KubeObject } from '../../api/types';
import { Store } from '../../apiserver/registry/store';
import { silentLogger } from '../../log/logger';
import type { WatchEvent } from '../../storage/backend';
import { MemoryBackend } from '../../storage/drivers/memory';
import { CacheGroup, StoreCache, type CacheEvent, type CacheSource } from './store-cache';

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const cm = (name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v } }) as KubeObject;

describe('StoreCache', () => {
  let backend: MemoryBackend;
  let cache: StoreCache<string> | undefined;
  afterEach(async () => {
    await cache?.stop();
    await backend.close();
  });

  async function setup(wrap: (s: Store) => CacheSource = (s) => s) {
    backend = new MemoryBackend();
    await backend.start();
    const store = new Store(coreV1.find((d) => d.resource === 'configmaps')!, { backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random });
    return { store, source: wrap(store) };
  }

  it('lists, then follows creates, updates and deletes in order', async () => {
    const { store, source } = await setup();
    await store.create('a', cm('one', '1'));
    cache = new StoreCache(source, { project: (o) => String((o.data as { v: string }).v), log: silentLogger(), pageSize: 1 });
    const events: CacheEvent<string>[] = [];
    cache.subscribe((e) => events.push(e));
    cache.start();
    await cache.synced;
    expect(cache.get('a/one')).toBe('1');
    await store.create('b', cm('two', '2'));
    await store.update('a', 'one', (c) => ({ ...c!, data: { v: '1b' } }));
    await store.delete('b', 'two');
    await until(() => events.length === 4, 'four events');
    expect(events).toEqual([{ type: 'reset' }, { type: 'upsert', key: 'b/two', value: '2', previous: undefined }, { type: 'upsert', key: 'a/one', value: '1b', previous: '1' }, { type: 'delete', key: 'b/two', previous: '2' }]);
    expect([...cache.entries()]).toEqual([['a/one', '1b']]);
  });

  it('relists when its watch breaks, missing nothing', async () => {
    let failures = 1;
    const { store, source } = await setup((s) => ({
      prefixRoot: s.prefixRoot,
      backendList: (p, o) => s.backendList(p, o),
      decode: (kv) => s.decode(kv),
      async *backendWatch(prefix, from, signal): AsyncIterable<readonly WatchEvent[]> {
        if (failures-- > 0) throw new Error('datastore restarted');
        yield* s.backendWatch(prefix, from, signal);
      },
    }));
    await store.create('a', cm('one', '1'));
    cache = new StoreCache(source, { project: (o) => String((o.data as { v: string }).v), log: silentLogger(), retryDelayMs: 1 });
    cache.start();
    await cache.synced;
    await store.create('a', cm('two', '2'));
    await until(() => cache!.get('a/two') === '2', 'the object written while the watch was down');
  });

  it('feeds several caches from one list revision and one watch', async () => {
    const { store } = await setup();
    const secrets = new Store(coreV1.find((d) => d.resource === 'secrets')!, { backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random });
    await store.create('a', cm('one', '1'));
    await secrets.create('a', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { v: 'x' } } as KubeObject);
    const names = (o: KubeObject) => String(o.metadata.name);
    const cms = new StoreCache(store, { project: names, log: silentLogger() });
    const secs = new StoreCache(secrets, { project: names, log: silentLogger() });
    const group = new CacheGroup([cms, secs] as StoreCache<unknown>[], { log: silentLogger() });
    group.start();
    await group.synced;
    expect([...cms.values(), ...secs.values()]).toEqual(['one', 's']);
    await secrets.create('b', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 't' } } as KubeObject);
    await store.create('b', cm('two', '2'));
    await until(() => cms.size === 2 && secs.size === 2, 'both caches to see their new objects');
    expect(cms.get('b/two')).toBe('two');
    expect(secs.get('b/t')).toBe('t');
    await group.stop();
  });
});
