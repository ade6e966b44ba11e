// Reads a kubelet's /metrics/resource (Prometheus text format 0.0.4) into the points the metrics
// API needs: the node's cumulative CPU and working set, and each container's. Unknown families
// and comments are skipped; each sample's own timestamp (ms) is kept, else the scrape time.
import { MetricsError } from './errors';

export interface UsagePoint {
  /** Cumulative CPU in core-seconds. */
  readonly cpuSeconds: number;
  readonly memoryBytes: number;
  /** When the kubelet sampled it, ms since the epoch. */
  readonly timestampMs: number;
}

export interface ContainerPoint extends UsagePoint {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** Container start, seconds since the epoch (tells a restarted container from the old one). */
  readonly startTime?: number;
}

export interface NodeScrape {
  readonly node?: UsagePoint;
  readonly containers: readonly ContainerPoint[];
}

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?\s*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy;

function unescape(v: string): string {
  return v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new MetricsError('bad-metrics', `unparseable metrics line: ${line.slice(0, 200)}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL.lastIndex = 0;
      let lm: RegExpExecArray | null;
      while (LABEL.lastIndex < m[2].length && (lm = LABEL.exec(m[2]))) labels[lm[1]!] = unescape(lm[2]!);
    }
    const value = Number(m[3]);
    out.push({ name: m[1]!, labels, value, ...(m[4] !== undefined ? { timestampMs: Number(m[4]) } : {}) });
  }
  return out;
}

export function parseResourceMetrics(text: string, scrapedAtMs: number): NodeScrape {
  const samples = parseSamples(text);
  let nodeCpu: Sample | undefined;
  let nodeMem: Sample | undefined;
  const containers = new Map<string, { cpu?: Sample; mem?: Sample; start?: Sample; ns: string; pod: string; container: string }>();
  for (const s of samples) {
    if (s.name === 'node_cpu_usage_seconds_total') nodeCpu = s;
    else if (s.name === 'node_memory_working_set_bytes') nodeMem = s;
    else if (s.name === 'container_cpu_usage_seconds_total' || s.name === 'container_memory_working_set_bytes' || s.name === 'container_start_time_seconds') {
      const { namespace = '', pod = '', container = '' } = s.labels;
      if (!namespace || !pod || !container) continue;
      const key = `${namespace}/${pod}/${container}`;
      const e = containers.get(key) ?? { ns: namespace, pod, container };
      containers.set(key, e);
      if (s.name === 'container_cpu_usage_seconds_total') e.cpu = s;
      else if (s.name === 'container_memory_working_set_bytes') e.mem = s;
      else e.start = s;
    }
  }
  const point = (cpu: Sample, mem: Sample): UsagePoint => ({ cpuSeconds: cpu.value, memoryBytes: mem.value, timestampMs: cpu.timestampMs ?? scrapedAtMs });
  const out: ContainerPoint[] = [];
  for (const e of containers.values()) {
    if (!e.cpu || !e.mem) continue;
    out.push({ namespace: e.ns, pod: e.pod, container: e.container, ...point(e.cpu, e.mem), ...(e.start ? { startTime: e.start.value } : {}) });
  }
  return { ...(nodeCpu && nodeMem ? { node: point(nodeCpu, nodeMem) } : {}), containers: out };
}
