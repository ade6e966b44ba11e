// GET /metrics/resource: the kubelet's resource metrics in the Prometheus text format, with
// upstream's metric names, labels and help texts (what metrics-server, and k3ts's built-in metrics
// API, scrape). Samples carry their own timestamps (ms), as the kubelet's do.
import type { ResourceSample } from './resource-stats';

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

const seconds = (ns: bigint): string => (Number(ns) / 1e9).toString();

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly samples: readonly string[];
}

export const RESOURCE_METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function formatResourceMetrics(s: ResourceSample): string {
  const c = s.pods.flatMap((p) => p.containers.map((ct) => ({ p, ct, l: labels({ container: ct.name, namespace: p.namespace, pod: p.name }) })));
  const podLabels = (p: { namespace: string; name: string }) => labels({ namespace: p.namespace, pod: p.name });
  const families: Family[] = [
    { name: 'container_cpu_usage_seconds_total', help: '[STABLE] Cumulative cpu time consumed by the container in core-seconds', type: 'counter', samples: c.map(({ ct, l }) => `${l} ${seconds(ct.cpuCoreNanoSeconds)} ${ct.timestampMs}`) },
    { name: 'container_memory_working_set_bytes', help: '[STABLE] Current working set of the container in bytes', type: 'gauge', samples: c.map(({ ct, l }) => `${l} ${ct.memoryWorkingSetBytes} ${ct.timestampMs}`) },
    { name: 'container_start_time_seconds', help: '[STABLE] Start time of the container since unix epoch in seconds', type: 'gauge', samples: c.map(({ ct, l }) => `${l} ${ct.startMs / 1000} ${ct.timestampMs}`) },
    { name: 'node_cpu_usage_seconds_total', help: '[STABLE] Cumulative cpu time consumed by the node in core-seconds', type: 'counter', samples: [` ${seconds(s.node.cpuCoreNanoSeconds)} ${s.node.timestampMs}`] },
    { name: 'node_memory_working_set_bytes', help: '[STABLE] Current working set of the node in bytes', type: 'gauge', samples: [` ${s.node.memoryWorkingSetBytes} ${s.node.timestampMs}`] },
    { name: 'pod_cpu_usage_seconds_total', help: '[STABLE] Cumulative cpu time consumed by the pod in core-seconds', type: 'counter', samples: s.pods.map((p) => `${podLabels(p)} ${seconds(p.cpuCoreNanoSeconds)} ${p.timestampMs}`) },
    { name: 'pod_memory_working_set_bytes', help: '[STABLE] Current working set of the pod in bytes', type: 'gauge', samples: s.pods.map((p) => `${podLabels(p)} ${p.memoryWorkingSetBytes} ${p.timestampMs}`) },
    { name: 'resource_scrape_error', help: '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise', type: 'gauge', samples: [` ${s.containersOk ? 0 : 1}`] },
  ];
  return families.map((f) => [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.samples.map((x) => `${f.name}${x}`)].join('\n')).join('\n') + '\n';
}
