import * as crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiextensionsV1 } from '../api/catalog/apiextensions-v1';
import { compareVersionPriority } from '../api/catalog/catalog';
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';
import { CatalogView } from '../apiserver/catalog-view';
import { Store } from '../apiserver/registry/store';
import { eventually } from '../controllers/testing/eventually';
import { silentLogger } from '../log/logger';
import { MemoryBackend } from '../storage/drivers/memory';
import { CustomResources } from './custom-resources';
import type { CustomResourceDefinition } from './types';

function crd(plural: string, kind: string, extra: Partial<CustomResourceDefinition['spec']> = {}): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.example.com` },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural, kind },
      versions: [
        { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { n: { type: 'integer', default: 1 } } } } } } },
      ],
      ...extra,
    },
  };
}

describe('CustomResources (serving CRDs over the generic store)', () => {
  let backend: MemoryBackend;
  let catalog: CatalogView;
  let stores: Map<ResourceDef, Store>;
  let crds: Store;
  let abort: AbortController;
  let serving: CustomResources;

  beforeEach(async () => {
    backend = new MemoryBackend();
    await backend.start();
    const ctx = { backend, now: () => new Date('2026-01-01T00:00:00Z'), newUid: () => crypto.randomUUID(), random: Math.random };
    catalog = new CatalogView(apiextensionsV1);
    stores = new Map(apiextensionsV1.map((d) => [d, new Store(d, ctx)]));
    crds = stores.get(apiextensionsV1[0]!)!;
    abort = new AbortController();
    serving = new CustomResources({ catalog, stores, storeContext: ctx, log: silentLogger(), compareVersions: compareVersionPriority, retryDelayMs: 10 });
  });
  afterEach(async () => {
    abort.abort();
    await backend.close();
  });

  it('serves the stored CRDs at start and new ones as they come, preferred version first', async () => {
    await crds.create(undefined, crd('widgets', 'Widget'));
    await serving.start(abort.signal);
    expect(catalog.groups.find((g) => g.group === 'example.com')?.versions).toEqual(['v1', 'v1beta1']);
    const def = catalog.lookup('example.com', 'v1', 'widgets')!;
    expect(def).toMatchObject({ kind: 'Widget', singular: 'widget', namespaced: true, storageResource: 'example.com/widgets' });
    const w = await stores.get(def)!.create('default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { junk: 1 } });
    expect(w.spec).toEqual({ n: 1 });
    const asBeta = await stores.get(catalog.lookup('example.com', 'v1beta1', 'widgets')!)!.get('default', 'w');
    expect(asBeta).toMatchObject({ apiVersion: 'example.com/v1beta1', spec: { n: 1 } });

    await crds.create(undefined, crd('gadgets', 'Gadget'));
    await eventually(async () => catalog.lookup('example.com', 'v1', 'gadgets') !== undefined, 'gadgets served');
    await eventually(async () => ((await crds.get(undefined, 'gadgets.example.com')).status as { conditions?: unknown[] }).conditions?.length === 2, 'conditions');
  });

  it('refuses names already in use in the group (singular widget)', async () => {
    await serving.start(abort.signal);
    await crds.create(undefined, crd('widgets', 'Widget'));
    await eventually(async () => catalog.lookup('example.com', 'v1', 'widgets') !== undefined, 'widgets served');
    await crds.create(undefined, crd('sprockets', 'Widget'));
    const conditions = await eventually(async () => {
      const c = ((await crds.get(undefined, 'sprockets.example.com')).status as CustomResourceDefinition['status'])?.conditions;
      return c?.length ? c : undefined;
    }, 'sprockets conditions');
    expect(conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['NamesAccepted', 'False', 'SingularConflict'],
      ['Established', 'False', 'NotAccepted'],
    ]);
    expect(catalog.lookup('example.com', 'v1', 'sprockets')).toBeUndefined();
  });

  it('deletes the custom objects, then the CRD, and stops serving it', async () => {
    await serving.start(abort.signal);
    await crds.create(undefined, crd('widgets', 'Widget'));
    const def = await eventually(async () => catalog.lookup('example.com', 'v1', 'widgets'), 'widgets served');
    const store = stores.get(def)!;
    await store.create('a', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' } });
    await store.create('b', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w2', finalizers: ['example.com/hold'] } });
    const marked = await crds.delete(undefined, 'widgets.example.com');
    expect(marked.deleted).toBe(false);
    expect(marked.object.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    // w2 is held by its own finalizer: the CRD waits for it.
    await eventually(async () => (await store.backendList(store.prefix(), {})).kvs.length === 1, 'w1 deleted');
    expect((await crds.getKv(undefined, 'widgets.example.com')) !== undefined).toBe(true);
    await store.update('b', 'w2', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, finalizers: [] } }));
    await eventually(async () => (await crds.getKv(undefined, 'widgets.example.com')) === undefined, 'CRD deleted');
    expect(catalog.lookup('example.com', 'v1', 'widgets')).toBeUndefined();
    expect(stores.has(def)).toBe(false);
    expect((await backend.list('/registry/example.com/', {})).kvs).toEqual([]);
  });
});
