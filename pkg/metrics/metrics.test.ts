import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { formatResourceMetrics } from '../kubelet/server/resource-metrics';
import type { ResourceSample } from '../kubelet/server/resource-stats';
import { createLogger } from '../log/logger';
import { cpuQuantity, memoryQuantity, windowString } from './metrics-handler';
import { MetricsScraper } from './metrics-scraper';
import { parseResourceMetrics, parseSamples } from './resource-metrics-parse';

function sample(t: number, nodeCpuNs: bigint, podCpuNs: bigint, startMs = 1_000): ResourceSample {
  const c = { name: 'web', id: 'c1', startMs, cpuCoreNanoSeconds: podCpuNs, memoryWorkingSetBytes: 4096 * 300, timestampMs: t };
  return {
    node: { cpuCoreNanoSeconds: nodeCpuNs, memoryWorkingSetBytes: 1024 * 1024 * 512, memoryUsageBytes: 1024 * 1024 * 600, timestampMs: t },
    pods: [{ namespace: 'default', name: 'web', uid: 'u1', containers: [c], cpuCoreNanoSeconds: podCpuNs, memoryWorkingSetBytes: c.memoryWorkingSetBytes, timestampMs: t }],
    containersOk: true,
  };
}

const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } } as unknown as KubeObject;
const log = createLogger({ level: 'error', component: 'test' });

describe('resource metrics text', () => {
  it('round-trips the kubelet format: node and container points with their timestamps', () => {
    const text = formatResourceMetrics(sample(1_700_000_000_000, 5_000_000_000n, 250_000_000n));
    expect(text).toContain('# TYPE container_cpu_usage_seconds_total counter');
    expect(text).toContain('container_cpu_usage_seconds_total{container="web",namespace="default",pod="web"} 0.25 1700000000000');
    expect(text).toContain('resource_scrape_error 0\n');
    const p = parseResourceMetrics(text, 1);
    expect(p.node).toEqual({ cpuSeconds: 5, memoryBytes: 512 * 1024 * 1024, timestampMs: 1_700_000_000_000 });
    expect(p.containers).toEqual([{ namespace: 'default', pod: 'web', container: 'web', cpuSeconds: 0.25, memoryBytes: 4096 * 300, timestampMs: 1_700_000_000_000, startTime: 1 }]);
  });

  it('reads escaped label values and samples without timestamps; rejects garbage', () => {
    expect(parseSamples('a{x="q\\"uo\\\\te",y="b"} 1.5e3\n# c\nb 2')).toEqual([
      { name: 'a', labels: { x: 'q"uo\\te', y: 'b' }, value: 1500 },
      { name: 'b', labels: {}, value: 2 },
    ]);
    expect(() => parseSamples('not a metric line at all {')).toThrow(/unparseable/);
  });
});

describe('metrics scraper', () => {
  it('reports CPU as the rate between the last two scrapes and the latest memory; a restarted container has no rate', async () => {
    let now = 1_000_000;
    const texts = [formatResourceMetrics(sample(now, 10_000_000_000n, 1_000_000_000n)), formatResourceMetrics(sample(now + 10_000, 15_000_000_000n, 1_500_000_000n)), formatResourceMetrics(sample(now + 20_000, 20_000_000_000n, 100n, 99_000))];
    let i = 0;
    const scraper = new MetricsScraper({ fetch: async () => texts[i++]!, now: () => now, log });
    const nodes = async () => [node];
    await scraper.refresh(nodes);
    expect(scraper.nodes().size).toBe(0);
    now += 10_000;
    await scraper.ensureFresh(nodes); // no rate yet → scrapes again
    expect(scraper.nodes().get('n1')).toEqual({ nanoCores: 500_000_000, memoryBytes: 512 * 1024 * 1024, timestampMs: 1_010_000, windowMs: 10_000 });
    expect(scraper.pods().get('default/web')?.containers[0]?.usage.nanoCores).toBe(50_000_000);
    now += 10_000;
    await scraper.refresh(nodes);
    expect(scraper.pods().has('default/web')).toBe(false);
  });

  it('skips nodes that are not Ready and keeps going when a kubelet fails', async () => {
    const notReady = { ...node, metadata: { name: 'n2' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } } as unknown as KubeObject;
    const asked: string[] = [];
    const scraper = new MetricsScraper({ fetch: async (n) => (asked.push(String(n.metadata.name)), Promise.reject(new Error('down'))), now: () => 0, log });
    await scraper.refresh(async () => [node, notReady]);
    expect(asked).toEqual(['n1']);
    expect(scraper.nodes().size).toBe(0);
  });

  it('logs a failing kubelet once per error, and again when it recovers', async () => {
    const lines: string[] = [];
    const recording = createLogger({ level: 'info', component: 'test', write: (l) => void lines.push(l) });
    let error: string | undefined = 'no address';
    const scraper = new MetricsScraper({ fetch: async () => (error ? Promise.reject(new Error(error)) : formatResourceMetrics(sample(1_000, 1n, 1n))), now: () => 0, log: recording });
    const scrape = () => scraper.refresh(async () => [node]);
    await scrape();
    await scrape();
    expect(lines.filter((l) => l.includes('could not scrape')).length).toBe(1);
    error = 'connection refused';
    await scrape();
    await scrape();
    expect(lines.filter((l) => l.includes('could not scrape')).length).toBe(2);
    error = undefined;
    await scrape();
    await scrape();
    expect(lines.filter((l) => l.includes('scraping the kubelet resource metrics again')).length).toBe(1);
    error = 'no address';
    await scrape();
    expect(lines.filter((l) => l.includes('could not scrape')).length).toBe(3);
  });
});

describe('metrics quantities', () => {
  it('formats CPU in nanocores, memory in Ki when whole, windows as Go durations', () => {
    expect(cpuQuantity(1234.4)).toBe('1234n');
    expect(memoryQuantity(4096 * 3)).toBe('12Ki');
    expect(memoryQuantity(1000)).toBe('1000');
    expect(windowString(15_002)).toBe('15.002s');
  });
});
