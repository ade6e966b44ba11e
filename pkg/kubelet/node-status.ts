// The Node object the kubelet registers and the status it keeps current: capacity and allocatable
// from the host, labels (hostname, os, arch, instance type, --node-label), taints (--node-taint),
// addresses, conditions (Ready from the runtime's own conditions), node info, daemon endpoint and
// the images the runtime holds.
import type { KubeObject } from '../api/types';
import { KubeletError } from './errors';
import type { HostFacts } from './host-facts';
import type { PodCondition } from './pod-types';
import { rfc3339 } from './pod-status';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface NodeConfig {
  readonly nodeName: string;
  readonly hostname: string;
  readonly nodeIPs: readonly string[];
  readonly externalIPs: readonly string[];
  /** Extra labels (--node-label and, for a server's agent, the control-plane roles). */
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly kubeletPort: number;
  readonly maxPods: number;
  readonly kubeletVersion: string;
  /** Memory held back from allocatable (upstream's hard eviction threshold, 100Mi). */
  readonly reservedMemoryBytes: number;
  /** Fraction of the data dir's filesystem held back (nodefs.available, 10%). */
  readonly reservedStorageFraction: number;
}

export const INSTANCE_TYPE = 'k3ts';

export function parseTaint(text: string): Taint {
  const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(text.trim());
  if (!m) throw new KubeletError('invalid-pod', `invalid --node-taint "${text}": expected key=value:effect or key:effect with effect NoSchedule, PreferNoSchedule or NoExecute`);
  return { key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}), effect: m[3] as Taint['effect'] };
}

export function parseLabel(text: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw new KubeletError('invalid-pod', `invalid --node-label "${text}": expected key=value`);
  return [text.slice(0, i), text.slice(i + 1)];
}

export function nodeLabels(cfg: NodeConfig, facts: HostFacts): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': facts.architecture,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': facts.architecture,
    'kubernetes.io/hostname': cfg.hostname,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': INSTANCE_TYPE,
    'beta.kubernetes.io/instance-type': INSTANCE_TYPE,
    ...cfg.labels,
  };
}

const KI = 1024;

export function nodeCapacity(cfg: NodeConfig, facts: HostFacts): Record<string, string> {
  return {
    cpu: String(facts.cpus),
    'ephemeral-storage': `${Math.floor(facts.ephemeralStorageBytes / KI)}Ki`,
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: `${Math.floor(facts.memoryBytes / KI)}Ki`,
    pods: String(cfg.maxPods),
  };
}

export function nodeAllocatable(cfg: NodeConfig, facts: HostFacts): Record<string, string> {
  return {
    ...nodeCapacity(cfg, facts),
    'ephemeral-storage': String(Math.floor(facts.ephemeralStorageBytes * (1 - cfg.reservedStorageFraction))),
    memory: `${Math.floor(Math.max(0, facts.memoryBytes - cfg.reservedMemoryBytes) / KI)}Ki`,
  };
}

export interface RuntimeHealth {
  /** `containerd://1.6.20`. */
  readonly version: string;
  readonly runtimeReady: boolean;
  readonly networkReady: boolean;
  readonly message?: string;
}

function condition(type: string, ok: boolean, reason: string, message: string, old: readonly PodCondition[], now: string): Record<string, unknown> {
  const status = ok ? 'True' : 'False';
  const prev = old.find((c) => c.type === type);
  return { type, status, lastHeartbeatTime: now, lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now, reason, message };
}

export interface NodeStatusInput {
  readonly health: RuntimeHealth;
  readonly images: readonly { readonly names: readonly string[]; readonly sizeBytes: number }[];
  readonly oldConditions: readonly PodCondition[];
  readonly nowMs: number;
}

export function buildNodeStatus(cfg: NodeConfig, facts: HostFacts, input: NodeStatusInput): Record<string, unknown> {
  const now = rfc3339(input.nowMs);
  const old = input.oldConditions;
  const h = input.health;
  const ready = h.runtimeReady && h.networkReady;
  const readyMessage = ready ? 'kubelet is posting ready status' : !h.runtimeReady ? `container runtime is down${h.message ? `: ${h.message}` : ''}` : `container runtime network not ready: NetworkReady=false${h.message ? ` ${h.message}` : ''}`;
  return {
    capacity: nodeCapacity(cfg, facts),
    allocatable: nodeAllocatable(cfg, facts),
    conditions: [
      condition('MemoryPressure', false, 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', old, now),
      condition('DiskPressure', false, 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', old, now),
      condition('PIDPressure', false, 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', old, now),
      condition('Ready', ready, ready ? 'KubeletReady' : 'KubeletNotReady', readyMessage, old, now),
    ],
    addresses: [...cfg.nodeIPs.map((address) => ({ type: 'InternalIP', address })), ...cfg.externalIPs.map((address) => ({ type: 'ExternalIP', address })), { type: 'Hostname', address: cfg.hostname }],
    daemonEndpoints: { kubeletEndpoint: { Port: cfg.kubeletPort } },
    nodeInfo: {
      machineID: facts.machineID,
      systemUUID: facts.systemUUID,
      bootID: facts.bootID,
      kernelVersion: facts.kernelVersion,
      osImage: facts.osImage,
      containerRuntimeVersion: h.version,
      kubeletVersion: cfg.kubeletVersion,
      kubeProxyVersion: cfg.kubeletVersion,
      operatingSystem: 'linux',
      architecture: facts.architecture,
    },
    images: input.images.slice(0, 50).map((i) => ({ names: i.names, sizeBytes: i.sizeBytes })),
  };
}

/** The Node to create at first registration. */
export function newNode(cfg: NodeConfig, facts: HostFacts, status: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: cfg.nodeName,
      labels: nodeLabels(cfg, facts),
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: cfg.taints.length > 0 ? { taints: cfg.taints } : {},
    status,
  };
}
