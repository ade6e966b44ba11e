// One sample of the resource usage the kubelet reports (/metrics/resource, /stats/summary): the
// node from its root cgroup, each running container from CRI ListContainerStats, pods as the sum
// of their containers (what the kubelet's resource metrics do without pod-level cgroup stats).
import type { RuntimeService } from '../cri/types';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from '../sandbox-config';
import { readNodeUsage, type NodeUsage, type NodeUsageSource } from './node-usage';

export interface ContainerUsage {
  readonly name: string;
  readonly id: string;
  /** Container creation (start) time, ms since the epoch. */
  readonly startMs: number;
  readonly cpuCoreNanoSeconds: bigint;
  readonly memoryWorkingSetBytes: number;
  readonly timestampMs: number;
}

export interface PodUsage {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly containers: readonly ContainerUsage[];
  readonly cpuCoreNanoSeconds: bigint;
  readonly memoryWorkingSetBytes: number;
  readonly timestampMs: number;
}

export interface ResourceSample {
  readonly node: NodeUsage;
  readonly pods: readonly PodUsage[];
  /** False when the runtime's container stats could not be read (resource_scrape_error 1). */
  readonly containersOk: boolean;
}

const nsToMs = (v: string | number | undefined): number => Math.floor(Number(v ?? 0) / 1e6);

async function containerUsage(runtime: RuntimeService, now: number): Promise<Map<string, { pod: Omit<PodUsage, 'containers' | 'cpuCoreNanoSeconds' | 'memoryWorkingSetBytes' | 'timestampMs'>; containers: ContainerUsage[] }>> {
  const [running, stats] = await Promise.all([runtime.listContainers({ state: { state: 'CONTAINER_RUNNING' } }), runtime.listContainerStats()]);
  const started = new Map(running.map((c) => [c.id, nsToMs(c.created_at)]));
  const pods = new Map<string, { pod: { namespace: string; name: string; uid: string }; containers: ContainerUsage[] }>();
  for (const s of stats) {
    const a = s.attributes;
    if (!a || !started.has(a.id)) continue;
    const uid = a.labels[LABEL_POD_UID];
    const namespace = a.labels[LABEL_POD_NAMESPACE];
    const name = a.labels[LABEL_POD_NAME];
    if (!uid || !namespace || !name) continue;
    const entry = pods.get(uid) ?? { pod: { namespace, name, uid }, containers: [] };
    pods.set(uid, entry);
    const cpuTs = s.cpu?.timestamp ? nsToMs(s.cpu.timestamp) : now;
    entry.containers.push({
      name: a.labels[LABEL_CONTAINER_NAME] ?? a.metadata?.name ?? a.id.slice(0, 12),
      id: a.id,
      startMs: started.get(a.id) ?? 0,
      cpuCoreNanoSeconds: BigInt(s.cpu?.usage_core_nano_seconds?.value ?? 0),
      memoryWorkingSetBytes: Number(s.memory?.working_set_bytes?.value ?? 0),
      timestampMs: cpuTs > 0 ? cpuTs : now,
    });
  }
  return pods;
}

export async function sampleResources(runtime: RuntimeService, node: NodeUsageSource): Promise<ResourceSample> {
  const nodeUsage = await readNodeUsage(node);
  let containersOk = true;
  let byPod: Awaited<ReturnType<typeof containerUsage>> = new Map();
  try {
    byPod = await containerUsage(runtime, nodeUsage.timestampMs);
  } catch {
    containersOk = false;
  }
  const pods: PodUsage[] = [...byPod.values()]
    .map(({ pod, containers }) => ({
      ...pod,
      containers: containers.sort((a, b) => a.name.localeCompare(b.name)),
      cpuCoreNanoSeconds: containers.reduce((sum, c) => sum + c.cpuCoreNanoSeconds, 0n),
      memoryWorkingSetBytes: containers.reduce((sum, c) => sum + c.memoryWorkingSetBytes, 0),
      timestampMs: Math.max(...containers.map((c) => c.timestampMs)),
    }))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  return { node: nodeUsage, pods, containersOk };
}
