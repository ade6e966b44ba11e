// GET /stats/summary: upstream's statsapi.Summary (node and pods, CPU and memory) from one
// ResourceSample. usageNanoCores is the rate since the previous sample the same tracker saw, as the
// kubelet derives it between housekeeping passes; absent on the first sample.
import type { ResourceSample } from './resource-stats';

interface CpuStats {
  time: string;
  usageCoreNanoSeconds: number;
  usageNanoCores?: number;
}

/** Remembers the previous cumulative CPU reading per key to turn counters into rates. */
export class CpuRateTracker {
  readonly #last = new Map<string, { ns: bigint; ms: number }>();

  cpu(key: string, ns: bigint, ms: number): CpuStats {
    const prev = this.#last.get(key);
    this.#last.set(key, { ns, ms });
    const out: CpuStats = { time: new Date(ms).toISOString(), usageCoreNanoSeconds: Number(ns) };
    if (prev && ms > prev.ms && ns >= prev.ns) out.usageNanoCores = Math.round((Number(ns - prev.ns) / (ms - prev.ms)) * 1e3);
    return out;
  }

  /** Forgets keys not seen in the latest sample (deleted pods and containers). */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.#last.keys()) if (!keys.has(k)) this.#last.delete(k);
  }
}

export function statsSummary(nodeName: string, nodeStartMs: number, s: ResourceSample, rates: CpuRateTracker): object {
  const seen = new Set<string>(['node']);
  const mem = (ms: number, workingSet: number, extra: Record<string, number> = {}) => ({ time: new Date(ms).toISOString(), workingSetBytes: workingSet, ...extra });
  const pods = s.pods.map((p) => {
    seen.add(p.uid);
    const containers = p.containers.map((c) => {
      seen.add(c.id);
      return { name: c.name, startTime: new Date(c.startMs).toISOString(), cpu: rates.cpu(c.id, c.cpuCoreNanoSeconds, c.timestampMs), memory: mem(c.timestampMs, c.memoryWorkingSetBytes) };
    });
    const startMs = Math.min(...p.containers.map((c) => c.startMs));
    return { podRef: { name: p.name, namespace: p.namespace, uid: p.uid }, startTime: new Date(startMs).toISOString(), containers, cpu: rates.cpu(p.uid, p.cpuCoreNanoSeconds, p.timestampMs), memory: mem(p.timestampMs, p.memoryWorkingSetBytes) };
  });
  const n = s.node;
  const node = {
    nodeName,
    startTime: new Date(nodeStartMs).toISOString(),
    cpu: rates.cpu('node', n.cpuCoreNanoSeconds, n.timestampMs),
    memory: mem(n.timestampMs, n.memoryWorkingSetBytes, { usageBytes: n.memoryUsageBytes, ...(n.memoryAvailableBytes !== undefined ? { availableBytes: n.memoryAvailableBytes } : {}) }),
  };
  rates.retain(seen);
  return { node, pods };
}
