// API aggregation: APIServices with spec.service route /apis/<group>/<version>/… to an extension
// API server. A small availability controller (every 30 s and on APIService, Service and
// EndpointSlice changes) resolves each Service, fetches and caches the extension's discovery
// document and its OpenAPI v3 document, and keeps status.conditions[Available] current; discovery
// and /openapi/v3 merge the cached documents. Upgrade requests are joined to the extension raw.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceDef } from '../../api/resource-def';
import type { KubeObject } from '../../api/types';
import type { Logger } from '../../log/logger';
import type { UserInfo } from '../handlers/request-context';
import { errors } from '../errors';
import type { Store } from '../registry/store';
import { getJsonFromExtension } from './extension-client';
import { fetchExtensionOpenApi, type CachedOpenApiDocument } from './extension-openapi';
import { proxyRequest, type FrontProxyIdentity, type ProxyTarget } from './proxy-request';
import { proxyUpgrade } from './proxy-upgrade';
import { resolveService, type ServiceRef } from './resolve-service';
import { aggregatedGroup, legacyApiGroup, type ApiResourceList } from './discovery-documents';

export interface AggregatorDeps {
  readonly stores: ReadonlyMap<ResourceDef, Store>;
  readonly identity: FrontProxyIdentity;
  readonly log: Logger;
  readonly resyncMs?: number;
}

