// GET and LIST of metrics.k8s.io/v1beta1 nodes and pods, shaped as metrics-server answers them:
// objects carry the Node's / Pod's labels (label selectors match those), `timestamp`, `window` and
// `usage` quantities (CPU in nanocores `…n`, memory in bytes or `…Ki`); objects without a usable
// rate yet are left out of lists and are NotFound on get. Tables have metrics-server's columns.
import type { KubeObject } from '../api/types';
import { ApiError, errors } from '../apiserver/errors';
import { buildFilter, target } from '../apiserver/handlers/read';
import type { ResourceContext } from '../apiserver/handlers/request-context';
import { writeJson } from '../apiserver/http/respond';
import type { Store } from '../apiserver/registry/store';
import { METRICS_GROUP, METRICS_VERSION } from './metrics-resources';
import type { MetricsScraper, PodUsageOf, Usage } from './metrics-scraper';

const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

export function cpuQuantity(nanoCores: number): string {
  return `${Math.max(0, Math.round(nanoCores))}n`;
}

export function memoryQuantity(bytes: number): string {
  const b = Math.max(0, Math.round(bytes));
  return b % 1024 === 0 && b > 0 ? `${b / 1024}Ki` : String(b);
}

/** A Go duration string as metrics-server's `window` (`15.002s`). */
export function windowString(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

function coreStore(ctx: ResourceContext, resource: string): Store {
  for (const [def, store] of ctx.services.stores) if (def.group === '' && def.resource === resource && !def.storageResource) return store;
  throw new ApiError(500, 'InternalError', `the ${resource} resource is not served`);
}

async function listAll(store: Store, namespace?: string): Promise<KubeObject[]> {
  const r = await store.backendList(store.prefix(namespace), {});
  return r.kvs.map((kv) => store.decode(kv));
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function metaOf(obj: KubeObject, now: Date): Record<string, unknown> {
  return { name: obj.metadata.name, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), creationTimestamp: iso(now.getTime()), ...(obj.metadata.labels ? { labels: obj.metadata.labels } : {}) };
}

function nodeMetrics(node: KubeObject, u: Usage, now: Date): KubeObject {
  return { kind: 'NodeMetrics', apiVersion: API_VERSION, metadata: metaOf(node, now), timestamp: iso(u.timestampMs), window: windowString(u.windowMs), usage: { cpu: cpuQuantity(u.nanoCores), memory: memoryQuantity(u.memoryBytes) } } as KubeObject;
}

function podMetrics(pod: KubeObject, u: PodUsageOf, now: Date): KubeObject {
  return {
    kind: 'PodMetrics',
    apiVersion: API_VERSION,
    metadata: metaOf(pod, now),
    timestamp: iso(u.timestampMs),
    window: windowString(u.windowMs),
    containers: u.containers.map((c) => ({ name: c.name, usage: { cpu: cpuQuantity(c.usage.nanoCores), memory: memoryQuantity(c.usage.memoryBytes) } })),
  } as KubeObject;
}

interface UsageCells {
  readonly cpu: number;
  readonly memory: number;
  readonly windowMs: number;
}

function cellsOf(obj: KubeObject): UsageCells {
  const o = obj as unknown as { usage?: { cpu: string; memory: string }; containers?: { usage: { cpu: string; memory: string } }[]; window: string };
  const usages = o.usage ? [o.usage] : (o.containers ?? []).map((c) => c.usage);
  const cpu = usages.reduce((s, x) => s + Number(x.cpu.replace(/n$/, '')), 0);
  const memory = usages.reduce((s, x) => s + (x.memory.endsWith('Ki') ? Number(x.memory.slice(0, -2)) * 1024 : Number(x.memory)), 0);
  return { cpu, memory, windowMs: Number(o.window.replace(/s$/, '')) * 1000 };
}

/** metrics-server's table: Name, CPU, Memory, Window. */
function table(objects: readonly KubeObject[], metaVersion: string): object {
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${metaVersion}`,
    metadata: {},
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
      { name: 'CPU', type: 'string', format: '', description: 'CPU usage', priority: 0 },
      { name: 'Memory', type: 'string', format: '', description: 'Memory usage', priority: 0 },
      { name: 'Window', type: 'string', format: '', description: 'Time window for metrics', priority: 0 },
    ],
    rows: objects.map((o) => {
      const c = cellsOf(o);
      return { cells: [o.metadata.name, `${Math.round(c.cpu / 1e6)}m`, `${Math.round(c.memory / 1024)}Ki`, windowString(c.windowMs)], object: { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${metaVersion}`, metadata: o.metadata } };
    }),
  };
}

function respond(ctx: ResourceContext, objects: readonly KubeObject[], single: boolean): void {
  const t = target(ctx);
  if (t.shape === 'table') return writeJson(ctx.res, 200, table(objects, t.metaVersion));
  if (single) return writeJson(ctx.res, 200, objects[0]);
  writeJson(ctx.res, 200, { kind: `${ctx.def.kind}List`, apiVersion: API_VERSION, metadata: {}, items: objects });
}

/** The handler of metrics.k8s.io `nodes` (resource `nodes`) or `pods`. */
export function metricsResourceHandler(scraper: MetricsScraper): (ctx: ResourceContext) => Promise<void> {
  return async (ctx) => {
    if (ctx.info.verb !== 'get' && ctx.info.verb !== 'list') throw errors.methodNotAllowed(ctx.req.method ?? ctx.info.verb, ctx.def.kind);
    const nodes = coreStore(ctx, 'nodes');
    await scraper.ensureFresh(() => listAll(nodes));
    const now = ctx.services.now();
    const filter = buildFilter(ctx);
    const name = ctx.info.name;
    if (ctx.def.resource === 'nodes') {
      const usage = scraper.nodes();
      const objs = name ? [await nodes.get(undefined, name).catch(() => undefined)].filter((n): n is KubeObject => !!n) : await listAll(nodes);
      const out = objs.flatMap((n) => {
        const u = usage.get(String(n.metadata.name));
        return u ? [nodeMetrics(n, u, now)] : [];
      });
      const shown = out.filter((o) => !filter || filter(o)).sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
      if (name && shown.length === 0) throw errors.notFound(METRICS_GROUP, 'nodemetrics', name);
      return respond(ctx, shown, !!name);
    }
    const pods = coreStore(ctx, 'pods');
    const usage = scraper.pods();
    const ns = ctx.info.namespace;
    const objs = name ? [await pods.get(ns, name).catch(() => undefined)].filter((p): p is KubeObject => !!p) : await listAll(pods, ns);
    const out = objs.flatMap((p) => {
      const u = usage.get(`${p.metadata.namespace}/${p.metadata.name}`);
      return u ? [podMetrics(p, u, now)] : [];
    });
    const shown = out.filter((o) => !filter || filter(o)).sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
    if (name && shown.length === 0) throw errors.notFound(METRICS_GROUP, 'podmetrics', name);
    respond(ctx, shown, !!name);
  };
}
