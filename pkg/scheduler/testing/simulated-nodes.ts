// Simulated nodes for scheduler tests and benchmarks (a fake, product code): Node objects with the
// given allocatable, labels and taints, Ready, and no kubelet. Two things a kubelet would do are
// done here: renewing the node's Lease in kube-node-lease (heartbeatLeases(), so the node
// lifecycle controller keeps them Ready), and confirming the deletion of pods being deleted from
// them (finalizeDeletions(), so preemption victims go away).
import type { KubeObject } from '../../api/types';
import { isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import type { RestClient } from '../../client/rest-client';
import { SharedInformer } from '../../client/shared-informer';
import type { Clock } from '../../client/clock';
import { silentLogger } from '../../log/logger';
import { sleep } from '../../client/clock';
import { isConflict } from '../../client/errors';
import { childSignal } from '../../client/deadline';

export interface SimulatedNodeSpec {
  readonly name: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly pods?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly { readonly key: string; readonly value?: string; readonly effect: string }[];
  readonly unschedulable?: boolean;
  readonly images?: readonly { readonly names: readonly string[]; readonly sizeBytes: number }[];
}

export function simulatedNode(s: SimulatedNodeSpec): KubeObject {
  const allocatable = { cpu: s.cpu ?? '4', memory: s.memory ?? '32Gi', pods: s.pods ?? '110', 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: s.name, labels: { 'kubernetes.io/hostname': s.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...(s.labels ?? {}) } },
    spec: { ...(s.taints ? { taints: s.taints.map((t) => ({ key: t.key, value: t.value ?? '', effect: t.effect })) } : {}), ...(s.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: allocatable,
      allocatable,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated node', lastHeartbeatTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }],
      ...(s.images ? { images: s.images } : {}),
      nodeInfo: { kubeletVersion: 'v1.36.0-simulated', containerRuntimeVersion: 'simulated://1', operatingSystem: 'linux', architecture: 'amd64', osImage: 'simulated', kernelVersion: '0', kubeProxyVersion: '', machineID: '', systemUUID: '', bootID: '' },
    },
  };
}

/** Creates the nodes and their Leases (in parallel batches). */
export async function createSimulatedNodes(client: RestClient, specs: readonly SimulatedNodeSpec[], parallel = 16): Promise<void> {
  const nodes = client.resource(RESOURCES.nodes);
  const leases = client.resource(RESOURCES.leases);
  for (let i = 0; i < specs.length; i += parallel) {
    await Promise.all(
      specs.slice(i, i + parallel).map(async (s) => {
        await nodes.create(simulatedNode(s));
        await leases.create({ metadata: { name: s.name, namespace: NODE_LEASE_NAMESPACE }, spec: { holderIdentity: s.name, leaseDurationSeconds: 40, renewTime: microTime(Date.now()) } });
      }),
    );
  }
}

/** Until `signal` aborts: pods marked for deletion on `nodeNames` are deleted for good at once. */
export async function finalizeDeletions(opts: { client: RestClient; clock: Clock; nodeNames: (name: string) => boolean }, signal: AbortSignal): Promise<void> {
  const api = opts.client.resource(RESOURCES.pods);
  const informer = new SharedInformer({ client: api, clock: opts.clock, log: silentLogger() });
  const finish = (pod: KubeObject) => {
    const node = String((pod.spec as { nodeName?: unknown } | undefined)?.nodeName ?? '');
    if (!pod.metadata.deletionTimestamp || !node || !opts.nodeNames(node)) return;
    void api.delete(pod.metadata.namespace, String(pod.metadata.name), { gracePeriodSeconds: 0, preconditions: { uid: String(pod.metadata.uid) } }).catch((e: unknown) => {
      if (!isNotFound(e) && !signal.aborted) throw e;
    });
  };
  informer.addEventHandler({ add: finish, update: (_o, p) => finish(p) });
  await informer.run(signal);
}

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Creates each node's Lease and renews every one of them once per `intervalMs` (spread evenly
 * over the interval, one request each) until `signal` aborts. Keep the interval under the
 * lifecycle controller's 40 s grace period.
 */
export async function heartbeatLeases(opts: { client: RestClient; clock: Clock; names: readonly string[]; intervalMs: number; parallel?: number }, parent: AbortSignal): Promise<void> {
  // Many renewals listen on the signal at once: a child without a listener limit.
  const { controller, dispose } = childSignal(parent);
  try {
    await renewLoop(opts, controller.signal);
  } finally {
    dispose();
  }
}

async function renewLoop(opts: { client: RestClient; clock: Clock; names: readonly string[]; intervalMs: number; parallel?: number }, signal: AbortSignal): Promise<void> {
  const leases = opts.client.resource(RESOURCES.leases);
  const held = new Map<string, KubeObject>();
  const renew = async (name: string) => {
    const prev = held.get(name) ?? (await leases.get(NODE_LEASE_NAMESPACE, name, { signal }).catch(() => undefined));
    const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(opts.clock.now()) };
    try {
      held.set(name, prev ? await leases.update({ ...prev, spec }, { signal }) : await leases.create({ metadata: { name, namespace: NODE_LEASE_NAMESPACE }, spec }, { signal }));
    } catch (e) {
      // Someone else wrote it meanwhile: read it again next round.
      held.delete(name);
      if (!signal.aborted && !isConflict(e) && !isNotFound(e)) throw e;
    }
  };
  const parallel = opts.parallel ?? 8;
  const names = [...opts.names];
  const tickMs = 100;
  const perTick = Math.max(1, Math.ceil((names.length * tickMs) / opts.intervalMs));
  let next = 0;
  while (!signal.aborted && names.length > 0) {
    const started = opts.clock.now();
    const batch: string[] = [];
    for (let k = 0; k < perTick; k++) batch.push(names[next++ % names.length]!);
    for (let i = 0; i < batch.length && !signal.aborted; i += parallel) await Promise.all(batch.slice(i, i + parallel).map((n) => renew(n).catch(() => undefined)));
    await sleep(opts.clock, Math.max(0, tickMs - (opts.clock.now() - started)), signal);
  }
}
