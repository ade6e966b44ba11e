// PodDisruptionBudget status (upstream's disruption controller): for each budget, the pods it
// selects, how many are expected (the pods, or the scale of their controllers for percentages and
// maxUnavailable), how many must stay healthy, how many are healthy now (ready, not being deleted,
// not just evicted), and so how many disruptions the eviction subresource may allow. Evictions the
// pod cache has not confirmed within two minutes are forgotten.
import type { KubeObject } from '../../api/types';
import { asObject } from '../../api/validation/json';
import { NAMESPACE_INDEX } from '../../client/indexer';
import { RESOURCES, type ResourceRef } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { isNotFound } from '../../client/errors';
import { controllerRefOf, int, isPodReady } from '../internal/pods';
import { DELETION_TIMEOUT_MS, PDBS, selectsPod, setDisruptionAllowedCondition, type Pdb } from './pdb-util';
import { STATEFULSETS } from '../statefulset/stateful-set-util';

export const DISRUPTION_CONTROLLER = 'disruption';
const RCS: ResourceRef = Object.freeze({ group: '', version: 'v1', resource: 'replicationcontrollers', kind: 'ReplicationController', namespaced: true });

/** "N" or "N%" of `total`, rounded up (as upstream's GetScaledValueFromIntOrPercent with roundUp). */
function scaled(v: unknown, total: number): { value: number; percent: boolean } {
  if (typeof v === 'number') return { value: v, percent: false };
  const m = /^([0-9]+)(%?)$/.exec(String(v ?? ''));
  if (!m) return { value: 0, percent: false };
  return m[2] ? { value: Math.ceil((Number(m[1]) * total) / 100), percent: true } : { value: Number(m[1]), percent: false };
}

