// Serving CustomResourceDefinitions: a level-triggered loop over the CRDs in storage that accepts
// their names, registers the resources of their served versions in the catalog (routing,
// discovery, OpenAPI) with a generic Store each (converting through the CRD's webhook under
// strategy Webhook), sets NamesAccepted/Established, and on deletion removes every custom object
// before it lets the CRD go (customresourcecleanup finalizer).
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';
import type { CatalogView } from '../apiserver/catalog-view';
import { ApiError } from '../apiserver/errors';
import { Store, type StoreContext } from '../apiserver/registry/store';
import type { Logger } from '../log/logger';
import { CrdConversions } from './crd-conversion';
import { checkNames } from './crd-names';
import { customResourceDefs, type CustomResourceInfo } from './custom-resource-def';
import { ApiextensionsError } from './errors';
import { CLEANUP_FINALIZER, CRD_GROUP, type CrdCondition, type CustomResourceDefinition } from './types';

export interface CustomResourcesDeps {
  readonly catalog: CatalogView;
  /** The server's store map; stores of custom resources are added to and removed from it. */
  readonly stores: Map<ResourceDef, Store>;
  readonly storeContext: StoreContext;
  readonly log: Logger;
  readonly compareVersions: (a: string, b: string) => number;
  /** Delay before a CRD whose objects are still going away is looked at again. */
  readonly retryDelayMs?: number;
  readonly setTimeout?: (fn: () => void, ms: number) => unknown;
  /** Seconds per conversion webhook call (upstream's 30 when absent). */
  readonly conversionTimeoutSeconds?: number;
}

interface Served {
  readonly generation: number;
  readonly defs: readonly ResourceDef[];
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class CustomResources {
  private readonly infos = new WeakMap<ResourceDef, CustomResourceInfo>();
  /** Per served definition: aborted when it stops being served, which ends its open watches. */
  private readonly ends = new WeakMap<ResourceDef, AbortController>();
  private readonly served = new Map<string, Served>();
  private readonly pending = new Set<string>();
  /** CRDs being deleted: their objects may no longer be created. */
  private readonly terminating = new Set<string>();
  private draining = false;
  private readonly crdStore: Store;
  private readonly builtins: readonly ResourceDef[];
  private readonly conversions: CrdConversions;
  /** Bumped whenever the set of served custom resources changes (OpenAPI document hashes). */
  stamp = 0;

  constructor(private readonly deps: CustomResourcesDeps) {
    const entry = [...deps.stores].find(([d]) => d.group === CRD_GROUP && d.resource === 'customresourcedefinitions');
    if (!entry) throw new ApiextensionsError('crd-store-missing', 'the catalog serves no apiextensions.k8s.io customresourcedefinitions; expected the apiextensions-v1 module');
    this.crdStore = entry[1];
    this.builtins = [...deps.catalog.resources];
    this.conversions = new CrdConversions({ stores: deps.stores, newUid: deps.storeContext.newUid, ...(deps.conversionTimeoutSeconds !== undefined ? { timeoutSeconds: deps.conversionTimeoutSeconds } : {}) });
  }

  /** The custom-resource extras of a served definition; undefined for built-in resources. */
  info(def: ResourceDef): CustomResourceInfo | undefined {
    return this.infos.get(def);
  }

  /** Aborts once `def` is no longer served; undefined for built-in resources. */
  servingEnded(def: ResourceDef): AbortSignal | undefined {
    return this.ends.get(def)?.signal;
  }

  /** Served definitions of custom resources, by CRD name. */
  servedDefs(): ReadonlyMap<string, readonly ResourceDef[]> {
    return new Map([...this.served].map(([k, v]) => [k, v.defs]));
  }

  /** Lists the CRDs, serves them, then follows changes until `signal` aborts. Resolves once the initial set is served. */
  async start(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.conversions.stop(), { once: true });
    const list = await this.crdStore.backendList(this.crdStore.prefix(), {});
    for (const kv of list.kvs) this.pending.add(kv.key.slice(this.crdStore.prefixRoot.length));
    await this.drain();
    void this.follow(list.revision + 1, signal);
  }

