// Taint-based eviction (upstream's taint eviction controller): a pod on a node with NoExecute taints
// is deleted at once when it does not tolerate one of them, or once the smallest tolerationSeconds
// of the tolerations it uses has passed since the taint was added (pods get 300 s tolerations for
// not-ready and unreachable by default). Before deletion the pod gets the DisruptionTarget
// condition, as upstream. Rescheduling is the workload controllers' and the scheduler's job.
import type { KubeObject } from '../../api/types';
import { asObject, asString, objectsOf } from '../../api/validation/json';
import { isConflict, isNotFound } from '../../client/errors';
import { NODE_NAME_INDEX, objectKey } from '../../client/indexer';
import { RESOURCES } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext, type ControllerFactory } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { rfc3339 } from './node-lifecycle-controller';
import { allowedSeconds, taintsOf, tolerationsOf, type Taint } from './taints';

export const TAINT_EVICTION_CONTROLLER = 'taint-eviction';

function noExecute(node: KubeObject): Taint[] {
  return taintsOf(node).filter((t) => t.effect === 'NoExecute');
}

export function taintEvictionController(): ControllerFactory {
  return (ctx: ControllerContext): Controller => {
    const nodes = ctx.informers.informerFor(RESOURCES.nodes);
    const pods = ctx.informers.informerFor(RESOURCES.pods);
    const podsApi = ctx.client.resource(RESOURCES.pods);
    /** `node/taint key:effect` → when this controller first saw a taint without timeAdded. */
    const firstSeen = new Map<string, number>();
    const controller = new QueueController({ name: TAINT_EVICTION_CONTROLLER, workers: 4, ctx, informers: [nodes, pods], reconcile });

    const onPod = (p: KubeObject) => {
      if (asString(asObject(p.spec)?.nodeName) && !p.metadata.deletionTimestamp) controller.enqueue(p);
    };
    pods.addEventHandler({ add: onPod, update: (_o, p) => onPod(p) });
    const onNode = (n: KubeObject) => {
      for (const p of pods.indexer.byIndex(NODE_NAME_INDEX, String(n.metadata.name))) onPod(p);
    };
    nodes.addEventHandler({
      add: (n) => noExecute(n).length && onNode(n),
      update: (old, n) => {
        if (JSON.stringify(noExecute(old)) !== JSON.stringify(noExecute(n))) onNode(n);
      },
    });

    function addedAt(nodeName: string, t: Taint): number {
      const at = Date.parse(t.timeAdded ?? '');
      if (Number.isFinite(at)) return at;
      const k = `${nodeName}/${t.key}:${t.effect}`;
      let seen = firstSeen.get(k);
      if (seen === undefined) firstSeen.set(k, (seen = ctx.clock.now()));
      return seen;
    }

    async function evict(pod: KubeObject, signal: AbortSignal): Promise<void> {
      const status = asObject(pod.status) ?? {};
      const conditions = objectsOf(status.conditions)
        .map(([c]) => c)
        .filter((c) => c.type !== 'DisruptionTarget');
      conditions.push({ type: 'DisruptionTarget', status: 'True', lastTransitionTime: rfc3339(ctx.clock.now()), reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' });
      try {
        await podsApi.updateStatus({ ...pod, status: { ...status, conditions } }, { signal });
        await podsApi.delete(pod.metadata.namespace, String(pod.metadata.name), { preconditions: { uid: pod.metadata.uid }, signal });
      } catch (e) {
        if (isNotFound(e) || isConflict(e)) return;
        throw e;
      }
      ctx.log.info('evicted a pod from a node with NoExecute taints', { pod: objectKey(pod), node: String(asObject(pod.spec)?.nodeName) });
    }

    async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
      const pod = pods.indexer.get(key);
      if (!pod || pod.metadata.deletionTimestamp) return;
      const nodeName = asString(asObject(pod.spec)?.nodeName);
      const node = nodeName ? nodes.indexer.get(nodeName) : undefined;
      if (!node) return;
      const taints = noExecute(node);
      if (taints.length === 0) return;
      const seconds = allowedSeconds(tolerationsOf(pod), taints);
      if (seconds === Infinity) return;
      const since = Math.max(...taints.map((t) => addedAt(nodeName!, t)));
      const at = since + seconds * 1000;
      const now = ctx.clock.now();
      if (now < at) return { requeueAfterMs: at - now };
      await evict(pod, signal);
    }

    return controller;
  };
}
