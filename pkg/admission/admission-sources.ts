// What policies and webhooks read while admitting, kept in memory: the admission configuration
// objects and namespaces from watched caches (a request costs no datastore read), parameter
// objects from caches started on first use per parameter kind, Services/EndpointSlices read on
// demand to find a webhook's address, and the kept-alive connections to webhooks.
import * as crypto from 'node:crypto';
import * as https from 'node:https';
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';
import { asArray, asObject, asString } from '../api/validation/json';
import { labelSelectorMatches } from '../api/validation/labels';
import { Store } from '../apiserver/registry/store';
import { CacheGroup, StoreCache } from '../auth/cache/store-cache';
import type { Logger } from '../log/logger';
import type { Backend } from '../storage/backend';
import type { Authorizer } from '../apiserver/authorization';
import { equivalentResources } from './equivalent-resources';

export interface AdmissionSourcesDeps {
  readonly backend: Backend;
  readonly resources: readonly ResourceDef[];
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** What CEL's `authorizer` asks (absent: the variable is null). */
  readonly authorizer?: Authorizer;
}

export type ConfigKind =
  | 'validatingadmissionpolicies'
  | 'validatingadmissionpolicybindings'
  | 'mutatingadmissionpolicies'
  | 'mutatingadmissionpolicybindings'
  | 'validatingwebhookconfigurations'
  | 'mutatingwebhookconfigurations';

const CONFIG_KINDS: readonly ConfigKind[] = [
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
];

/** A parameter lookup's answer: the objects found (possibly none). */
export interface ParamLookup {
  readonly found: readonly KubeObject[];
}

export class AdmissionSources {
  private readonly caches = new Map<string, StoreCache<KubeObject>>();
  private readonly paramCaches = new Map<ResourceDef, StoreCache<KubeObject>>();
  private readonly stores = new Map<ResourceDef, Store>();
  private readonly group: CacheGroup;
  /** Sorted lists and bindings by policy name, rebuilt after a change of their cache. */
  private readonly sorted = new Map<string, KubeObject[]>();
  private readonly byPolicy = new Map<string, Map<string, KubeObject[]>>();
  private readonly equivalentsByDef = new WeakMap<ResourceDef, Map<string, readonly ResourceDef[]>>();
  readonly synced: Promise<void>;
  readonly authorizer: Authorizer | undefined;
  /** Keeps connections to webhooks open between calls (one per address, CA and server name). */
  readonly webhookAgent = new https.Agent({ keepAlive: true, maxSockets: 32 });

  constructor(private readonly deps: AdmissionSourcesDeps) {
    this.authorizer = deps.authorizer;
    const wanted: Array<[string, ResourceDef | undefined]> = [
      ...CONFIG_KINDS.map((k): [string, ResourceDef | undefined] => [k, this.def('admissionregistration.k8s.io', 'v1', k)]),
      ['namespaces', this.def('', 'v1', 'namespaces')],
    ];
    for (const [k, d] of wanted) {
      if (!d) continue;
      const cache = this.newCache(d);
      cache.subscribe(() => {
        this.sorted.delete(k);
        this.byPolicy.delete(k);
      });
      this.caches.set(k, cache);
    }
    this.group = new CacheGroup([...this.caches.values()] as StoreCache<unknown>[], { log: deps.log });
    this.synced = this.group.synced;
    this.group.start();
    deps.signal.addEventListener('abort', () => void this.stop(), { once: true });
  }

  private def(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.deps.resources.find((d) => d.group === group && d.version === version && d.resource === resource && !d.storageResource);
  }

  private store(def: ResourceDef): Store {
    let s = this.stores.get(def);
    if (!s) this.stores.set(def, (s = new Store(def, { backend: this.deps.backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random })));
    return s;
  }

  private newCache(def: ResourceDef): StoreCache<KubeObject> {
    return new StoreCache<KubeObject>(this.store(def), { project: (o) => o, log: this.deps.log });
  }

  private async stop(): Promise<void> {
    this.webhookAgent.destroy();
    await this.group.stop();
    await Promise.all([...this.paramCaches.values()].map((c) => c.stop()));
  }

  /** The configuration objects of one kind, sorted by name (upstream's evaluation order). */
  configs(kind: ConfigKind): readonly KubeObject[] {
    let list = this.sorted.get(kind);
    if (!list) {
      const byName = (o: KubeObject) => String(o.metadata.name);
      list = [...(this.caches.get(kind)?.values() ?? [])].sort((a, b) => (byName(a) < byName(b) ? -1 : byName(a) > byName(b) ? 1 : 0));
      this.sorted.set(kind, list);
    }
    return list;
  }

