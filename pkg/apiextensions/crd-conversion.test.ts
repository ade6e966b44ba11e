import * as crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiextensionsV1 } from '../api/catalog/apiextensions-v1';
import { compareVersionPriority } from '../api/catalog/catalog';
import { coreV1 } from '../api/catalog/core-v1';
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';
import { CatalogView } from '../apiserver/catalog-view';
import { ApiError } from '../apiserver/errors';
import { listObjects } from '../apiserver/registry/list';
import { Store } from '../apiserver/registry/store';
import { watchObjects } from '../apiserver/registry/watch';
import { eventually } from '../controllers/testing/eventually';
import { silentLogger } from '../log/logger';
import { MemoryBackend } from '../storage/drivers/memory';
import { CustomResources } from './custom-resources';
import { hostPortConversion, hostPortCrd, hostPortHandler, startTestConversionWebhook, type TestConversionWebhook } from './testing/conversion-webhook-server';


function crd(clientConfig: Record<string, unknown>, storage: 'v1' | 'v2' = 'v1', conversionReviewVersions = ['v1']): KubeObject {
  return hostPortCrd({ group: 'example.com', plural: 'endpoints', kind: 'Endpoint', clientConfig, storage, conversionReviewVersions }) as KubeObject;
}

const endpoint = (apiVersion: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion, kind: 'Endpoint', metadata: { name, labels: { app: 'x' } }, spec });

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

