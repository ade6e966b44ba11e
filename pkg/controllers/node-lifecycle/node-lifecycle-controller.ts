// Node lifecycle (upstream's node lifecycle controller, its health monitor and tainting): kubelets
// heartbeat by renewing their Lease in kube-node-lease (and by posting node status). A node heard
// from neither for the grace period (40 s; 60 s for a node that never reported Ready) gets every
// condition Unknown (reason NodeStatusUnknown), its pods' Ready condition False, and — from the
// conditions — the `node.kubernetes.io/unreachable` NoSchedule and NoExecute taints (`not-ready`
// for Ready=False, pressure and unschedulable NoSchedule taints likewise). When the kubelet reports
// Ready again the taints go. Evicting pods off NoExecute taints is the taint-eviction controller's.
//
// Heartbeats are timed by this controller's clock when it sees them change, not by the time the
// kubelet wrote in them, so clock skew between machines does not matter (as upstream).
import type { KubeObject } from '../../api/types';
import { asObject, asString, objectsOf, type JsonRecord } from '../../api/validation/json';
import { isConflict, isNotFound } from '../../client/errors';
import { NODE_NAME_INDEX } from '../../client/indexer';
import { RESOURCES } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext, type ControllerFactory } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { isPodReady } from '../internal/pods';
import { reconcileTaints } from './taints';

export const NODE_LIFECYCLE_CONTROLLER = 'node-lifecycle';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Conditions set Unknown with Ready (upstream's remainingNodeConditionTypes). */
const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface NodeLifecycleOptions {
  /** --node-monitor-grace-period (40 s). */
  readonly nodeMonitorGracePeriodMs?: number;
  /** Grace for a node that never reported Ready (60 s). */
  readonly nodeStartupGracePeriodMs?: number;
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface Health {
  /** When this controller last saw a heartbeat (ms, its clock). */
  probeAt: number;
  leaseRenew?: string;
  statusHeartbeat?: string;
}

function readyCondition(node: KubeObject): JsonRecord | undefined {
  return objectsOf(asObject(node.status)?.conditions).find(([c]) => c.type === 'Ready')?.[0];
}

/** The kubelet's last status heartbeat (our own Unknown writes keep it as it was). */
function readyHeartbeat(node: KubeObject): string | undefined {
  return asString(readyCondition(node)?.lastHeartbeatTime);
}

/** The node's status with every monitored condition Unknown; undefined when they all are already. */
export function unknownStatus(node: KubeObject, now: string): JsonRecord | undefined {
  const status = { ...(asObject(node.status) ?? {}) };
  const conditions = objectsOf(status.conditions).map(([c]) => ({ ...c }));
  let changed = false;
  for (const type of MONITORED_CONDITIONS) {
    const c = conditions.find((x) => x.type === type);
    if (!c) {
      conditions.push({ type, status: 'Unknown', lastHeartbeatTime: node.metadata.creationTimestamp ?? now, lastTransitionTime: now, reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
      changed = true;
    } else if (c.status !== 'Unknown') {
      Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now });
      changed = true;
    }
  }
  if (!changed) return undefined;
  status.conditions = conditions;
  return status;
}

export function nodeLifecycleController(opts: NodeLifecycleOptions = {}): ControllerFactory {
  const grace = opts.nodeMonitorGracePeriodMs ?? 40_000;
  const startupGrace = opts.nodeStartupGracePeriodMs ?? 60_000;
  return (ctx: ControllerContext): Controller => {
    const nodes = ctx.informers.informerFor(RESOURCES.nodes);
    const leases = ctx.informers.informerFor(RESOURCES.leases, { namespace: NODE_LEASE_NAMESPACE });
    const pods = ctx.informers.informerFor(RESOURCES.pods);
    const nodesApi = ctx.client.resource(RESOURCES.nodes);
    const podsApi = ctx.client.resource(RESOURCES.pods);
    const health = new Map<string, Health>();
    const controller = new QueueController({ name: NODE_LIFECYCLE_CONTROLLER, workers: 4, ctx, informers: [nodes, leases, pods], reconcile });
    nodes.addEventHandler({ add: (n) => controller.enqueue(n), update: (_o, n) => controller.enqueue(n), delete: (n) => controller.enqueue(n) });
    // A Lease is named after its node.
    const onLease = (l: KubeObject) => controller.queue.add(String(l.metadata.name));
    leases.addEventHandler({ add: onLease, update: (_o, l) => onLease(l) });

    /** Records heartbeats seen since the last look; returns when the node was last heard from. */
    function observe(name: string, node: KubeObject): number {
      const now = ctx.clock.now();
      const lease = leases.indexer.getByName(NODE_LEASE_NAMESPACE, name);
      const renew = asString(asObject(lease?.spec)?.renewTime);
      const heartbeat = readyHeartbeat(node);
      let h = health.get(name);
      if (!h) {
        health.set(name, (h = { probeAt: now, leaseRenew: renew, statusHeartbeat: heartbeat }));
        return h.probeAt;
      }
      if (renew !== h.leaseRenew || heartbeat !== h.statusHeartbeat) {
        h.probeAt = now;
        h.leaseRenew = renew;
        h.statusHeartbeat = heartbeat;
      }
      return h.probeAt;
    }

    async function markPodsNotReady(name: string, now: string, signal: AbortSignal): Promise<void> {
      for (const pod of pods.indexer.byIndex(NODE_NAME_INDEX, name)) {
        if (!isPodReady(pod) || pod.metadata.deletionTimestamp) continue;
        const status = asObject(pod.status) ?? {};
        const conditions = objectsOf(status.conditions).map(([c]) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c));
        try {
          await podsApi.updateStatus({ ...pod, status: { ...status, conditions } }, { signal });
        } catch (e) {
          if (!isNotFound(e) && !isConflict(e)) throw e;
        }
      }
    }

    async function reconcile(name: string, signal: AbortSignal): Promise<ReconcileResult | void> {
      let node = nodes.indexer.get(name);
      if (!node) {
        health.delete(name);
        return;
      }
      const now = ctx.clock.now();
      const probeAt = observe(name, node);
      const neverReady = readyCondition(node) === undefined;
      const limit = probeAt + (neverReady ? startupGrace : grace);
      let requeue: number | undefined;
      if (now >= limit) {
        const status = unknownStatus(node, rfc3339(now));
        if (status) {
          const wasReady = objectsOf(asObject(node.status)?.conditions).some(([c]) => c.type === 'Ready' && c.status === 'True');
          try {
            node = await nodesApi.updateStatus({ ...node, status }, { signal });
          } catch (e) {
            if (isNotFound(e)) return;
            throw e;
          }
          ctx.log.info('node stopped posting status; its conditions are Unknown', { node: name, silentForMs: now - probeAt });
          if (wasReady) await markPodsNotReady(name, rfc3339(now), signal);
        }
      } else {
        requeue = limit - now;
      }
      const taints = reconcileTaints(node, rfc3339(now));
      if (taints) {
        try {
          await nodesApi.update({ ...node, spec: { ...(asObject(node.spec) ?? {}), taints } }, { signal });
        } catch (e) {
          if (isNotFound(e)) return;
          throw e;
        }
        ctx.log.info('updated node taints', { node: name, taints: taints.map((t) => `${t.key}:${t.effect}`).join(',') || 'none' });
      }
      return requeue === undefined ? undefined : { requeueAfterMs: requeue };
    }

    return controller;
  };
}