  /** The bindings (sorted by name) whose spec.policyName is `policy`. */
  bindingsOf(kind: 'validatingadmissionpolicybindings' | 'mutatingadmissionpolicybindings', policy: string): readonly KubeObject[] {
    let index = this.byPolicy.get(kind);
    if (!index) {
      index = new Map();
      for (const b of this.configs(kind)) {
        const name = asString(asObject(b.spec)?.policyName) ?? '';
        index.set(name, [...(index.get(name) ?? []), b]);
      }
      this.byPolicy.set(kind, index);
    }
    return index.get(policy) ?? [];
  }

  /** The served resources equivalent to `def` (same storage and kind) serving `subresource` (matchPolicy Equivalent). */
  readonly equivalents = (def: ResourceDef, subresource: string): readonly ResourceDef[] => {
    let bySub = this.equivalentsByDef.get(def);
    if (!bySub) this.equivalentsByDef.set(def, (bySub = new Map()));
    let list = bySub.get(subresource);
    if (!list) bySub.set(subresource, (list = equivalentResources(this.deps.resources, def, subresource)));
    return list;
  };

  namespace(name: string): KubeObject | undefined {
    return name ? this.caches.get('namespaces')?.get(name) : undefined;
  }

  /** The served resource of a paramKind (`apiVersion` + `kind`). */
  paramDef(paramKind: { apiVersion?: string; kind?: string }): ResourceDef | undefined {
    const [g, v] = (paramKind.apiVersion ?? '').includes('/') ? paramKind.apiVersion!.split('/') : ['', paramKind.apiVersion ?? ''];
    return this.deps.resources.find((d) => d.group === g && d.version === v && d.kind === paramKind.kind && !d.storageResource);
  }

  /** Parameter objects by name or label selector, from a watched cache of the kind. */
  async params(def: ResourceDef, namespace: string, name: string | undefined, selector: unknown): Promise<ParamLookup> {
    let cache = this.paramCaches.get(def);
    if (!cache) {
      cache = this.newCache(def);
      this.paramCaches.set(def, cache);
      cache.start();
      if (this.deps.signal.aborted) void cache.stop();
    }
    await cache.synced;
    if (name !== undefined) {
      const o = cache.get(def.namespaced ? `${namespace}/${name}` : name);
      return { found: o ? [o] : [] };
    }
    const found = [...cache.values()].filter((o) => (!def.namespaced || o.metadata.namespace === namespace) && labelSelectorMatches(selector ?? {}, o.metadata.labels ?? {}));
    return { found };
  }

  /**
   * The address of a webhook's Service port: a ready endpoint of its EndpointSlices (as the API
   * server's endpoint routing does), else the Service's ClusterIP.
   */
  async serviceAddress(namespace: string, name: string, port: number): Promise<{ host: string; port: number }> {
    const svcDef = this.def('', 'v1', 'services');
    const sliceDef = this.def('discovery.k8s.io', 'v1', 'endpointslices');
    if (!svcDef) throw new Error(`service "${name}" not found`);
    const svcStore = this.store(svcDef);
    const svc = (await svcStore.getKv(namespace, name)) ? await svcStore.get(namespace, name) : undefined;
    if (!svc) throw new Error(`service "${name}" not found`);
    const spec = asObject(svc.spec) ?? {};
    const svcPort = (asArray(spec.ports) ?? []).map(asObject).find((p) => p?.port === port);
    if (!svcPort) throw new Error(`service "${name}" has no port ${port}`);
    const portName = asString(svcPort.name) ?? '';
    if (sliceDef) {
      const store = this.store(sliceDef);
      const page = await store.backendList(store.prefix(namespace), {});
      for (const kv of page.kvs) {
        const slice = store.decode(kv);
        if (slice.metadata.labels?.['kubernetes.io/service-name'] !== name) continue;
        const p = (asArray(slice.ports) ?? []).map(asObject).find((x) => (asString(x?.name) ?? '') === portName);
        const target = typeof p?.port === 'number' ? p.port : undefined;
        if (target === undefined) continue;
        for (const ep of asArray(slice.endpoints) ?? []) {
          const e = asObject(ep);
          if (asObject(e?.conditions)?.ready === false) continue;
          const addr = asString((asArray(e?.addresses) ?? [])[0]);
          if (addr) return { host: addr, port: target };
        }
      }
    }
    const clusterIP = asString(spec.clusterIP);
    if (clusterIP && clusterIP !== 'None') return { host: clusterIP, port };
    throw new Error(`service "${name}" has no ready endpoints`);
  }
}
