// The node's own CPU and memory usage for /metrics/resource and /stats/summary, read as cAdvisor
// reads the root cgroup: cpuacct.usage (cumulative core-nanoseconds) and memory usage minus
// inactive file pages (the working set). Where the cgroup v1 files are not visible (a node in a
// network namespace with /sys remounted), /proc/stat and /proc/meminfo stand in.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface NodeUsage {
  /** Cumulative CPU time of the node in core-nanoseconds. */
  readonly cpuCoreNanoSeconds: bigint;
  readonly memoryWorkingSetBytes: number;
  readonly memoryUsageBytes: number;
  readonly memoryAvailableBytes?: number;
  /** Sampling time, ms since the epoch. */
  readonly timestampMs: number;
}

export interface NodeUsageSource {
  /** `/sys/fs/cgroup` (tests point it elsewhere). */
  readonly cgroupRoot: string;
  /** `/proc`. */
  readonly procRoot: string;
  readonly now: () => number;
}

const USER_HZ_NS = 10_000_000n; // 1/100 s in ns: /proc/stat counts in USER_HZ ticks.

async function text(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

function field(body: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:?\\s+(\\d+)`, 'm').exec(body);
  return m ? Number(m[1]) : undefined;
}

async function cpuNs(src: NodeUsageSource): Promise<bigint> {
  for (const dir of ['cpuacct', 'cpu,cpuacct', 'cpu']) {
    const v = await text(join(src.cgroupRoot, dir, 'cpuacct.usage'));
    if (v && /^\d+\s*$/.test(v)) return BigInt(v.trim());
  }
  const stat = (await text(join(src.procRoot, 'stat'))) ?? '';
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0n;
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
  const n = line.trim().split(/\s+/).slice(1).map((x) => BigInt(x));
  const busy = [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + (n[i] ?? 0n), 0n);
  return busy * USER_HZ_NS;
}

async function memory(src: NodeUsageSource): Promise<{ workingSet: number; usage: number; available?: number }> {
  const meminfo = (await text(join(src.procRoot, 'meminfo'))) ?? '';
  const totalKb = field(meminfo, 'MemTotal');
  const usage = await text(join(src.cgroupRoot, 'memory', 'memory.usage_in_bytes'));
  const stat = await text(join(src.cgroupRoot, 'memory', 'memory.stat'));
  if (usage && stat && /^\d+\s*$/.test(usage)) {
    const u = Number(usage.trim());
    const inactive = field(stat, 'total_inactive_file') ?? 0;
    const workingSet = Math.max(0, u - inactive);
    return { workingSet, usage: u, ...(totalKb ? { available: Math.max(0, totalKb * 1024 - workingSet) } : {}) };
  }
  const availKb = field(meminfo, 'MemAvailable') ?? 0;
  const used = Math.max(0, ((totalKb ?? 0) - availKb) * 1024);
  return { workingSet: used, usage: used, available: availKb * 1024 };
}

export async function readNodeUsage(src: NodeUsageSource): Promise<NodeUsage> {
  const [cpu, mem] = await Promise.all([cpuNs(src), memory(src)]);
  return { cpuCoreNanoSeconds: cpu, memoryWorkingSetBytes: mem.workingSet, memoryUsageBytes: mem.usage, ...(mem.available !== undefined ? { memoryAvailableBytes: mem.available } : {}), timestampMs: src.now() };
}

export const HOST_USAGE_SOURCE: Omit<NodeUsageSource, 'now'> = Object.freeze({ cgroupRoot: '/sys/fs/cgroup', procRoot: '/proc' });
