// Where flannel reads Nodes and writes its own node's annotations: the API (an informer on nodes plus
// merge patches, like flannel's kube subnet manager) or, in tests, an in-memory set of Nodes shared
// by several flannel instances (MemoryNodeSource, a fake named as such).
import type { KubeObject } from '../api/types';
import type { Clock } from '../client/clock';
import { SharedInformerFactory } from '../client/informer-factory';
import { RESOURCES } from '../client/resource-ref';
import type { SharedInformer } from '../client/shared-informer';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';
import { ANNOTATION_PREFIX } from './annotations';

export interface NodeSource {
  /** Starts watching; `onChange` is called after the first full list and on every change. Resolves once synced (false if aborted first). */
  start(signal: AbortSignal, onChange: () => void): Promise<boolean>;
  list(): readonly KubeObject[];
  get(name: string): KubeObject | undefined;
  patchAnnotations(name: string, annotations: Readonly<Record<string, string>>): Promise<void>;
  /** Resolves when watching stopped after the signal aborted. */
  readonly done: Promise<void>;
}

/** The parts of a Node that flannel reads, as one comparable string. */
export function leaseFields(node: KubeObject): string {
  const a = node.metadata.annotations ?? {};
  const ours = Object.keys(a)
    .filter((k) => k.startsWith(`${ANNOTATION_PREFIX}/`))
    .sort()
    .map((k) => `${k}=${a[k]}`);
  return JSON.stringify([(node.spec as { podCIDR?: unknown } | undefined)?.podCIDR ?? null, ...ours]);
}

export class KubeNodeSource implements NodeSource {
  readonly #factory: SharedInformerFactory;
  readonly #informer: SharedInformer<KubeObject>;
  #done: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { client: RestClient; clock: Clock; log: Logger }) {
    this.#factory = new SharedInformerFactory({ client: deps.client, clock: deps.clock, log: deps.log });
    this.#informer = this.#factory.informerFor(RESOURCES.nodes);
  }

  async start(signal: AbortSignal, onChange: () => void): Promise<boolean> {
    // Node status heartbeats change nothing flannel reads: only pod range and flannel annotations count.
    this.#informer.addEventHandler({ add: onChange, update: (a, b) => leaseFields(a) !== leaseFields(b) && onChange(), delete: onChange });
    this.#factory.start(signal);
    this.#done = this.#factory.stopped();
    const synced = await this.#factory.waitForCacheSync(signal);
    if (synced) onChange();
    return synced;
  }

  list(): readonly KubeObject[] {
    return this.#informer.indexer.list();
  }

  get(name: string): KubeObject | undefined {
    return this.#informer.indexer.getByName(undefined, name);
  }

  async patchAnnotations(name: string, annotations: Readonly<Record<string, string>>): Promise<void> {
    await this.deps.client.resource(RESOURCES.nodes).patch(undefined, name, 'merge', { metadata: { annotations } });
  }

  get done(): Promise<void> {
    return this.#done;
  }
}

/** In-memory Nodes for tests: several flannel instances share one, as they would share the API. */
export class MemoryNodeSource implements NodeSource {
  readonly #nodes = new Map<string, KubeObject>();
  readonly #listeners = new Set<() => void>();
  readonly done: Promise<void> = Promise.resolve();

  async start(signal: AbortSignal, onChange: () => void): Promise<boolean> {
    this.#listeners.add(onChange);
    signal.addEventListener('abort', () => this.#listeners.delete(onChange), { once: true });
    queueMicrotask(onChange);
    return !signal.aborted;
  }

  list(): readonly KubeObject[] {
    return [...this.#nodes.values()];
  }

  get(name: string): KubeObject | undefined {
    return this.#nodes.get(name);
  }

  /** Adds or replaces a Node (a copy is stored). */
  set(node: KubeObject): void {
    this.#nodes.set(node.metadata.name ?? '', structuredClone(node));
    this.#notify();
  }

  delete(name: string): void {
    this.#nodes.delete(name);
    this.#notify();
  }

  async patchAnnotations(name: string, annotations: Readonly<Record<string, string>>): Promise<void> {
    const n = this.#nodes.get(name);
    if (!n) throw new Error(`node "${name}" not found`);
    this.set({ ...n, metadata: { ...n.metadata, annotations: { ...(n.metadata.annotations ?? {}), ...annotations } } });
  }

  #notify(): void {
    for (const l of this.#listeners) queueMicrotask(l);
  }
}
