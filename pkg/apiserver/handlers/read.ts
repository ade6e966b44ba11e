// GET, LIST and WATCH, answering in the shape the client asked for (object, Table, metadata).
import type { ResourceDef } from '../../api/resource-def';
import { deepFreeze } from '../../api/deep-freeze';
import type { KubeObject } from '../../api/types';
import { OBJECT_REFS_HEADER, objectChannelOf } from '../../client/object-channel';
import { ApiError, errors, toApiError } from '../errors';
import { writeJson, writeRawJson } from '../http/respond';
import { responseTarget, wantsYaml, type ResponseTarget } from '../negotiation';
import { apiVersionOf, rawObjectJson } from '../registry/codec';
import { listItem, listObjects, type ObjectFilter } from '../registry/list';
import { watchObjects, type ApiWatchEvent } from '../registry/watch';
import type { IncludeObject } from '../machinery';
import type { ResourceContext } from './request-context';

export function target(ctx: ResourceContext): ResponseTarget {
  const t = responseTarget(ctx.req.headers.accept);
  if (!t) throw errors.notAcceptable(String(ctx.req.headers.accept));
  return t;
}

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Object' && v !== 'Metadata') throw errors.badRequest(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`);
  return v;
}

function partialMetadata(obj: KubeObject, metaVersion: string) {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${metaVersion}`, metadata: obj.metadata };
}


export function buildFilter(ctx: ResourceContext): ObjectFilter | undefined {
  const m = ctx.services.machinery;
  const label = ctx.query.get('labelSelector');
  const field = ctx.query.get('fieldSelector');
  const l = label ? m.labelFilter(label) : undefined;
  const f = field ? m.fieldFilter(ctx.def, field) : undefined;
  if (!l && !f) return undefined;
  return (obj) => (!l || l(obj.metadata.labels ?? {})) && (!f || f(obj));
}

function tableOf(ctx: ResourceContext, t: ResponseTarget, objects: readonly KubeObject[], listMeta: Record<string, unknown>, withColumns = true) {
  const parts = ctx.services.machinery.table(ctx.def, objects, ctx.services.now(), includeObject(ctx.query));
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${t.metaVersion}`,
    metadata: listMeta,
    columnDefinitions: withColumns ? parts.columnDefinitions : [],
    rows: parts.rows.map((r) => ({ ...r, object: r.object === undefined ? undefined : shapeRowObject(r.object, t) })),
  };
}

function shapeRowObject(obj: unknown, t: ResponseTarget): unknown {
  const o = obj as KubeObject;
  if (o && typeof o === 'object' && o.kind === 'PartialObjectMetadata') return { ...o, apiVersion: `meta.k8s.io/${t.metaVersion}` };
  return obj;
}

export async function handleGet(ctx: ResourceContext): Promise<void> {
  const t = target(ctx);
  const yaml = wantsYaml(ctx.req.headers.accept);
  if (t.shape === 'object' && !yaml) {
    const kv = await ctx.store.getKv(ctx.info.namespace, ctx.info.name!);
    if (!kv) throw errors.notFound(ctx.def.group, ctx.def.resource, ctx.info.name!);
    const raw = rawObjectJson(kv, ctx.def, true);
    if (raw !== undefined) return writeRawJson(ctx.res, 200, raw);
  }
  const obj = await ctx.store.get(ctx.info.namespace, ctx.info.name!);
  if (t.shape === 'table') return writeJson(ctx.res, 200, tableOf(ctx, t, [obj], { resourceVersion: obj.metadata.resourceVersion }));
  if (t.shape === 'metadata') return writeJson(ctx.res, 200, partialMetadata(obj, t.metaVersion));
  writeJson(ctx.res, 200, obj, { yaml });
}

const MAX_LIST_LIMIT = 2 ** 31 - 1;
const MAX_TIMER_MS = 2 ** 31 - 1;

function parseLimit(q: URLSearchParams): number | undefined {
  const raw = q.get('limit');
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw errors.badRequest(`invalid limit "${raw}": expected a non-negative integer`);
  // Any limit above what a datastore can count means "everything"; huge values must not reach it.
  return Math.min(Number(raw), MAX_LIST_LIMIT);
}

