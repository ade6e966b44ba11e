// Container resources → the CRI's Linux resources (cgroup v1 terms, as upstream's kubelet maps them),
// and the pod-level cgroup a pod's containers go under: `<root>/kubepods[/burstable|/besteffort]/pod<uid>`.
import { computePodQOS, type QOSClass } from '../api/catalog/strategies/pod-qos';
import type { JsonRecord } from '../api/validation/json';
import { toQuantity } from '../api/validation/quantity';
import type { LinuxContainerResources } from './cri/types';
import type { ContainerSpec, Pod } from './pod-types';

const MIN_SHARES = 2;
const SHARES_PER_CPU = 1024;
const QUOTA_PERIOD = 100_000;
const MIN_QUOTA = 1000;

/** A quantity in milli-units (cpu) or units (memory), or undefined when absent/invalid. */
export function milliValue(v: unknown): number | undefined {
  const q = toQuantity(v);
  if (!q) return undefined;
  return Number((q.nanos + 999_999n) / 1_000_000n);
}

export function unitValue(v: unknown): number | undefined {
  const q = toQuantity(v);
  if (!q) return undefined;
  return Number((q.nanos + 999_999_999n) / 1_000_000_000n);
}

export function qosClassOf(pod: Pod): QOSClass {
  const recorded = pod.status?.qosClass;
  if (recorded === 'Guaranteed' || recorded === 'Burstable' || recorded === 'BestEffort') return recorded;
  return computePodQOS(pod.spec as unknown as JsonRecord);
}

/** cgroupfs-style parent of the pod's sandbox and containers. */
export function podCgroupParent(cgroupRoot: string, pod: Pod): string {
  const qos = qosClassOf(pod);
  const tier = qos === 'Guaranteed' ? '' : `/${qos.toLowerCase()}`;
  return `${cgroupRoot}/kubepods${tier}/pod${pod.metadata.uid}`;
}

/** Upstream's OOM score policy; containerd clamps it (restrict_oom_score_adj) to its own score here. */
export function oomScoreAdj(qos: QOSClass, memoryRequest: number | undefined, machineMemory: number): number {
  if (qos === 'Guaranteed') return -997;
  if (qos === 'BestEffort') return 1000;
  const score = 1000 - Math.floor((1000 * (memoryRequest ?? 0)) / Math.max(1, machineMemory));
  return Math.min(999, Math.max(2, score));
}

export function linuxResources(c: ContainerSpec, qos: QOSClass, machineMemory: number): LinuxContainerResources {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const cpuLimit = milliValue(limits.cpu);
  const cpuRequest = milliValue(requests.cpu) ?? cpuLimit;
  const memLimit = unitValue(limits.memory);
  const memRequest = unitValue(requests.memory) ?? memLimit;
  const shares = cpuRequest ? Math.max(MIN_SHARES, Math.floor((cpuRequest * SHARES_PER_CPU) / 1000)) : MIN_SHARES;
  return {
    cpu_shares: shares,
    ...(cpuLimit ? { cpu_period: QUOTA_PERIOD, cpu_quota: Math.max(MIN_QUOTA, Math.floor((cpuLimit * QUOTA_PERIOD) / 1000)) } : {}),
    ...(memLimit ? { memory_limit_in_bytes: memLimit } : {}),
    oom_score_adj: oomScoreAdj(qos, memRequest, machineMemory),
  };
}