export function disruptionController(ctx: ControllerContext): Controller {
  const pdbs = ctx.informers.informerFor<Pdb>(PDBS);
  const pods = ctx.informers.informerFor(RESOURCES.pods);
  const owners = {
    ReplicaSet: ctx.informers.informerFor(RESOURCES.replicasets),
    Deployment: ctx.informers.informerFor(RESOURCES.deployments),
    StatefulSet: ctx.informers.informerFor(STATEFULSETS),
    ReplicationController: ctx.informers.informerFor(RCS),
  };
  const api = ctx.client.resource<Pdb>(PDBS);
  const controller = new QueueController({ name: DISRUPTION_CONTROLLER, workers: 2, ctx, informers: [pdbs, pods, ...Object.values(owners)], reconcile });

  const forPod = (pod: KubeObject) => {
    for (const pdb of pdbs.indexer.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')) if (selectsPod(pdb, pod)) controller.enqueue(pdb);
  };
  pdbs.addEventHandler({ add: (p) => controller.enqueue(p), update: (_o, p) => controller.enqueue(p) });
  pods.addEventHandler({
    add: forPod,
    update(old, pod) {
      if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
      forPod(old);
      forPod(pod);
    },
    delete: forPod,
  });
  // A scaled controller changes the expected count of percentage and maxUnavailable budgets.
  const forOwner = (o: KubeObject) => {
    for (const pod of pods.indexer.byIndex(NAMESPACE_INDEX, o.metadata.namespace ?? '')) if (controllerRefOf(pod)?.uid === o.metadata.uid) forPod(pod);
  };
  for (const inf of Object.values(owners)) inf.addEventHandler({ update: (_o, x) => forOwner(x) });

  /** The replicas of the workload controlling `pod` (a ReplicaSet of a Deployment counts as the Deployment). */
  function controllerScale(pod: KubeObject): { uid: string; replicas: number } | undefined {
    const ref = controllerRefOf(pod);
    if (!ref) return undefined;
    const find = (kind: keyof typeof owners, name: string, uid: string) => {
      const o = owners[kind].indexer.getByName(pod.metadata.namespace, name);
      return o && o.metadata.uid === uid ? o : undefined;
    };
    if (ref.kind === 'ReplicaSet') {
      const rs = find('ReplicaSet', ref.name, ref.uid);
      if (!rs) return undefined;
      const dref = controllerRefOf(rs);
      const d = dref?.kind === 'Deployment' ? find('Deployment', dref.name, dref.uid) : undefined;
      const o = d ?? rs;
      return { uid: String(o.metadata.uid), replicas: int(asObject(o.spec)?.replicas, 1) };
    }
    if (ref.kind === 'StatefulSet' || ref.kind === 'ReplicationController') {
      const o = find(ref.kind, ref.name, ref.uid);
      return o ? { uid: String(o.metadata.uid), replicas: int(asObject(o.spec)?.replicas, 1) } : undefined;
    }
    return undefined;
  }

  async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const pdb = pdbs.indexer.get(key);
    if (!pdb) return;
    const now = ctx.clock.now();
    const selected = pods.indexer.byIndex(NAMESPACE_INDEX, pdb.metadata.namespace ?? '').filter((p) => selectsPod(pdb, p));
    const spec = asObject(pdb.spec) ?? {};
    const min = spec.minAvailable;
    const max = spec.maxUnavailable;
    const hasMax = max !== undefined && max !== null;
    const hasMin = min !== undefined && min !== null;
    // An absolute minAvailable counts the selected pods; percentages and maxUnavailable the controllers' scale.
    const usesScale = hasMax || (hasMin && typeof min === 'string' && min.endsWith('%'));
    let expected = 0;
    let desired = 0;
    let unknownControllers = false;
    if (usesScale) {
      const seen = new Map<string, number>();
      for (const p of selected) {
        const s = controllerScale(p);
        if (!s) unknownControllers = true;
        else seen.set(s.uid, s.replicas);
      }
      expected = [...seen.values()].reduce((a, b) => a + b, 0);
      desired = hasMax ? Math.max(0, expected - scaled(max, expected).value) : scaled(min, expected).value;
    } else if (hasMin) {
      expected = selected.length;
      desired = scaled(min, expected).value;
    }

    // Evictions not yet seen through: kept while the pod is still there and not past the timeout.
    const byName = new Map(selected.map((p) => [String(p.metadata.name), p]));
    const recorded = (asObject(asObject(pdb.status)?.disruptedPods) ?? {}) as Record<string, string>;
    const disrupted: Record<string, string> = {};
    let recheck: number | undefined;
    for (const [name, at] of Object.entries(recorded)) {
      const pod = byName.get(name);
      const t = Date.parse(at);
      if (!pod || pod.metadata.deletionTimestamp || !Number.isFinite(t)) continue;
      if (t + DELETION_TIMEOUT_MS <= now) continue;
      disrupted[name] = at;
      recheck = Math.min(recheck ?? Infinity, t + DELETION_TIMEOUT_MS - now);
    }
    const healthy = selected.filter((p) => !p.metadata.deletionTimestamp && !(String(p.metadata.name) in disrupted) && isPodReady(p)).length;
    let allowed = healthy - desired;
    if (expected <= 0 || allowed <= 0 || unknownControllers) allowed = 0;
    if (unknownControllers) ctx.log.debug('some pods of a disruption budget have no known controller; no disruptions allowed', { pdb: key });
    const st: Record<string, unknown> = {
      ...(asObject(pdb.status) ?? {}),
      observedGeneration: pdb.metadata.generation ?? 0,
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: desired,
      expectedPods: expected,
    };
    if (Object.keys(disrupted).length) st.disruptedPods = disrupted;
    else delete st.disruptedPods;
    setDisruptionAllowedCondition(pdb, st, now);
    if (JSON.stringify(st) !== JSON.stringify(asObject(pdb.status) ?? {})) {
      try {
        await api.updateStatus({ ...pdb, status: st }, { signal });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    if (recheck !== undefined) return { requeueAfterMs: recheck + 1 };
  }

  return controller;
}