interface Entry {
  readonly name: string;
  readonly group: string;
  readonly version: string;
  readonly service: ServiceRef;
  readonly caPem?: string;
  readonly insecureSkipTLSVerify: boolean;
  readonly groupPriorityMinimum: number;
  readonly versionPriority: number;
  target?: ProxyTarget;
  available: boolean;
  discovery?: ApiResourceList;
  openapi?: CachedOpenApiDocument;
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export class Aggregator {
  private entries = new Map<string, Entry>();
  private timer?: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private syncing?: Promise<void>;
  private again = false;

  constructor(private readonly deps: AggregatorDeps) {}

  private store(group: string, resource: string): Store | undefined {
    for (const [d, s] of this.deps.stores) if (d.group === group && d.resource === resource && !d.storageResource) return s;
    return undefined;
  }

  start(): void {
    this.kick();
    this.timer = setInterval(() => this.kick(), this.deps.resyncMs ?? 30_000);
    this.timer.unref();
    for (const [g, r] of [['apiregistration.k8s.io', 'apiservices'], ['', 'services'], ['discovery.k8s.io', 'endpointslices']] as const) {
      const s = this.store(g, r);
      if (s) void this.watch(s);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.abort.abort();
  }

  private async watch(store: Store): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const rev = await store.currentRevision();
        for await (const _batch of store.backendWatch(store.prefix(), rev + 1, this.abort.signal)) this.kick();
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.deps.log.debug('aggregation watch ended', { error: e instanceof Error ? e.message : String(e) });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Runs a sync now, or once more after the running one. */
  kick(): void {
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = this.sync()
      .catch((e: unknown) => this.deps.log.warn('aggregation sync failed', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        this.syncing = undefined;
        if (this.again && !this.abort.signal.aborted) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves once the current and any requested sync are done (tests). */
  async settled(): Promise<void> {
    while (this.syncing) await this.syncing;
  }

  private async sync(): Promise<void> {
    const apiservices = this.store('apiregistration.k8s.io', 'apiservices');
    const services = this.store('', 'services');
    if (!apiservices || !services) return;
    const slices = this.store('discovery.k8s.io', 'endpointslices');
    const page = await apiservices.backendList(apiservices.prefix(), {});
    const next = new Map<string, Entry>();
    for (const kv of page.kvs) {
      const obj = apiservices.decode(kv);
      const entry = toEntry(obj, this.entries.get(`${asObj(obj.spec).group ?? ''}/${asObj(obj.spec).version ?? ''}`));
      if (!entry) continue;
      const res = await resolveService(entry.service, services, slices);
      let condition: { status: 'True' | 'False'; reason: string; message: string };
      if (!res.ok) {
        entry.target = undefined;
        condition = { status: 'False', reason: res.reason, message: res.message };
      } else {
        entry.target = { host: res.host, port: res.port, serverName: `${entry.service.name}.${entry.service.namespace}.svc`, caPem: entry.caPem, insecureSkipTLSVerify: entry.insecureSkipTLSVerify };
        try {
          entry.discovery = await this.fetchDiscovery(entry, entry.target);
          condition = { status: 'True', reason: 'Passed', message: 'all checks passed' };
          entry.openapi = await this.fetchOpenApi(entry, entry.target);
        } catch (e) {
          condition = { status: 'False', reason: 'FailedDiscoveryCheck', message: `failing or missing response from https://${res.host}:${res.port}/apis/${entry.group}/${entry.version}: ${e instanceof Error ? e.message : String(e)}` };
        }
      }
      entry.available = condition.status === 'True';
      next.set(`${entry.group}/${entry.version}`, entry);
      await this.writeCondition(apiservices, obj, condition);
    }
    this.entries = next;
  }

  private async fetchDiscovery(entry: Entry, target: ProxyTarget): Promise<ApiResourceList> {
    const doc = (await getJsonFromExtension(target, this.deps.identity, `/apis/${entry.group}/${entry.version}`, 'discovery')) as ApiResourceList | null;
    if (!doc || !Array.isArray(doc.resources)) throw new Error('discovery document without resources');
    return doc;
  }

  /** The extension's OpenAPI v3 document of the group version; a failure keeps the last copy. */
  private async fetchOpenApi(entry: Entry, target: ProxyTarget): Promise<CachedOpenApiDocument | undefined> {
    try {
      return await fetchExtensionOpenApi(target, this.deps.identity, entry.group, entry.version, entry.openapi);
    } catch (e) {
      this.deps.log.debug('aggregated OpenAPI not downloaded', { apiservice: entry.name, error: e instanceof Error ? e.message : String(e) });
      return entry.openapi;
    }
  }

  private async writeCondition(store: Store, obj: KubeObject, c: { status: string; reason: string; message: string }): Promise<void> {
    const conditions = (asObj(obj.status).conditions as Obj[] | undefined) ?? [];
    const old = conditions.find((x) => x.type === 'Available');
    if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const name = obj.metadata.name ?? '';
    try {
      await store.update(
        undefined,
        name,
        (cur) => {
          if (!cur) throw errors.notFound('apiregistration.k8s.io', 'apiservices', name);
          const st = asObj(cur.status);
          const rest = ((st.conditions as Obj[] | undefined) ?? []).filter((x) => x.type !== 'Available');
          const prev = ((st.conditions as Obj[] | undefined) ?? []).find((x) => x.type === 'Available');
          const lastTransitionTime = prev && prev.status === c.status ? prev.lastTransitionTime : now;
          return { ...cur, status: { ...st, conditions: [...rest, { type: 'Available', status: c.status, lastTransitionTime, reason: c.reason, message: c.message }] } };
        },
        { subresource: 'status', retryOnConflict: true },
      );
    } catch (e) {
      this.deps.log.debug('apiservice status not written', { name: obj.metadata.name, error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** The aggregated group/version a path belongs to, when an APIService routes it elsewhere. */
  routes(path: string): boolean {
    const parts = path.split('/');
    return parts[1] === 'apis' && parts.length >= 4 && this.entries.has(`${parts[2]}/${parts[3]}`);
  }

  /** Forwards an authorized request; 503 Status while the APIService is unavailable. */
  async proxy(req: IncomingMessage, res: ServerResponse, path: string, user: UserInfo): Promise<void> {
    const parts = path.split('/');
    const entry = this.entries.get(`${parts[2]}/${parts[3]}`);
    if (!entry) throw errors.notFoundPath();
    const what = `${entry.version}.${entry.group}`;
    if (!entry.available || !entry.target) throw errors.unavailable(`the server is currently unable to handle the request (APIService ${what} is not available)`);
    try {
      // Connection: Upgrade (WebSocket, SPDY): a raw two-way stream once the extension has answered the handshake.
      const socket = res.socket;
      if (isUpgrade(req) && socket) await proxyUpgrade(req, res, socket, user, entry.target, this.deps.identity, what);
      else await proxyRequest(req, res, user, entry.target, this.deps.identity, what);
    } catch (e) {
      this.kick();
      throw e;
    }
  }

  /** `/openapi/v3` index entries of the available aggregated group versions whose document is cached. */
  openApiPaths(): Record<string, { serverRelativeURL: string }> {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const e of this.entries.values()) {
      if (!e.available || !e.openapi) continue;
      const p = `apis/${e.group}/${e.version}`;
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${e.openapi.hash}` };
    }
    return paths;
  }

  /** The cached OpenAPI v3 document of `apis/<group>/<version>` of an available APIService. */
  openApiDocument(path: string): { readonly hash: string; readonly body: string } | undefined {
    const parts = path.split('/');
    if (parts[0] !== 'apis' || parts.length !== 3) return undefined;
    const e = this.entries.get(`${parts[1]}/${parts[2]}`);
    return e?.available && e.openapi ? { hash: e.openapi.hash, body: e.openapi.body } : undefined;
  }

  /** Aggregated groups for legacy discovery: `{group, versions}` (preferred first). */
  groups(): { group: string; versions: string[] }[] {
    const byGroup = new Map<string, Entry[]>();
    for (const e of this.entries.values()) byGroup.set(e.group, [...(byGroup.get(e.group) ?? []), e]);
    return [...byGroup].map(([group, es]) => ({ group, versions: es.sort((a, b) => b.versionPriority - a.versionPriority).map((e) => e.version) }));
  }

  /** Legacy APIGroup entries of the aggregated groups. */
  legacyGroups(): { name: string }[] {
    return this.groups().map((g) => legacyApiGroup(g.group, g.versions));
  }

  /** The legacy APIGroup document of one aggregated group, if any. */
  legacyGroup(group: string): object | undefined {
    const g = this.groups().find((x) => x.group === group);
    return g ? { kind: 'APIGroup', apiVersion: 'v1', ...legacyApiGroup(g.group, g.versions) } : undefined;
  }

  /** APIGroupDiscovery items (apidiscovery.k8s.io) of the aggregated groups with a cached document. */
  aggregatedItems(): { metadata: { name: string } }[] {
    return this.groups().map(({ group, versions }) =>
      aggregatedGroup(
        group,
        versions.map((v) => {
          const e = this.entries.get(`${group}/${v}`)!;
          return { version: v, list: e.discovery, fresh: e.available };
        }),
      ),
    );
  }
}

function toEntry(obj: KubeObject, prev: Entry | undefined): Entry | undefined {
  const spec = asObj(obj.spec);
  const svc = asObj(spec.service);
  if (typeof svc.name !== 'string' || typeof spec.group !== 'string' || typeof spec.version !== 'string') return undefined;
  const caBundle = typeof spec.caBundle === 'string' && spec.caBundle ? Buffer.from(spec.caBundle, 'base64').toString('utf8') : undefined;
  return {
    name: obj.metadata.name ?? '',
    group: spec.group,
    version: spec.version,
    service: { namespace: typeof svc.namespace === 'string' ? svc.namespace : 'default', name: svc.name, port: typeof svc.port === 'number' ? svc.port : 443 },
    caPem: caBundle,
    insecureSkipTLSVerify: spec.insecureSkipTLSVerify === true,
    groupPriorityMinimum: typeof spec.groupPriorityMinimum === 'number' ? spec.groupPriorityMinimum : 0,
    versionPriority: typeof spec.versionPriority === 'number' ? spec.versionPriority : 0,
    available: prev?.available ?? false,
    discovery: prev?.discovery,
    openapi: prev?.openapi,
  };
}

function isUpgrade(req: IncomingMessage): boolean {
  const connection = String(req.headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim());
  return connection.includes('upgrade') && typeof req.headers.upgrade === 'string' && req.headers.upgrade !== '';
}
