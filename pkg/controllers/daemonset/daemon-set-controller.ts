// DaemonSets: one pod per eligible node. Node changes (labels, taints, new or gone nodes) enqueue
// every DaemonSet; pod events enqueue the owner (or the sets selecting an orphan). Each sync claims
// pods and revisions, then runs syncDaemonSet from the caches.
//
// Placement: upstream leaves binding to the scheduler (the pod's required node affinity names the
// node). k3ts also sets spec.nodeName directly by default, so daemon pods run whether or not a
// scheduler is running; `placeDirectly: false` restores the upstream behaviour.
import { fromLabelSelector, type LabelSelectorJson } from '../../api/selectors';
import type { KubeObject } from '../../api/types';
import { asObject } from '../../api/validation/json';
import { NAMESPACE_INDEX, objectKey } from '../../client/indexer';
import { RESOURCES } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { Expectations } from '../../controller/expectations';
import { controllerRef, controllerRefOf } from '../internal/pods';
import { claimOwned, freshOwnerCheck } from '../workloads/claim';
import { CONTROLLER_REVISIONS, type Revision } from '../workloads/controller-history';
import { syncDaemonSet, type FailedPodBackoff } from './daemon-set-sync';
import { DAEMONSETS, type DaemonSet } from './daemon-set-util';

export const DAEMONSET_CONTROLLER = 'daemonset';

export interface DaemonSetControllerOptions {
  /** Bind new daemon pods to their node at creation (default true; false = leave it to the scheduler). */
  readonly placeDirectly?: boolean;
}

export function daemonSetController(opts: DaemonSetControllerOptions = {}): (ctx: ControllerContext) => Controller {
  return (ctx) => {
    const daemonSets = ctx.informers.informerFor<DaemonSet>(DAEMONSETS);
    const pods = ctx.informers.informerFor(RESOURCES.pods);
    const nodes = ctx.informers.informerFor(RESOURCES.nodes);
    const revisions = ctx.informers.informerFor<Revision>(CONTROLLER_REVISIONS);
    const dsApi = ctx.client.resource<DaemonSet>(DAEMONSETS);
    const podsApi = ctx.client.resource(RESOURCES.pods);
    const revisionsApi = ctx.client.resource<Revision>(CONTROLLER_REVISIONS);
    const expectations = new Expectations(ctx.clock);
    const failedBackoff = new Map<string, FailedPodBackoff>();
    const deps = { daemonSets: dsApi, pods: podsApi, revisions: revisionsApi, clock: ctx.clock, log: ctx.log, expectations, failedBackoff, placeDirectly: opts.placeDirectly ?? true };
    const controller = new QueueController({ name: DAEMONSET_CONTROLLER, workers: 2, ctx, informers: [daemonSets, pods, nodes, revisions], reconcile });

    const selectorOf = (ds: KubeObject) => fromLabelSelector(asObject(ds.spec)?.selector as LabelSelectorJson | undefined);
    const resolve = (p: KubeObject) => {
      const ref = controllerRefOf(p);
      if (!ref || ref.kind !== 'DaemonSet') return undefined;
      const ds = daemonSets.indexer.getByName(p.metadata.namespace, ref.name);
      return ds && ds.metadata.uid === ref.uid ? ds : undefined;
    };
    const selecting = (p: KubeObject) =>
      daemonSets.indexer.byIndex(NAMESPACE_INDEX, p.metadata.namespace ?? '').filter((ds) => {
        try {
          const s = selectorOf(ds);
          return !s.empty && s.matches(p.metadata.labels);
        } catch {
          return false;
        }
      });
    const podGone = (p: KubeObject) => {
      const ds = resolve(p);
      if (!ds) return;
      expectations.deletionObserved(objectKey(ds), objectKey(p));
      controller.enqueue(ds);
    };
    const all = () => {
      for (const ds of daemonSets.indexer.list()) controller.enqueue(ds);
    };
    const nodeFacts = (n: KubeObject) => JSON.stringify([n.metadata.labels ?? {}, asObject(n.spec)?.taints ?? [], asObject(n.spec)?.unschedulable ?? false]);

    daemonSets.addEventHandler({ add: (ds) => controller.enqueue(ds), update: (_o, ds) => controller.enqueue(ds), delete: (ds) => expectations.delete(objectKey(ds)) });
    nodes.addEventHandler({
      add: all,
      update(old, n) {
        if (nodeFacts(old) !== nodeFacts(n)) all();
      },
      delete: all,
    });
    pods.addEventHandler({
      add(p) {
        if (p.metadata.deletionTimestamp) return podGone(p);
        const ds = resolve(p);
        if (ds) {
          expectations.creationObserved(objectKey(ds));
          return controller.enqueue(ds);
        }
        if (!controllerRefOf(p)) for (const x of selecting(p)) controller.enqueue(x);
      },
      update(old, p) {
        if (old.metadata.resourceVersion === p.metadata.resourceVersion) return;
        if (p.metadata.deletionTimestamp) return podGone(p);
        if (JSON.stringify(controllerRefOf(old)) !== JSON.stringify(controllerRefOf(p))) {
          const prev = resolve(old);
          if (prev) controller.enqueue(prev);
        }
        const ds = resolve(p);
        if (ds) return controller.enqueue(ds);
        if (!controllerRefOf(p)) for (const x of selecting(p)) controller.enqueue(x);
      },
      delete: podGone,
    });

    async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
      const ds = daemonSets.indexer.get(key);
      if (!ds) {
        expectations.delete(key);
        for (const k of failedBackoff.keys()) if (k.startsWith(`${key}/`)) failedBackoff.delete(k);
        return;
      }
      const selector = selectorOf(ds);
      if (selector.empty) {
        ctx.log.warn('daemonset has an empty selector; it selects everything and is left alone', { daemonset: key });
        return;
      }
      const satisfied = expectations.satisfied(key);
      const ns = ds.metadata.namespace ?? '';
      const canAdopt = freshOwnerCheck(dsApi, ds, signal);
      const ownerRef = controllerRef(ds, 'apps/v1', 'DaemonSet');
      const ownedRevisions = await claimOwned({ owner: ds, ownerRef, selector, api: revisionsApi, canAdopt, signal }, revisions.indexer.byIndex(NAMESPACE_INDEX, ns));
      const ownedPods = await claimOwned({ owner: ds, ownerRef, selector, api: podsApi, canAdopt, signal }, pods.indexer.byIndex(NAMESPACE_INDEX, ns));
      return syncDaemonSet(deps, key, ds, nodes.indexer.list(), ownedPods, ownedRevisions, satisfied, signal);
    }

    return controller;
  };
}
