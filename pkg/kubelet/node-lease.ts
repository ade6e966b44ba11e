// The node's heartbeat: Lease `kube-node-lease/<node>` renewed every 10 s (duration 40 s), owned by
// the Node so it goes with it. The node lifecycle controller reads renewTime to tell dead nodes.
import type { KubeObject } from '../api/types';
import { sleep, type Clock } from '../client/clock';
import { isConflict, isNotFound } from '../client/errors';
import { RESOURCES } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';
import { messageOf } from './errors';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;

/** metav1.MicroTime text: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface NodeLeaseConfig {
  readonly nodeName: string;
  readonly renewIntervalMs: number;
}

export async function runNodeLease(cfg: NodeLeaseConfig, deps: { client: RestClient; clock: Clock; log: Logger; nodeUid: () => string | undefined }, signal: AbortSignal): Promise<void> {
  const leases = deps.client.resource(RESOURCES.leases);
  let current: KubeObject | undefined;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const now = microTime(deps.clock.now());
      if (!current) {
        try {
          current = await leases.get(NODE_LEASE_NAMESPACE, cfg.nodeName, { signal });
        } catch (e) {
          if (!isNotFound(e)) throw e;
          const uid = deps.nodeUid();
          current = await leases.create(
            {
              apiVersion: 'coordination.k8s.io/v1',
              kind: 'Lease',
              metadata: { name: cfg.nodeName, namespace: NODE_LEASE_NAMESPACE, ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: cfg.nodeName, uid }] } : {}) },
              spec: { holderIdentity: cfg.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now },
            },
            { signal },
          );
        }
      }
      const spec = (current.spec ?? {}) as Record<string, unknown>;
      current = await leases.update({ ...current, spec: { ...spec, holderIdentity: cfg.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now } }, { signal });
      failures = 0;
    } catch (e) {
      if (signal.aborted) return;
      current = undefined;
      failures++;
      if (!isConflict(e)) (failures > 2 ? deps.log.warn : deps.log.debug).call(deps.log, 'renewing the node lease failed', { error: messageOf(e) });
      if (!(await sleep(deps.clock, Math.min(cfg.renewIntervalMs, 200 * 2 ** Math.min(failures, 5)), signal))) return;
      continue;
    }
    if (!(await sleep(deps.clock, cfg.renewIntervalMs, signal))) return;
  }
}
