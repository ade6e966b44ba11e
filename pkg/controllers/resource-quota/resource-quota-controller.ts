// ResourceQuota usage: status.hard mirrors spec.hard and status.used sums what the namespace's
// objects cost (quota-usage). Pods, services and claims come from watched caches (their changes
// enqueue the namespace's quotas); other counted resources are listed (metadata only) on each
// sync, and quotas that count them are looked at again every half minute.
import type { KubeObject } from '../../api/types';
import { asObject } from '../../api/validation/json';
import { isNotFound } from '../../client/errors';
import { NAMESPACE_INDEX } from '../../client/indexer';
import { RESOURCES, type ResourceRef } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { PVCS } from '../statefulset/stateful-set-util';
import { formatUsage, resourceOfQuotaName, scopesMatch, usageOf } from './quota-usage';

export const RESOURCEQUOTA_CONTROLLER = 'resourcequota';
export const RESOURCE_QUOTAS: ResourceRef = Object.freeze({ group: '', version: 'v1', resource: 'resourcequotas', kind: 'ResourceQuota', namespaced: true });
const SERVICES: ResourceRef = Object.freeze({ group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true });
/** How often quotas that count unwatched resources are recomputed. */
const LIST_RESYNC_MS = 30_000;

export function resourceQuotaController(ctx: ControllerContext): Controller {
  const quotas = ctx.informers.informerFor(RESOURCE_QUOTAS);
  const watched = new Map([
    ['/pods', ctx.informers.informerFor(RESOURCES.pods)],
    ['/services', ctx.informers.informerFor(SERVICES)],
    ['/persistentvolumeclaims', ctx.informers.informerFor(PVCS)],
  ]);
  const api = ctx.client.resource(RESOURCE_QUOTAS);
  const controller = new QueueController({ name: RESOURCEQUOTA_CONTROLLER, workers: 2, ctx, informers: [quotas, ...watched.values()], reconcile });

  const forNamespace = (o: KubeObject) => {
    for (const q of quotas.indexer.byIndex(NAMESPACE_INDEX, o.metadata.namespace ?? '')) controller.enqueue(q);
  };
  // Admission charges status.used between syncs: such writes alone must not trigger a recount from
  // caches that may not show the admitted object yet (upstream enqueues only on changed limits).
  const hardOf = (q: KubeObject, where: 'spec' | 'status') => JSON.stringify(asObject(asObject(q[where])?.hard) ?? {});
  quotas.addEventHandler({
    add: (q) => controller.enqueue(q),
    update(old, q) {
      if (old === q || hardOf(old, 'spec') !== hardOf(q, 'spec') || hardOf(q, 'spec') !== hardOf(q, 'status')) controller.enqueue(q);
    },
  });
  for (const inf of watched.values()) {
    inf.addEventHandler({
      add: forNamespace,
      update(old, o) {
        if (old.metadata.resourceVersion !== o.metadata.resourceVersion) forNamespace(o);
      },
      delete: forNamespace,
    });
  }

  async function objectsOf(group: string, resource: string, namespace: string, signal: AbortSignal): Promise<readonly KubeObject[] | undefined> {
    const inf = watched.get(`${group}/${resource}`);
    if (inf) return inf.indexer.byIndex(NAMESPACE_INDEX, namespace);
    const served = ctx.resources.find((r) => r.group === group && r.resource === resource && r.preferred && r.namespaced && r.verbs.includes('list'));
    if (!served) return undefined;
    return (await ctx.client.resource(served).listAll(namespace, { metadataOnly: true, signal })).items;
  }

  async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const quota = quotas.indexer.get(key);
    if (!quota || quota.metadata.deletionTimestamp) return;
    const ns = quota.metadata.namespace ?? '';
    const hard = (asObject(asObject(quota.spec)?.hard) ?? {}) as Record<string, string>;
    const now = ctx.clock.now();
    const used: Record<string, string> = {};
    const cache = new Map<string, readonly KubeObject[] | undefined>();
    let listed = false;
    for (const name of Object.keys(hard)) {
      const gr = resourceOfQuotaName(name);
      let total = 0n;
      if (gr) {
        const k = `${gr.group}/${gr.resource}`;
        if (!cache.has(k)) {
          if (!watched.has(k)) listed = true;
          cache.set(k, await objectsOf(gr.group, gr.resource, ns, signal));
        }
        for (const o of cache.get(k) ?? []) if (scopesMatch(quota, gr.group, gr.resource, o)) total += usageOf(gr.group, gr.resource, o, now).get(name) ?? 0n;
      }
      used[name] = formatUsage(name, total);
    }
    const st = { ...(asObject(quota.status) ?? {}), hard: { ...hard }, used };
    if (JSON.stringify(st) !== JSON.stringify(asObject(quota.status) ?? {})) {
      try {
        await api.updateStatus({ ...quota, status: st }, { signal });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    if (listed) return { requeueAfterMs: LIST_RESYNC_MS };
  }

  return controller;
}
