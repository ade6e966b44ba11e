// Pod-level cgroups by QoS class, as upstream's cgroupfs driver lays them out under the kubelet's
// cgroup root: `kubepods/pod<uid>` (Guaranteed), `kubepods/burstable/pod<uid>`,
// `kubepods/besteffort/pod<uid>`. The pod's group is created (with its limits: upstream's
// ResourceConfigForPod) before the sandbox, which names it as CgroupParent; runc puts the pause
// and every container below it. containerd never removes it: the kubelet does at teardown.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Cgroups } from '../containerd/cgroups';
import type { ContainerSpec, Pod } from './pod-types';
import { milliValue, podCgroupParent, qosClassOf, unitValue } from './resources';

const MIN_SHARES = 2;
const SHARES_PER_CPU = 1024;
const QUOTA_PERIOD = 100_000;
const MIN_QUOTA = 1000;

export interface PodResourceConfig {
  readonly cpuShares: number;
  /** cfs quota in µs per `cpuPeriod`; absent: unlimited. */
  readonly cpuQuota?: number;
  readonly cpuPeriod?: number;
  /** Absent: unlimited. */
  readonly memoryLimitBytes?: number;
}

interface Totals {
  cpuRequest: number;
  cpuLimit: number;
  memLimit: number;
  cpuLimited: boolean;
  memLimited: boolean;
}

function totals(containers: readonly ContainerSpec[]): Totals {
  const t: Totals = { cpuRequest: 0, cpuLimit: 0, memLimit: 0, cpuLimited: true, memLimited: true };
  for (const c of containers) {
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    const cpuLimit = milliValue(limits.cpu);
    const memLimit = unitValue(limits.memory);
    t.cpuRequest += milliValue(requests.cpu) ?? cpuLimit ?? 0;
    if (cpuLimit === undefined) t.cpuLimited = false;
    else t.cpuLimit += cpuLimit;
    if (memLimit === undefined) t.memLimited = false;
    else t.memLimit += memLimit;
  }
  return t;
}

/** The pod's effective resources: its containers' sums, or the largest init container if more. */
export function podResourceConfig(pod: Pod): PodResourceConfig {
  const qos = qosClassOf(pod);
  if (qos === 'BestEffort') return { cpuShares: MIN_SHARES };
  const t = totals(pod.spec.containers);
  for (const init of pod.spec.initContainers ?? []) {
    const i = totals([init]);
    t.cpuRequest = Math.max(t.cpuRequest, i.cpuRequest);
    if (t.cpuLimited && i.cpuLimited) t.cpuLimit = Math.max(t.cpuLimit, i.cpuLimit);
    if (t.memLimited && i.memLimited) t.memLimit = Math.max(t.memLimit, i.memLimit);
    t.cpuLimited &&= i.cpuLimited;
    t.memLimited &&= i.memLimited;
  }
  const cpuShares = t.cpuRequest > 0 ? Math.max(MIN_SHARES, Math.floor((t.cpuRequest * SHARES_PER_CPU) / 1000)) : MIN_SHARES;
  return {
    cpuShares,
    ...(t.cpuLimited && t.cpuLimit > 0 ? { cpuPeriod: QUOTA_PERIOD, cpuQuota: Math.max(MIN_QUOTA, Math.floor((t.cpuLimit * QUOTA_PERIOD) / 1000)) } : {}),
    ...(t.memLimited && t.memLimit > 0 ? { memoryLimitBytes: t.memLimit } : {}),
  };
}

/** cgroup v1 file → value, per controller. */
function v1Files(r: PodResourceConfig): Record<string, Record<string, string>> {
  return {
    cpu: {
      'cpu.shares': String(r.cpuShares),
      ...(r.cpuQuota !== undefined ? { 'cpu.cfs_period_us': String(r.cpuPeriod ?? QUOTA_PERIOD), 'cpu.cfs_quota_us': String(r.cpuQuota) } : {}),
    },
    memory: r.memoryLimitBytes !== undefined ? { 'memory.limit_in_bytes': String(r.memoryLimitBytes) } : {},
  };
}

export class PodCgroups {
  constructor(
    private readonly cgroups: Cgroups,
    private readonly cgroupRoot: string,
  ) {}

  /** `<root>/kubepods[/burstable|/besteffort]/pod<uid>` of `pod`. */
  groupOf(pod: Pod): string {
    return podCgroupParent(this.cgroupRoot, pod);
  }

  /** Creates the QoS tiers and the pod's group with its limits; returns the group. */
  ensure(pod: Pod): string {
    const group = this.groupOf(pod);
    this.cgroups.create(`${this.cgroupRoot}/kubepods/burstable`);
    this.cgroups.create(`${this.cgroupRoot}/kubepods/besteffort`);
    this.#write(`${this.cgroupRoot}/kubepods/besteffort`, { cpu: { 'cpu.shares': String(MIN_SHARES) } });
    this.cgroups.create(group);
    this.#write(group, v1Files(podResourceConfig(pod)));
    return group;
  }

  /** Removes the pod's group (by pod, or by UID in every tier when the pod is gone from the API). */
  remove(podOrUid: Pod | string): boolean {
    if (typeof podOrUid !== 'string') return this.cgroups.remove(this.groupOf(podOrUid));
    let clean = true;
    for (const tier of ['', '/burstable', '/besteffort']) clean = this.cgroups.remove(`${this.cgroupRoot}/kubepods${tier}/pod${podOrUid}`) && clean;
    return clean;
  }

  #write(group: string, files: Record<string, Record<string, string>>): void {
    const dirs = this.cgroups.dirs(group);
    this.cgroups.hierarchies.forEach((h, i) => {
      if (h.version !== 1) return;
      for (const controller of h.controllers) {
        for (const [file, value] of Object.entries(files[controller] ?? {})) {
          const f = path.join(dirs[i]!, file);
          // A memory limit below current usage is refused (EBUSY): the pod is then limited by its containers.
          try {
            fs.writeFileSync(f, value);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EBUSY') throw e;
          }
        }
      }
    });
  }
}