export async function handleList(ctx: ResourceContext): Promise<void> {
  const t = target(ctx);
  const q = ctx.query;
  const yaml = wantsYaml(ctx.req.headers.accept);
  const page = await listObjects(ctx.store, {
    raw: t.shape === 'object' && !yaml,
    namespace: ctx.info.namespace,
    filter: buildFilter(ctx),
    limit: parseLimit(q),
    continueToken: q.get('continue') ?? undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
  });
  const listMeta = { resourceVersion: page.resourceVersion, ...(page.continueToken ? { continue: page.continueToken } : {}) };
  if (t.shape === 'table') return writeJson(ctx.res, 200, tableOf(ctx, t, page.items, listMeta));
  if (t.shape === 'metadata') {
    return writeJson(ctx.res, 200, { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${t.metaVersion}`, metadata: listMeta, items: page.items.map((o) => partialMetadata(o, t.metaVersion)) });
  }
  const head = { kind: ctx.def.listKind ?? `${ctx.def.kind}List`, apiVersion: apiVersionOf(ctx.def), metadata: listMeta };
  if (page.rawItems) return writeRawJson(ctx.res, 200, `${JSON.stringify(head).slice(0, -1)},"items":[${page.rawItems.join(',')}]}`);
  writeJson(ctx.res, 200, { ...head, items: page.items.map(listItem) }, { yaml });
}

function watchTimeoutMs(ctx: ResourceContext): number {
  const raw = ctx.query.get('timeoutSeconds');
  if (raw !== null && raw !== '') {
    if (!/^\d+$/.test(raw)) throw errors.badRequest(`invalid timeoutSeconds "${raw}": expected a non-negative integer`);
    // Timers overflow past 2^31-1 ms (Node then fires at once): longer timeouts mean "no sooner than that".
    return Math.min(Number(raw) * 1000, MAX_TIMER_MS);
  }
  const [lo, hi] = ctx.services.watchTimeoutSeconds ?? [1800, 3600];
  return (lo + Math.random() * (hi - lo)) * 1000;
}

function bookmark(def: ResourceDef, rv: string, annotations?: Record<string, string>): ApiWatchEvent {
  return { type: 'BOOKMARK', object: { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: rv, ...(annotations ? { annotations } : {}) } } };
}

export async function handleWatch(ctx: ResourceContext): Promise<void> {
  const t = target(ctx);
  const q = ctx.query;
  const filterBase = buildFilter(ctx);
  // GET …/name?watch=true watches one object.
  const name = ctx.info.name;
  const filter: ObjectFilter | undefined = name ? (o) => o.metadata.name === name && (!filterBase || filterBase(o)) : filterBase;
  const timeoutMs = watchTimeoutMs(ctx);
  const allowBookmarks = q.get('allowWatchBookmarks') === 'true';
  const sendInitialRaw = q.get('sendInitialEvents');
  const sendInitialEvents = sendInitialRaw === null ? undefined : sendInitialRaw === 'true';
  if (sendInitialEvents !== undefined && !allowBookmarks) throw errors.badRequest('sendInitialEvents requires allowWatchBookmarks=true');

  const abort = new AbortController();
  const onClose = () => abort.abort();
  ctx.req.on('close', onClose);
  ctx.res.on('close', onClose);
  const unserved = ctx.services.servingEnded?.(ctx.def);
  unserved?.addEventListener('abort', onClose);
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let bookmarkTimer: NodeJS.Timeout | undefined;
  try {
    const stream = await watchObjects(ctx.store, { namespace: ctx.info.namespace, filter, resourceVersion: q.get('resourceVersion') ?? undefined, sendInitialEvents }, abort.signal);
    ctx.res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    ctx.res.flushHeaders();
    let lastRv = String(stream.startRevision);
    let first = true;
    // An in-process client (the embedded scheduler and controller manager) takes whole objects by
    // reference instead of their JSON; they are frozen, as the shared ones are read by others too.
    const refs = t.shape !== 'table' && ctx.req.headers[OBJECT_REFS_HEADER] === '1' ? objectChannelOf(ctx.req.socket) : undefined;
    const write = (ev: ApiWatchEvent) => {
      let object: unknown = ev.object;
      if (refs && ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') {
        const obj = t.shape === 'metadata' ? partialMetadata(ev.object, t.metaVersion) : ev.object;
        ctx.res.write(`{"type":"${ev.type}","ref":${refs.put(deepFreeze(obj))}}\n`);
        return;
      }
      if (t.shape === 'object' && ev.shared) {
        // Every watcher of this event sends the same object: serialize it once.
        ctx.res.write(`{"type":"${ev.type}","object":${ctx.store.sharedJson(ev.object)}}\n`);
        return;
      }
      if (ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') {
        if (t.shape === 'table') {
          object = tableOf(ctx, t, [ev.object], { resourceVersion: ev.object.metadata.resourceVersion }, first);
          first = false;
        } else if (t.shape === 'metadata') object = partialMetadata(ev.object, t.metaVersion);
      }
      ctx.res.write(`${JSON.stringify({ type: ev.type, object })}\n`);
    };
    if (allowBookmarks) {
      bookmarkTimer = setInterval(() => write(bookmark(ctx.def, lastRv)), ctx.services.bookmarkIntervalMs ?? 60_000);
    }
    for (const object of stream.initial) write({ type: 'ADDED', object });
    if (sendInitialEvents) write(bookmark(ctx.def, String(stream.startRevision), { 'k8s.io/initial-events-end': 'true' }));
    try {
      for await (const ev of stream.events) {
        if (abort.signal.aborted) break;
        const rv = ev.object.metadata.resourceVersion;
        write(ev);
        if (rv) lastRv = rv;
      }
    } catch (e) {
      if (!abort.signal.aborted) {
        const err = e instanceof ApiError ? e : toApiError(e, { group: ctx.def.group, resource: ctx.def.resource });
        write({ type: 'ERROR', object: err.toStatus() as unknown as KubeObject });
      }
    }
    ctx.res.end();
  } finally {
    clearTimeout(timer);
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    ctx.req.off('close', onClose);
    unserved?.removeEventListener('abort', onClose);
    abort.abort();
  }
}
