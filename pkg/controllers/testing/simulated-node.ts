// A simulated node for controller tests (a fake, product code): a Node object that reports Ready
// and a Lease in kube-node-lease that it renews when told to, as a kubelet would — no containers.
// A test stops calling heartbeat() to make the node go silent, and calls it again to bring it back
// (which, like a kubelet, also reports Ready again if the controller marked it otherwise).
import type { KubeObject } from '../../api/types';
import { asObject, objectsOf } from '../../api/validation/json';
import type { Clock } from '../../client/clock';
import { isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import type { RestClient } from '../../client/rest-client';
import { microTime } from '../../controller/leader-election';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface SimulatedNodeOptions {
  readonly client: RestClient;
  readonly clock: Clock;
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly capacity?: Record<string, string>;
  /** InternalIP reported in status.addresses. */
  readonly address?: string;
  readonly leaseDurationSeconds?: number;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function readyConditions(ms: number): Record<string, unknown>[] {
  const t = rfc3339(ms);
  const c = (type: string, status: string, reason: string) => ({ type, status, reason, message: reason, lastHeartbeatTime: t, lastTransitionTime: t });
  return [c('MemoryPressure', 'False', 'KubeletHasSufficientMemory'), c('DiskPressure', 'False', 'KubeletHasNoDiskPressure'), c('PIDPressure', 'False', 'KubeletHasSufficientPID'), c('Ready', 'True', 'KubeletReady')];
}

export class SimulatedNode {
  constructor(private readonly opts: SimulatedNodeOptions) {}

  get name(): string {
    return this.opts.name;
  }

  /** Creates the Node (Ready) and its Lease. */
  async register(): Promise<KubeObject> {
    const nodes = this.opts.client.resource(RESOURCES.nodes);
    const capacity = this.opts.capacity ?? { cpu: '4', memory: '8Gi', pods: '110' };
    const created = await nodes.create({ metadata: { name: this.name, labels: { 'kubernetes.io/hostname': this.name, 'kubernetes.io/os': 'linux', ...(this.opts.labels ?? {}) } }, spec: {} });
    const status = {
      capacity,
      allocatable: capacity,
      conditions: readyConditions(this.opts.clock.now()),
      addresses: [{ type: 'InternalIP', address: this.opts.address ?? '10.0.0.10' }, { type: 'Hostname', address: this.name }],
      nodeInfo: { kubeletVersion: 'v1.36.0-k3ts-sim', operatingSystem: 'linux', architecture: 'amd64', containerRuntimeVersion: 'simulated://1' },
    };
    // Unconditional status writes: controllers may already have touched the new Node's spec.
    const node = await nodes.updateStatus({ ...created, metadata: { name: this.name }, status });
    await this.#renew();
    return node;
  }

  /** Renews the Lease and, if the Node is not Ready (a controller marked it Unknown), reports Ready. */
  async heartbeat(): Promise<void> {
    await this.#renew();
    const nodes = this.opts.client.resource(RESOURCES.nodes);
    const node = await nodes.get(undefined, this.name);
    const ready = objectsOf(asObject(node.status)?.conditions).find(([c]) => c.type === 'Ready')?.[0];
    if (ready?.status === 'True') return;
    await nodes.updateStatus({ ...node, metadata: { name: this.name }, status: { ...(asObject(node.status) ?? {}), conditions: readyConditions(this.opts.clock.now()) } });
  }

  async #renew(): Promise<void> {
    const leases = this.opts.client.resource(RESOURCES.leases);
    const now = microTime(this.opts.clock.now());
    try {
      const lease = await leases.get(NODE_LEASE_NAMESPACE, this.name);
      await leases.update({ ...lease, metadata: { name: this.name, namespace: NODE_LEASE_NAMESPACE }, spec: { ...(asObject(lease.spec) ?? {}), renewTime: now } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await leases.create({ metadata: { name: this.name, namespace: NODE_LEASE_NAMESPACE }, spec: { holderIdentity: this.name, leaseDurationSeconds: this.opts.leaseDurationSeconds ?? 40, renewTime: now } });
    }
  }
}
