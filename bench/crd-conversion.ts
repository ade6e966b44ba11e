// What CRD webhook conversion costs, in process (memory backend, the generic Store, a real HTTPS
// conversion webhook on loopback with kept-alive connections), each against a baseline measured
// in the same run at the storage version (no webhook call):
//   a) GET one object: at v1 (storage, baseline) vs at v2 (one ConversionReview),
//   b) LIST 100 objects: at v1 vs at v2 (the page in one ConversionReview),
//   c) CREATE: through v1 vs through v2 (to the storage version, and the result back).
// Wall time on a shared machine is noisy; the webhook's own CPU is included (same process).
// Usage: npx tsx bench/crd-conversion.ts [iterations]
import * as crypto from 'node:crypto';
import { apiextensionsV1 } from '../pkg/api/catalog/apiextensions-v1';
import { compareVersionPriority } from '../pkg/api/catalog/catalog';
import { coreV1 } from '../pkg/api/catalog/core-v1';
import type { ResourceDef } from '../pkg/api/resource-def';
import type { KubeObject } from '../pkg/api/types';
import { CustomResources } from '../pkg/apiextensions/custom-resources';
import { hostPortCrd, hostPortHandler, startTestConversionWebhook } from '../pkg/apiextensions/testing/conversion-webhook-server';
import { CatalogView } from '../pkg/apiserver/catalog-view';
import { listObjects } from '../pkg/apiserver/registry/list';
import { Store } from '../pkg/apiserver/registry/store';
import { silentLogger } from '../pkg/log/logger';
import { MemoryBackend } from '../pkg/storage/drivers/memory';

const iterations = Number(process.argv[2] ?? 500);
const LIST_SIZE = 100;

async function timed(what: string, n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(20, n); i++) await fn(i); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const us = ((performance.now() - t0) * 1000) / n;
  console.log(`${what.padEnd(44)} ${us.toFixed(0).padStart(8)} µs/op`);
  return us;
}

async function main(): Promise<void> {
  const hook = await startTestConversionWebhook({ handler: hostPortHandler });
  const backend = new MemoryBackend();
  await backend.start();
  const ctx = { backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random };
  const defs = [...apiextensionsV1, ...coreV1];
  const catalog = new CatalogView(defs);
  const stores = new Map<ResourceDef, Store>(defs.map((d) => [d, new Store(d, ctx)]));
  const abort = new AbortController();
  const serving = new CustomResources({ catalog, stores, storeContext: ctx, log: silentLogger(), compareVersions: compareVersionPriority });
  await serving.start(abort.signal);
  await stores.get(apiextensionsV1[0]!)!.create(undefined, hostPortCrd({ group: 'conv.example.com', plural: 'backends', kind: 'Backend', clientConfig: { url: hook.url, caBundle: hook.caBundle } }) as KubeObject);
  for (let i = 0; i < 200 && !catalog.lookup('conv.example.com', 'v2', 'backends'); i++) await new Promise((r) => setTimeout(r, 10));
  const v1 = stores.get(catalog.lookup('conv.example.com', 'v1', 'backends')!)!;
  const v2 = stores.get(catalog.lookup('conv.example.com', 'v2', 'backends')!)!;
  for (let i = 0; i < LIST_SIZE; i++) await v1.create('default', { apiVersion: 'conv.example.com/v1', kind: 'Backend', metadata: { name: `b${i}` }, spec: { hostPort: `host${i}:80` } });

  console.log(`CRD webhook conversion, ${iterations} iterations (list: ${LIST_SIZE} objects, ${Math.max(1, Math.floor(iterations / 10))} iterations)`);
  const g1 = await timed('GET at v1 (storage version, baseline)', iterations, () => v1.get('default', 'b0'));
  const g2 = await timed('GET at v2 (one ConversionReview)', iterations, () => v2.get('default', 'b0'));
  const ln = Math.max(1, Math.floor(iterations / 10));
  const l1 = await timed(`LIST ${LIST_SIZE} at v1 (baseline)`, ln, () => listObjects(v1, { namespace: 'default' }));
  const l2 = await timed(`LIST ${LIST_SIZE} at v2 (one ConversionReview)`, ln, () => listObjects(v2, { namespace: 'default' }));
  const c1 = await timed('CREATE through v1 (baseline)', iterations, (i) => v1.create('default', { apiVersion: 'conv.example.com/v1', kind: 'Backend', metadata: { name: `c1-${i}-${crypto.randomUUID()}` }, spec: { hostPort: 'h:1' } }));
  const c2 = await timed('CREATE through v2 (two ConversionReviews)', iterations, (i) => v2.create('default', { apiVersion: 'conv.example.com/v2', kind: 'Backend', metadata: { name: `c2-${i}-${crypto.randomUUID()}` }, spec: { host: 'h', port: 1 } }));
  console.log(`ratios vs baseline: GET ${(g2 / g1).toFixed(1)}x, LIST ${(l2 / l1).toFixed(1)}x, CREATE ${(c2 / c1).toFixed(1)}x; webhook reviews served: ${hook.reviews.length}`);
  abort.abort();
  await backend.close();
  await hook.close();
}

void main();
