// Deployments: claim the ReplicaSets they select (adopting orphans, releasing those that stop
// matching), then one DeploymentRollout sync per key — status only while being deleted, scaling
// only while paused or when spec.replicas changed, otherwise a RollingUpdate or Recreate step.
import type { KubeObject } from '../../api/types';
import { fromLabelSelector, type LabelSelector, type LabelSelectorJson } from '../../api/selectors';
import { isConflict, isInvalid, isNotFound } from '../../client/errors';
import { NAMESPACE_INDEX } from '../../client/indexer';
import { RESOURCES } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { controllerRef, controllerRefOf, int } from '../internal/pods';
import { isRollingUpdate, spec, status, type Obj } from './deployment-util';
import { DeploymentRollout } from './rollout';

export const DEPLOYMENT_CONTROLLER = 'deployment';

const selectorOf = (d: KubeObject): LabelSelector => fromLabelSelector(spec(d).selector as LabelSelectorJson | undefined);

export function deploymentController(ctx: ControllerContext): Controller {
  const deployments = ctx.informers.informerFor<Obj>(RESOURCES.deployments);
  const replicaSets = ctx.informers.informerFor<Obj>(RESOURCES.replicasets);
  const pods = ctx.informers.informerFor(RESOURCES.pods);
  const dApi = ctx.client.resource<Obj>(RESOURCES.deployments);
  const rsApi = ctx.client.resource<Obj>(RESOURCES.replicasets);
  const controller = new QueueController({ name: DEPLOYMENT_CONTROLLER, workers: 5, ctx, informers: [deployments, replicaSets, pods], reconcile });

  const ownerOf = (rs: KubeObject): Obj | undefined => {
    const ref = controllerRefOf(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = deployments.indexer.getByName(rs.metadata.namespace, ref.name);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  };
  const selecting = (rs: KubeObject) =>
    deployments.indexer.byIndex(NAMESPACE_INDEX, rs.metadata.namespace ?? '').filter((d) => {
      try {
        const s = selectorOf(d);
        return !s.empty && s.matches(rs.metadata.labels);
      } catch {
        return false;
      }
    });
  const enqueueOwner = (rs: KubeObject) => {
    const d = ownerOf(rs);
    if (d) controller.enqueue(d);
    return d;
  };

  deployments.addEventHandler({ add: (d) => controller.enqueue(d), update: (_o, d) => controller.enqueue(d), delete: (d) => controller.enqueue(d) });
  replicaSets.addEventHandler({
    add(rs) {
      if (!enqueueOwner(rs) && !controllerRefOf(rs)) for (const d of selecting(rs)) controller.enqueue(d);
    },
    update(old, rs) {
      if (old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
      if (JSON.stringify(controllerRefOf(old)) !== JSON.stringify(controllerRefOf(rs))) enqueueOwner(old);
      if (enqueueOwner(rs)) return;
      const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(rs.metadata.labels ?? {});
      if (!controllerRefOf(rs) && labelsChanged) for (const d of selecting(rs)) controller.enqueue(d);
    },
    delete: (rs) => void enqueueOwner(rs),
  });
  // Recreate waits for the old pods to be gone.
  pods.addEventHandler({
    delete(pod) {
      const ref = controllerRefOf(pod);
      const rs = ref?.kind === 'ReplicaSet' ? replicaSets.indexer.getByName(pod.metadata.namespace, ref.name) : undefined;
      const d = rs && ownerOf(rs);
      if (d && !isRollingUpdate(d)) controller.enqueue(d);
    },
  });

  async function patchRs(rs: Obj, ops: unknown[], signal: AbortSignal): Promise<Obj | undefined> {
    try {
      return await rsApi.patch(rs.metadata.namespace, String(rs.metadata.name), 'json', ops, { signal });
    } catch (e) {
      if (isNotFound(e) || isInvalid(e) || isConflict(e)) return undefined;
      throw e;
    }
  }

  /** The ReplicaSets `d` controls, after adopting matching orphans and releasing ones that stopped matching. */
  async function claim(d: Obj, selector: LabelSelector, candidates: readonly Obj[], signal: AbortSignal): Promise<Obj[]> {
    const uid = d.metadata.uid;
    const owned: Obj[] = [];
    let mayAdopt: boolean | undefined;
    for (const rs of candidates) {
      const ref = controllerRefOf(rs);
      const rv = { op: 'test', path: '/metadata/resourceVersion', value: rs.metadata.resourceVersion };
      if (ref) {
        if (ref.uid !== uid) continue;
        if (selector.matches(rs.metadata.labels)) owned.push(rs);
        else if (!d.metadata.deletionTimestamp && !rs.metadata.deletionTimestamp) {
          const rest = (rs.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          await patchRs(rs, [rv, rest.length ? { op: 'replace', path: '/metadata/ownerReferences', value: rest } : { op: 'remove', path: '/metadata/ownerReferences' }], signal);
        }
        continue;
      }
      if (d.metadata.deletionTimestamp || rs.metadata.deletionTimestamp || !selector.matches(rs.metadata.labels)) continue;
      mayAdopt ??= await dApi.get(d.metadata.namespace, String(d.metadata.name), { signal }).then(
        (fresh) => fresh.metadata.uid === uid && !fresh.metadata.deletionTimestamp,
        (e: unknown) => (isNotFound(e) ? false : Promise.reject(e)),
      );
      if (!mayAdopt) continue;
      const ownerRef = controllerRef(d, 'apps/v1', 'Deployment');
      const add = rs.metadata.ownerReferences?.length ? { op: 'add', path: '/metadata/ownerReferences/-', value: ownerRef } : { op: 'add', path: '/metadata/ownerReferences', value: [ownerRef] };
      const adopted = await patchRs(rs, [rv, add], signal);
      if (adopted) owned.push(adopted);
    }
    return owned;
  }

  async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const d = deployments.indexer.get(key);
    if (!d) return;
    const selector = selectorOf(d);
    if (selector.empty) {
      // A selector that selects everything would claim every ReplicaSet in the namespace: refuse.
      ctx.log.warn('deployment has an empty selector; it selects everything and is left alone', { deployment: key });
      if (int(status(d).observedGeneration, 0) < int(d.metadata.generation, 0)) {
        await dApi.updateStatus({ ...d, status: { ...status(d), observedGeneration: d.metadata.generation } }, { signal });
      }
      return;
    }
    const ns = d.metadata.namespace ?? '';
    const rsList = await claim(d, selector, replicaSets.indexer.byIndex(NAMESPACE_INDEX, ns), signal);
    const uids = new Set(rsList.map((rs) => rs.metadata.uid));
    const ownedPods = isRollingUpdate(d) ? [] : pods.indexer.byIndex(NAMESPACE_INDEX, ns).filter((p) => uids.has(controllerRefOf(p)?.uid));
    const rollout = new DeploymentRollout(d, { deployments: dApi, replicaSets: rsApi, clock: ctx.clock, log: ctx.log, signal }, rsList, ownedPods);
    if (d.metadata.deletionTimestamp) return rollout.statusOnly();
    await rollout.checkPaused();
    if (spec(d).paused === true) return rollout.sync();
    if (await rollout.isScalingEvent()) return rollout.sync();
    return isRollingUpdate(d) ? rollout.rolling() : rollout.recreate();
  }

  return controller;
}
