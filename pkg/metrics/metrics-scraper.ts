// metrics-server built into the API server: every Ready node's kubelet /metrics/resource is scraped
// every 15 s (and on demand when a request finds the data stale or without a rate yet), the last
// two scrapes of each node are kept, and CPU usage is the rate between them over that window, as
// metrics-server computes it. Memory is the latest working set.
import type { KubeObject } from '../api/types';
import type { Clock } from '../client/clock';
import type { Logger } from '../log/logger';
import { messageOf } from './errors';
import { parseResourceMetrics, type ContainerPoint, type NodeScrape, type UsagePoint } from './resource-metrics-parse';

export const SCRAPE_INTERVAL_MS = 15_000;
/** A request older data than this triggers a scrape before it is answered. */
const STALE_MS = SCRAPE_INTERVAL_MS + 5_000;
/** Scrapes on demand no closer together than this (one rate needs two points apart in time). */
const MIN_ON_DEMAND_MS = 1_000;

export interface Usage {
  /** CPU in nanocores over the window. */
  readonly nanoCores: number;
  readonly memoryBytes: number;
  readonly timestampMs: number;
  readonly windowMs: number;
}

export interface ContainerUsageOf {
  readonly name: string;
  readonly usage: Usage;
}

export interface PodUsageOf {
  readonly namespace: string;
  readonly name: string;
  readonly containers: readonly ContainerUsageOf[];
  readonly timestampMs: number;
  readonly windowMs: number;
}

/** Fetches a path of a node's kubelet API (with the API server's kubelet client credentials). */
export type KubeletFetch = (node: KubeObject, path: string) => Promise<string>;

export interface MetricsScraperDeps {
  readonly fetch: KubeletFetch;
  readonly now: () => number;
  readonly log: Logger;
}

interface Scrape extends NodeScrape {
  readonly atMs: number;
}

function rate(prev: UsagePoint, last: UsagePoint): Usage | undefined {
  const windowMs = last.timestampMs - prev.timestampMs;
  if (windowMs <= 0 || last.cpuSeconds < prev.cpuSeconds) return undefined;
  return { nanoCores: Math.round(((last.cpuSeconds - prev.cpuSeconds) / (windowMs / 1000)) * 1e9), memoryBytes: last.memoryBytes, timestampMs: last.timestampMs, windowMs };
}

function isReady(node: KubeObject): boolean {
  const conds = (node.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

const containerKey = (c: ContainerPoint) => `${c.namespace}/${c.pod}/${c.container}`;

export class MetricsScraper {
  readonly #deps: MetricsScraperDeps;
  /** Per node: the two latest scrapes, newest last. */
  readonly #scrapes = new Map<string, Scrape[]>();
  /** Per node that failed its last scrape: the error, logged once until it changes or clears. */
  readonly #failing = new Map<string, string>();
  #lastMs = 0;
  #inflight: Promise<void> | undefined;

  constructor(deps: MetricsScraperDeps) {
    this.#deps = deps;
  }

  /** Scrapes every Ready node once (concurrent callers share one pass); nodes gone or not Ready are forgotten. */
  refresh(nodes: () => Promise<readonly KubeObject[]>): Promise<void> {
    this.#inflight ??= this.#scrapeAll(nodes).finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  async #scrapeAll(nodes: () => Promise<readonly KubeObject[]>): Promise<void> {
    const ready = (await nodes()).filter(isReady);
    const names = new Set(ready.map((n) => String(n.metadata.name)));
    for (const k of this.#scrapes.keys()) if (!names.has(k)) this.#scrapes.delete(k);
    for (const k of this.#failing.keys()) if (!names.has(k)) this.#failing.delete(k);
    await Promise.all(
      ready.map(async (node) => {
        const name = String(node.metadata.name);
        try {
          const atMs = this.#deps.now();
          const text = await this.#deps.fetch(node, '/metrics/resource');
          const scrape = { ...parseResourceMetrics(text, atMs), atMs };
          this.#scrapes.set(name, [...(this.#scrapes.get(name) ?? []), scrape].slice(-2));
          if (this.#failing.delete(name)) this.#deps.log.info('scraping the kubelet resource metrics again', { node: name });
        } catch (e) {
          const error = messageOf(e);
          if (this.#failing.get(name) === error) return;
          this.#failing.set(name, error);
          this.#deps.log.warn('could not scrape the kubelet resource metrics', { node: name, error });
        }
      }),
    );
    this.#lastMs = this.#deps.now();
  }

  /** Scrapes first when the data is stale, or when some of it has no rate yet and the last scrape is over 1 s old. */
  async ensureFresh(nodes: () => Promise<readonly KubeObject[]>): Promise<void> {
    const age = this.#deps.now() - this.#lastMs;
    if (age >= STALE_MS || (age >= MIN_ON_DEMAND_MS && this.#incomplete())) await this.refresh(nodes);
  }

  #incomplete(): boolean {
    if (this.#scrapes.size === 0) return true;
    for (const [, pair] of this.#scrapes) {
      if (pair.length < 2) return true;
      const before = new Set(pair[0]!.containers.map(containerKey));
      if (pair[1]!.containers.some((c) => !before.has(containerKey(c)))) return true;
    }
    return false;
  }

  /** Usage of each node with two scrapes. */
  nodes(): Map<string, Usage> {
    const out = new Map<string, Usage>();
    for (const [name, pair] of this.#scrapes) {
      const [prev, last] = pair;
      if (!prev?.node || !last?.node) continue;
      const u = rate(prev.node, last.node);
      if (u) out.set(name, u);
    }
    return out;
  }

  /** Usage of each pod (`namespace/name`) whose containers have a rate. */
  pods(): Map<string, PodUsageOf> {
    const out = new Map<string, PodUsageOf>();
    for (const [, pair] of this.#scrapes) {
      const [prev, last] = pair;
      if (!prev || !last) continue;
      const before = new Map(prev.containers.map((c) => [containerKey(c), c]));
      const byPod = new Map<string, ContainerUsageOf[]>();
      for (const c of last.containers) {
        const p = before.get(containerKey(c));
        if (!p || (p.startTime !== undefined && c.startTime !== undefined && p.startTime !== c.startTime)) continue;
        const u = rate(p, c);
        if (!u) continue;
        const key = `${c.namespace}/${c.pod}`;
        byPod.set(key, [...(byPod.get(key) ?? []), { name: c.container, usage: u }]);
      }
      for (const [key, containers] of byPod) {
        const [namespace = '', name = ''] = key.split('/');
        containers.sort((a, b) => a.name.localeCompare(b.name));
        out.set(key, { namespace, name, containers, timestampMs: Math.max(...containers.map((c) => c.usage.timestampMs)), windowMs: Math.max(...containers.map((c) => c.usage.windowMs)) });
      }
    }
    return out;
  }

  /** Scrapes now and then every SCRAPE_INTERVAL_MS until `signal` aborts. */
  run(nodes: () => Promise<readonly KubeObject[]>, signal: AbortSignal, clock: Clock): void {
    let cancel: (() => void) | undefined;
    signal.addEventListener('abort', () => cancel?.(), { once: true });
    const tick = () => {
      if (signal.aborted) return;
      void this.refresh(nodes)
        .catch((e: unknown) => this.#deps.log.warn('metrics scrape failed', { error: messageOf(e) }))
        .finally(() => {
          if (!signal.aborted) cancel = clock.setTimeout(tick, SCRAPE_INTERVAL_MS);
        });
    };
    tick();
  }
}