describe('CRD webhook conversion (a real HTTPS webhook, the memory backend)', () => {
  let hook: TestConversionWebhook;
  let backend: MemoryBackend;
  let catalog: CatalogView;
  let stores: Map<ResourceDef, Store>;
  let crds: Store;
  let abort: AbortController;

  beforeAll(async () => {
    hook = await startTestConversionWebhook({ handler: hostPortHandler });
  });
  afterAll(async () => {
    await hook.close();
  });

  beforeEach(async () => {
    hook.setHandler(hostPortHandler);
    hook.reviews.length = 0;
    backend = new MemoryBackend();
    await backend.start();
    const ctx = { backend, now: () => new Date('2026-01-01T00:00:00Z'), newUid: () => crypto.randomUUID(), random: Math.random };
    catalog = new CatalogView([...apiextensionsV1, ...coreV1]);
    stores = new Map([...apiextensionsV1, ...coreV1].map((d) => [d, new Store(d, ctx)]));
    crds = stores.get(apiextensionsV1[0]!)!;
    abort = new AbortController();
    const serving = new CustomResources({ catalog, stores, storeContext: ctx, log: silentLogger(), compareVersions: compareVersionPriority, retryDelayMs: 10, conversionTimeoutSeconds: 2 });
    await serving.start(abort.signal);
  });
  afterEach(async () => {
    abort.abort();
    await backend.close();
  });

  const served = async (version: string) => {
    const def = await eventually(async () => catalog.lookup('example.com', version, 'endpoints'), `endpoints ${version} served`);
    return stores.get(def)!;
  };

  it('reads, lists and watches at another version through the webhook; writes store the storage version', async () => {
    await crds.create(undefined, crd({ url: hook.url, caBundle: hook.caBundle }));
    const v1 = await served('v1');
    const v2 = await served('v2');
    await v1.create('default', endpoint('example.com/v1', 'a', { hostPort: 'alpha:80' }));
    expect(hook.reviews).toHaveLength(0); // written at the storage version: no conversion

    const a2 = await v2.get('default', 'a');
    expect(a2).toMatchObject({ apiVersion: 'example.com/v2', kind: 'Endpoint', spec: { host: 'alpha', port: 80 }, metadata: { name: 'a', labels: { app: 'x' } } });
    expect(hook.reviews.at(-1)).toMatchObject({ apiVersion: 'apiextensions.k8s.io/v1', desiredAPIVersion: 'example.com/v2', objects: [{ apiVersion: 'example.com/v1', kind: 'Endpoint', spec: { hostPort: 'alpha:80' } }] });

    // Created through v2: stored at v1 (marked with its version), answered at v2.
    const b = await v2.create('default', endpoint('example.com/v2', 'b', { host: 'beta', port: 443 }));
    expect(b).toMatchObject({ apiVersion: 'example.com/v2', spec: { host: 'beta', port: 443 } });
    const stored = JSON.parse(new TextDecoder().decode((await backend.get('/registry/example.com/endpoints/default/b')).kv!.value)) as KubeObject;
    expect(stored).toMatchObject({ apiVersion: 'example.com/v1', spec: { hostPort: 'beta:443' } });
    expect((await v1.get('default', 'b')).spec).toEqual({ hostPort: 'beta:443' });

    // A list page goes out in one review.
    const before = hook.reviews.length;
    const page = await listObjects(v2, { namespace: 'default' });
    expect(page.items.map((o) => o.spec)).toEqual([{ host: 'alpha', port: 80 }, { host: 'beta', port: 443 }]);
    expect(hook.reviews.length - before).toBe(1);
    expect(hook.reviews.at(-1)!.objects).toHaveLength(2);

    // Watch events are converted one by one.
    const watchAbort = new AbortController();
    const stream = await watchObjects(v2, { namespace: 'default', resourceVersion: page.resourceVersion }, watchAbort.signal);
    const it = stream.events[Symbol.asyncIterator]();
    await v1.update('default', 'a', (cur) => ({ ...cur!, spec: { hostPort: 'alpha:8080' } }));
    const ev = await it.next();
    expect(ev.value).toMatchObject({ type: 'MODIFIED', object: { apiVersion: 'example.com/v2', spec: { host: 'alpha', port: 8080 } } });
    // A failing conversion ends the watch with the error (the API server sends it as an ERROR event).
    hook.setHandler(() => ({ failure: 'no more' }));
    await v1.update('default', 'a', (cur) => ({ ...cur!, spec: { hostPort: 'alpha:9090' } }));
    await expect(it.next()).rejects.toThrow('conversion webhook for example.com/v1, Kind=Endpoint failed: no more');
    watchAbort.abort();
  });

  it('converts objects from the version they were stored at after the storage version changes', async () => {
    await crds.create(undefined, crd({ url: hook.url, caBundle: hook.caBundle }, 'v1'));
    await (await served('v1')).create('default', endpoint('example.com/v1', 'old', { hostPort: 'old:1' }));
    const before2 = catalog.lookup('example.com', 'v2', 'endpoints');
    await crds.update(undefined, 'endpoints.example.com', (cur) => ({ ...cur!, spec: crd({ url: hook.url, caBundle: hook.caBundle }, 'v2').spec }));
    // The next generation is served with new definitions (and stores).
    const def2 = await eventually(async () => {
      const d = catalog.lookup('example.com', 'v2', 'endpoints');
      return d !== before2 ? d : undefined;
    }, 'storage version v2 served');
    const v2 = stores.get(def2)!;
    await v2.create('default', endpoint('example.com/v2', 'new', { host: 'new', port: 2 }));
    const raw = async (name: string) => JSON.parse(new TextDecoder().decode((await backend.get(`/registry/example.com/endpoints/default/${name}`)).kv!.value)) as KubeObject;
    expect(await raw('new')).toMatchObject({ apiVersion: 'example.com/v2', spec: { host: 'new', port: 2 } });
    expect(await raw('old')).toMatchObject({ apiVersion: 'example.com/v1', spec: { hostPort: 'old:1' } });
    const before = hook.reviews.length;
    expect((await stores.get(catalog.lookup('example.com', 'v1', 'endpoints')!)!.get('default', 'old')).spec).toEqual({ hostPort: 'old:1' });
    expect(hook.reviews.length).toBe(before); // stored at v1, read at v1
    expect((await v2.get('default', 'old')).spec).toEqual({ host: 'old', port: 1 });
    expect(hook.reviews.at(-1)).toMatchObject({ desiredAPIVersion: 'example.com/v2', objects: [{ apiVersion: 'example.com/v1' }] });
  });

  it('restores metadata other than labels and annotations, and rejects answers upstream rejects', async () => {
    await crds.create(undefined, crd({ url: hook.url, caBundle: hook.caBundle }));
    const v1 = await served('v1');
    const v2 = await served('v2');
    const created = await v1.create('default', endpoint('example.com/v1', 'a', { hostPort: 'alpha:80' }));
    const uid = created.metadata.uid;

    hook.setHandler((req) => ({ convertedObjects: req.objects.map((o) => ({ ...hostPortConversion(o, req.desiredAPIVersion), metadata: { ...(o.metadata as object), generation: 99, labels: { app: 'y' }, annotations: { note: 'converted' } } })) }));
    const a = await v2.get('default', 'a');
    expect(a.metadata).toMatchObject({ uid, generation: 1, labels: { app: 'y' }, annotations: { note: 'converted' } });

    const cases: Array<[string, Parameters<typeof hook.setHandler>[0], string]> = [
      ['failure', () => ({ failure: 'cannot convert today' }), 'conversion webhook for example.com/v1, Kind=Endpoint failed: cannot convert today'],
      ['wrong uid', () => ({ body: { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: 'nope', result: { status: 'Success' }, convertedObjects: [] } } }), 'failed: expected response.uid='],
      ['wrong review type', () => ({ body: { apiVersion: 'v1', kind: 'Status' } }), 'failed: expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got /v1, Kind=Status'],
      ['too few objects', () => ({ convertedObjects: [] }), 'conversion webhook for example.com/v1, Kind=Endpoint returned 0 objects, expected 1'],
      ['wrong version', (req) => ({ convertedObjects: req.objects.map((o) => ({ ...o, apiVersion: 'example.com/v3' })) }), 'returned invalid object at index 0: invalid groupVersion (expected example.com/v2, received example.com/v3)'],
      ['wrong kind', (req) => ({ convertedObjects: req.objects.map((o) => ({ ...hostPortConversion(o, req.desiredAPIVersion), kind: 'Other' })) }), 'invalid kind (expected Endpoint, received Other)'],
      ['renamed', (req) => ({ convertedObjects: req.objects.map((o) => ({ ...hostPortConversion(o, req.desiredAPIVersion), metadata: { name: 'z' } })) }), 'returned invalid object: must have the same name: a != z'],
      ['bad label', (req) => ({ convertedObjects: req.objects.map((o) => ({ ...hostPortConversion(o, req.desiredAPIVersion), metadata: { ...(o.metadata as object), labels: { app: 5 } } })) }), 'returned invalid metadata: metadata.labels[app] must be a string, but is float64 in converted object'],
      ['server error', () => ({ httpStatus: 500, text: 'boom' }), 'an error on the server ("boom") has prevented the request from succeeding'],
    ];
    for (const [what, handler, message] of cases) {
      hook.setHandler(handler);
      const e = await failure(v2.get('default', 'a'));
      expect(e.code, what).toBe(500);
      expect(e.reason, what).toBe('InternalError');
      expect(e.message, what).toContain(message);
    }
    // Reads at the storage version need no webhook.
    expect((await v1.get('default', 'a')).spec).toEqual({ hostPort: 'alpha:80' });
  });

  it('words a webhook that cannot be reached, an untrusted certificate and v1beta1 reviews as upstream', async () => {
    await crds.create(undefined, crd({ url: 'https://127.0.0.1:1/convert', caBundle: hook.caBundle }));
    const v1 = await served('v1');
    await v1.create('default', endpoint('example.com/v1', 'a', { hostPort: 'alpha:80' }));
    const v2 = await served('v2');
    const down = await failure(v2.get('default', 'a'));
    expect(down.message).toBe('Internal error occurred: conversion webhook for example.com/v1, Kind=Endpoint failed: Post "https://127.0.0.1:1/convert?timeout=2s": dial tcp 127.0.0.1:1: connect: connection refused');
    const listed = await failure(listObjects(v2, { namespace: 'default' }));
    expect(listed.message).toContain('conversion webhook for example.com/v2, Kind=EndpointList failed: Post');

    // No caBundle: the system roots do not know the test CA.
    await crds.update(undefined, 'endpoints.example.com', (cur) => ({ ...cur!, spec: crd({ url: hook.url }).spec }));
    const untrusted = await eventually(async () => {
      const m = (await failure(v2Store()).catch(() => undefined))?.message;
      return m?.includes('certificate') ? m : undefined;
    }, 'untrusted certificate refused');
    expect(untrusted).toMatch(/failed: Post "https:\/\/127\.0\.0\.1:\d+\/convert\?timeout=2s": self-signed certificate/);

    await crds.update(undefined, 'endpoints.example.com', (cur) => ({ ...cur!, spec: crd({ url: hook.url, caBundle: hook.caBundle }, 'v1', ['v1beta1', 'v1']).spec }));
    const a = await eventually(async () => v2Store().catch(() => undefined), 'converted via v1beta1');
    expect(a.spec).toEqual({ host: 'alpha', port: 80 });
    expect(hook.reviews.at(-1)!.apiVersion).toBe('apiextensions.k8s.io/v1beta1');

    async function v2Store(): Promise<KubeObject> {
      const def = catalog.lookup('example.com', 'v2', 'endpoints')!;
      return stores.get(def)!.get('default', 'a');
    }
  });

  it('resolves a service reference to the endpoints of the Service', async () => {
    const services = [...stores].find(([d]) => d.group === '' && d.resource === 'services')![1];
    await services.create('webhooks', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'conv' }, spec: { clusterIP: '127.0.0.1', ports: [{ port: hook.port }] } });
    await crds.create(undefined, crd({ service: { namespace: 'webhooks', name: 'conv', port: hook.port, path: '/convert' }, caBundle: hook.caBundle }));
    const v1 = await served('v1');
    await v1.create('default', endpoint('example.com/v1', 'a', { hostPort: 'alpha:80' }));
    const v2 = await served('v2');
    // The serving certificate names 127.0.0.1, not conv.webhooks.svc: the TLS name is checked.
    const e = await failure(v2.get('default', 'a'));
    expect(e.message).toContain('Post "https://conv.webhooks.svc:' + hook.port + '/convert?timeout=2s"');
    expect(e.message).toMatch(/altnames|Hostname\/IP does not match/);
    // A webhook whose certificate names the service is reached through it.
    const named = await startTestConversionWebhook({ dnsNames: ['conv.webhooks.svc'], handler: hostPortHandler });
    try {
      await services.update('webhooks', 'conv', (cur) => ({ ...cur!, spec: { clusterIP: '127.0.0.1', ports: [{ port: named.port }] } }));
      await crds.update(undefined, 'endpoints.example.com', (cur) => ({ ...cur!, spec: crd({ service: { namespace: 'webhooks', name: 'conv', port: named.port, path: '/convert' }, caBundle: named.caBundle }).spec }));
      const a = await eventually(async () => stores.get(catalog.lookup('example.com', 'v2', 'endpoints')!)!.get('default', 'a').catch(() => undefined), 'converted through the service');
      expect(a.spec).toEqual({ host: 'alpha', port: 80 });
      expect(named.reviews.length).toBeGreaterThanOrEqual(1);
    } finally {
      await named.close();
    }
    await crds.update(undefined, 'endpoints.example.com', (cur) => ({ ...cur!, spec: crd({ service: { namespace: 'webhooks', name: 'missing', port: 443 }, caBundle: hook.caBundle }).spec }));
    await eventually(async () => {
      const def = catalog.lookup('example.com', 'v2', 'endpoints')!;
      const err = await failure(stores.get(def)!.get('default', 'a')).catch(() => undefined);
      return err?.message.includes('service/missing in "webhooks" is not present');
    }, 'missing service named');
  });
});
