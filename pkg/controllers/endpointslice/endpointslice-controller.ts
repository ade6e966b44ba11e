// The EndpointSlice controller (discovery.k8s.io/v1): for each Service with a selector, slices
// listing the selected pods with ready/serving/terminating conditions (slice-planner.ts decides the
// writes). Slices it made carry `endpointslice.kubernetes.io/managed-by` and
// `kubernetes.io/service-name` and are owned by the Service. A write it made but its cache has not
// yet seen holds the Service back, so a stale cache never makes it create a slice twice.
import type { KubeObject } from '../../api/types';
import { asObject } from '../../api/validation/json';
import { isConflict, isNotFound } from '../../client/errors';
import { NAMESPACE_INDEX, splitKey } from '../../client/indexer';
import { RESOURCES } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext, type ControllerFactory } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { enqueueServicesAndSelectingPods, selectedPods, serviceSelector } from '../endpoints/pod-endpoints';
import { DEFAULT_MAX_ENDPOINTS_PER_SLICE, ENDPOINTSLICE_CONTROLLER_NAME, MANAGED_BY_LABEL, planSlices, SERVICE_NAME_LABEL } from './slice-planner';

export const ENDPOINTSLICE_CONTROLLER = 'endpointslice';

export interface EndpointSliceControllerOptions {
  /** Upstream's --max-endpoints-per-slice (default 100). */
  readonly maxEndpointsPerSlice?: number;
}

/** How long a write may stay unseen by the cache before it is no longer waited for. */
const WRITE_VISIBILITY_MS = 30_000;

export function endpointSliceController(opts: EndpointSliceControllerOptions = {}): ControllerFactory {
  const maxPerSlice = opts.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  return (ctx: ControllerContext): Controller => {
    const services = ctx.informers.informerFor(RESOURCES.services);
    const pods = ctx.informers.informerFor(RESOURCES.pods);
    const slices = ctx.informers.informerFor(RESOURCES.endpointslices, { labelSelector: `${MANAGED_BY_LABEL}=${ENDPOINTSLICE_CONTROLLER_NAME}` });
    const api = ctx.client.resource(RESOURCES.endpointslices);
    const controller = new QueueController({ name: ENDPOINTSLICE_CONTROLLER, workers: 5, ctx, informers: [services, pods, slices], reconcile });
    /** service key → slice name → the resourceVersion written (or 'deleted') and when. */
    const written = new Map<string, Map<string, { rv: number | 'deleted'; at: number }>>();

    enqueueServicesAndSelectingPods(services, pods, controller);
    const onSlice = (s: KubeObject) => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc) controller.queue.add(`${s.metadata.namespace}/${svc}`);
    };
    slices.addEventHandler({ add: onSlice, update: (_o, s) => onSlice(s), delete: onSlice });

    const mineFor = (namespace: string, name: string) => slices.indexer.byIndex(NAMESPACE_INDEX, namespace).filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name);

    /** True while a write of ours for `key` is not in the cache yet. */
    function stale(key: string, namespace: string): boolean {
      const w = written.get(key);
      if (!w) return false;
      const now = ctx.clock.now();
      for (const [name, { rv, at }] of w) {
        const cached = slices.indexer.getByName(namespace, name);
        const seen = rv === 'deleted' ? !cached : cached !== undefined && Number(cached.metadata.resourceVersion) >= rv;
        if (seen || now - at > WRITE_VISIBILITY_MS) w.delete(name);
      }
      if (w.size === 0) written.delete(key);
      return w.size > 0;
    }

    function record(key: string, name: string, rv: number | 'deleted'): void {
      let w = written.get(key);
      if (!w) written.set(key, (w = new Map()));
      w.set(name, { rv, at: ctx.clock.now() });
    }

    async function remove(key: string, slice: KubeObject, signal: AbortSignal): Promise<void> {
      try {
        await api.delete(slice.metadata.namespace, String(slice.metadata.name), { preconditions: { uid: slice.metadata.uid }, signal });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
      record(key, String(slice.metadata.name), 'deleted');
    }

    async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      if (stale(key, namespace)) return { requeueAfterMs: 1000 };
      const svc = services.indexer.get(key);
      const mine = mineFor(namespace, name);
      if (!svc || asObject(svc.spec)?.type === 'ExternalName') {
        for (const s of mine) await remove(key, s, signal);
        return;
      }
      if (!serviceSelector(svc)) return;
      const plan = planSlices(svc, selectedPods(svc, pods.indexer), mine, maxPerSlice);
      // Creates, then updates, then deletes: endpoints move into their new slice before leaving the old.
      for (const s of plan.create) {
        const created = await api.create(s, { signal });
        record(key, String(created.metadata.name), Number(created.metadata.resourceVersion));
      }
      for (const s of plan.update) {
        const updated = await api.update(s, { signal });
        record(key, String(updated.metadata.name), Number(updated.metadata.resourceVersion));
      }
      for (const s of plan.delete) await remove(key, s, signal);
      if (plan.create.length || plan.update.length || plan.delete.length) {
        ctx.log.debug('synced endpoint slices', { service: key, created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length });
      }
    }

    return controller;
  };
}
