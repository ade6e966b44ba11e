// StatefulSets: claim the pods (named `<set>-<ordinal>`) and ControllerRevisions the set selects,
// then one syncStatefulSet per key. Pod events enqueue the owning set (or, for orphans, the sets
// that select them); claims and revisions are read from their caches.
import { fromLabelSelector, type LabelSelectorJson } from '../../api/selectors';
import type { KubeObject } from '../../api/types';
import { asObject } from '../../api/validation/json';
import { NAMESPACE_INDEX, objectKey } from '../../client/indexer';
import { RESOURCES } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { controllerRef, controllerRefOf, isPodReady } from '../internal/pods';
import { claimOwned, freshOwnerCheck } from '../workloads/claim';
import { CONTROLLER_REVISIONS, type Revision } from '../workloads/controller-history';
import { syncStatefulSet } from './stateful-set-control';
import { PVCS, STATEFULSETS, minReadySeconds, ordinalOf, type StatefulSet } from './stateful-set-util';

export const STATEFULSET_CONTROLLER = 'statefulset';

export function statefulSetController(ctx: ControllerContext): Controller {
  const sets = ctx.informers.informerFor<StatefulSet>(STATEFULSETS);
  const pods = ctx.informers.informerFor(RESOURCES.pods);
  const revisions = ctx.informers.informerFor<Revision>(CONTROLLER_REVISIONS);
  const claims = ctx.informers.informerFor(PVCS);
  const setsApi = ctx.client.resource<StatefulSet>(STATEFULSETS);
  const podsApi = ctx.client.resource(RESOURCES.pods);
  const revisionsApi = ctx.client.resource<Revision>(CONTROLLER_REVISIONS);
  const deps = {
    sets: setsApi,
    pods: podsApi,
    claims: ctx.client.resource(PVCS),
    revisions: revisionsApi,
    cachedClaim: (ns: string, name: string) => claims.indexer.getByName(ns, name),
    clock: ctx.clock,
    log: ctx.log,
  };
  const controller = new QueueController({ name: STATEFULSET_CONTROLLER, workers: 5, ctx, informers: [sets, pods, revisions, claims], reconcile });

  const selectorOf = (s: KubeObject) => fromLabelSelector(asObject(s.spec)?.selector as LabelSelectorJson | undefined);
  const resolve = (o: KubeObject) => {
    const ref = controllerRefOf(o);
    if (!ref || ref.kind !== 'StatefulSet') return undefined;
    const s = sets.indexer.getByName(o.metadata.namespace, ref.name);
    return s && s.metadata.uid === ref.uid ? s : undefined;
  };
  const selecting = (o: KubeObject) =>
    sets.indexer.byIndex(NAMESPACE_INDEX, o.metadata.namespace ?? '').filter((s) => {
      try {
        const sel = selectorOf(s);
        return !sel.empty && sel.matches(o.metadata.labels);
      } catch {
        return false;
      }
    });
  const enqueueFor = (o: KubeObject) => {
    const s = resolve(o);
    if (s) return controller.enqueue(s);
    if (!controllerRefOf(o)) for (const x of selecting(o)) controller.enqueue(x);
  };

  sets.addEventHandler({ add: (s) => controller.enqueue(s), update: (_o, s) => controller.enqueue(s), delete: (s) => controller.enqueue(s) });
  pods.addEventHandler({
    add: enqueueFor,
    update(old, pod) {
      if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
      if (JSON.stringify(controllerRefOf(old)) !== JSON.stringify(controllerRefOf(pod))) enqueueFor(old);
      enqueueFor(pod);
      // A pod that became ready becomes available minReadySeconds later.
      const s = resolve(pod);
      if (s && minReadySeconds(s) > 0 && !isPodReady(old) && isPodReady(pod)) controller.queue.addAfter(objectKey(s), minReadySeconds(s) * 1000 + 1);
    },
    delete: enqueueFor,
  });

  async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const set = sets.indexer.get(key);
    if (!set) return;
    const selector = selectorOf(set);
    if (selector.empty) {
      ctx.log.warn('statefulset has an empty selector; it selects everything and is left alone', { statefulset: key });
      return;
    }
    const ns = set.metadata.namespace ?? '';
    const canAdopt = freshOwnerCheck(setsApi, set, signal);
    const ownerRef = controllerRef(set, 'apps/v1', 'StatefulSet');
    const ownedRevisions = await claimOwned({ owner: set, ownerRef, selector, api: revisionsApi, canAdopt, signal }, revisions.indexer.byIndex(NAMESPACE_INDEX, ns));
    // Only pods named after the set are adopted.
    const ownedPods = await claimOwned({ owner: set, ownerRef, selector, api: podsApi, canAdopt, adoptable: (p) => ordinalOf(set, p) >= 0, signal }, pods.indexer.byIndex(NAMESPACE_INDEX, ns));
    return syncStatefulSet(deps, set, ownedPods, ownedRevisions, signal);
  }

  return controller;
}