  private async follow(fromRevision: number, signal: AbortSignal): Promise<void> {
    try {
      for await (const batch of this.crdStore.backendWatch(this.crdStore.prefix(), fromRevision, signal)) {
        for (const ev of batch) this.enqueue(ev.kv.key.slice(this.crdStore.prefixRoot.length));
      }
    } catch (e) {
      if (!signal.aborted) this.deps.log.error('watching CustomResourceDefinitions failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private enqueue(name: string): void {
    this.pending.add(name);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.size > 0) {
        const name = this.pending.values().next().value as string;
        this.pending.delete(name);
        try {
          const again = await this.reconcile(name);
          if (again) (this.deps.setTimeout ?? setTimeout)(() => this.enqueue(name), this.deps.retryDelayMs ?? 500);
        } catch (e) {
          this.deps.log.warn('reconciling CustomResourceDefinition failed; retrying', { name, error: e instanceof Error ? e.message : String(e) });
          (this.deps.setTimeout ?? setTimeout)(() => this.enqueue(name), this.deps.retryDelayMs ?? 500);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async allCrds(): Promise<CustomResourceDefinition[]> {
    const list = await this.crdStore.backendList(this.crdStore.prefix(), {});
    return list.kvs.map((kv) => this.crdStore.decode(kv) as CustomResourceDefinition);
  }

  /** Brings serving in line with the stored CRD `name`; true when it must be looked at again later. */
  private async reconcile(name: string): Promise<boolean> {
    let crd: CustomResourceDefinition;
    try {
      crd = (await this.crdStore.get(undefined, name)) as CustomResourceDefinition;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) {
        this.unserve(name);
        return false;
      }
      throw e;
    }
    if (crd.metadata.deletionTimestamp) return this.finalize(crd);
    const verdict = checkNames(crd, (await this.allCrds()).filter((c) => this.served.has(String(c.metadata.name))), this.builtins);
    if (verdict.accepted) this.serve(crd);
    else this.unserve(name);
    await this.writeStatus(crd, [
      { type: 'NamesAccepted', status: verdict.accepted ? 'True' : 'False', reason: verdict.reason, message: verdict.message },
      verdict.accepted ? { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' } : { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' },
    ], verdict.accepted);
    return false;
  }

  private serve(crd: CustomResourceDefinition): void {
    const name = String(crd.metadata.name);
    const generation = Number(crd.metadata.generation ?? 1);
    const current = this.served.get(name);
    if (current && current.generation === generation) return;
    const defs = customResourceDefs(crd, this.infos, this.deps.compareVersions, () => this.terminating.has(name));
    if (current) this.dropDefs(current.defs);
    this.deps.catalog.add(defs);
    const webhook = this.conversions.webhookFor(crd);
    for (const d of defs) {
      this.deps.stores.set(d, new Store(d, this.conversions.storeContext(crd, d, this.deps.storeContext, webhook)));
      this.ends.set(d, new AbortController());
    }
    this.served.set(name, { generation, defs });
    this.stamp++;
    this.deps.log.info('serving custom resource', { crd: name, versions: defs.map((d) => d.version).join(',') });
  }

  private dropDefs(defs: readonly ResourceDef[]): void {
    this.deps.catalog.remove(defs);
    for (const d of defs) {
      this.deps.stores.delete(d);
      this.ends.get(d)?.abort();
    }
  }

  private unserve(name: string): void {
    const current = this.served.get(name);
    if (!current) return;
    this.dropDefs(current.defs);
    this.served.delete(name);
    this.terminating.delete(name);
    this.stamp++;
    this.deps.log.info('stopped serving custom resource', { crd: name });
  }

  private async writeStatus(crd: CustomResourceDefinition, conditions: readonly CrdCondition[], accepted: boolean): Promise<void> {
    const now = rfc3339(this.deps.storeContext.now());
    const old = crd.status?.conditions ?? [];
    const merged: CrdCondition[] = [...old.filter((c) => !conditions.some((n) => n.type === c.type))];
    for (const c of conditions) {
      const prev = old.find((o) => o.type === c.type);
      merged.push({ ...c, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime ?? now : now });
    }
    const acceptedNames = accepted ? { ...crd.spec.names } : crd.status?.acceptedNames;
    const same = JSON.stringify(merged.map(({ lastTransitionTime: _t, ...c }) => c)) === JSON.stringify(old.map(({ lastTransitionTime: _t, ...c }) => c)) && JSON.stringify(acceptedNames) === JSON.stringify(crd.status?.acceptedNames);
    if (same) return;
    await this.crdStore.update(
      undefined,
      String(crd.metadata.name),
      (cur) => {
        if (!cur) throw new ApiError(404, 'NotFound', `customresourcedefinitions.apiextensions.k8s.io "${String(crd.metadata.name)}" not found`);
        return { ...cur, status: { ...(cur.status as object), conditions: merged, ...(acceptedNames ? { acceptedNames } : {}) } };
      },
      { subresource: 'status', retryOnConflict: true },
    );
  }

  /** Deletes the CRD's custom objects; once none is left, drops the cleanup finalizer and stops serving. */
  private async finalize(crd: CustomResourceDefinition): Promise<boolean> {
    const name = String(crd.metadata.name);
    if (!(crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) return false;
    this.terminating.add(name);
    await this.writeStatus(crd, [{ type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }], true);
    const defs = this.served.get(name)?.defs ?? customResourceDefs(crd, this.infos, this.deps.compareVersions);
    const def = defs[0];
    if (def) {
      // Under webhook conversion the objects are deleted as stored, without calling the webhook
      // (a webhook already gone must not keep the CRD from going away).
      const raw = crd.spec.conversion?.strategy === 'Webhook';
      const store = (raw ? undefined : this.deps.stores.get(def)) ?? new Store(raw ? { ...def, strategy: {} } : def, this.deps.storeContext);
      const list = await store.backendList(store.prefix(), {});
      let remaining = 0;
      for (const kv of list.kvs) {
        const obj = store.decode(kv);
        try {
          const r = await store.delete(obj.metadata.namespace, String(obj.metadata.name), { propagationPolicy: 'Background' });
          if (!r.deleted) remaining++;
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
      if (remaining > 0) return true;
    }
    this.unserve(name);
    await this.crdStore.update(undefined, name, (cur) => {
      if (!cur) throw new ApiError(404, 'NotFound', `customresourcedefinitions.apiextensions.k8s.io "${name}" not found`);
      const meta = { ...cur.metadata, finalizers: (cur.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER) };
      return { ...cur, metadata: meta } as KubeObject;
    }, { retryOnConflict: true });
    return false;
  }
}
