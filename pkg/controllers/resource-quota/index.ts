// The API-server side of resource policy: LimitRange defaults and limits, then ResourceQuota
// enforcement, as admission plugins for the control plane (deps.admission), in that order.
import * as crypto from 'node:crypto';
import type { ResourceDef } from '../../api/resource-def';
import type { AdmissionPlugin } from '../../apiserver/authorization';
import { Store } from '../../apiserver/registry/store';
import { CacheGroup, StoreCache } from '../../auth/cache/store-cache';
import { silentLogger, type Logger } from '../../log/logger';
import type { Backend } from '../../storage/backend';
import { LimitRangerAdmission } from './limit-range-admission';
import { ResourceQuotaAdmission } from './quota-admission';

export { LimitRangerAdmission, ResourceQuotaAdmission };

export interface ResourcePolicyAdmissionDeps {
  readonly backend: Backend;
  /** The served resources (the limitranges and resourcequotas definitions are taken from here). */
  readonly resources: readonly ResourceDef[];
  readonly now?: () => Date;
  /**
   * When given, a watched cache tells which namespaces hold LimitRanges/ResourceQuotas, so a create
   * in a namespace without any costs no datastore read; it stops when the signal aborts.
   */
  readonly signal?: AbortSignal;
  readonly log?: Logger;
}

/** Namespaces that hold at least one object of a store, from a watched cache (undefined until listed). */
export type NamespaceHolds = (namespace: string) => boolean | undefined;

function namespacesHolding(stores: readonly Store[], signal: AbortSignal, log: Logger): NamespaceHolds[] {
  const caches = stores.map((s) => new StoreCache<string>(s, { project: (o) => String(o.metadata.namespace ?? ''), log }));
  const group = new CacheGroup(caches as StoreCache<unknown>[], { log });
  let synced = false;
  group.synced.then(() => (synced = true), () => undefined);
  group.start();
  signal.addEventListener('abort', () => void group.stop(), { once: true });
  return caches.map((c) => (ns: string) => {
    if (!synced) return undefined;
    for (const v of c.values()) if (v === ns) return true;
    return false;
  });
}

/** LimitRanger then ResourceQuota; none when the catalog lacks the resources. */
export function resourcePolicyAdmission(deps: ResourcePolicyAdmissionDeps): AdmissionPlugin[] {
  const now = deps.now ?? (() => new Date());
  const ctx = { backend: deps.backend, now, newUid: () => crypto.randomUUID(), random: Math.random };
  const def = (resource: string) => deps.resources.find((d) => d.group === '' && d.version === 'v1' && d.resource === resource && !d.storageResource);
  const limitRanges = def('limitranges');
  const quotas = def('resourcequotas');
  const out: AdmissionPlugin[] = [];
  const lrStore = limitRanges ? new Store(limitRanges, ctx) : undefined;
  const rqStore = quotas ? new Store(quotas, ctx) : undefined;
  const present = [lrStore, rqStore].filter((s): s is Store => s !== undefined);
  const holds = deps.signal ? namespacesHolding(present, deps.signal, deps.log ?? silentLogger()) : [];
  const holdsOf = (s: Store | undefined): NamespaceHolds => {
    const i = s ? present.indexOf(s) : -1;
    return holds[i] ?? (() => undefined);
  };
  if (lrStore) out.push(new LimitRangerAdmission(lrStore, holdsOf(lrStore)));
  if (rqStore) out.push(new ResourceQuotaAdmission(rqStore, now, holdsOf(rqStore)));
  return out;
}
