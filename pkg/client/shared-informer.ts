// A shared informer: one reflector feeding one indexed cache, fanned out to any number of event
// handlers (add / update / delete), with a periodic resync that replays every cached object as an
// update so level-triggered controllers re-check them. Handlers run synchronously and should only
// enqueue keys. Cached objects are frozen: a reader that wants to change one changes a copy.
import { deepFreeze } from '../api/deep-freeze';
import type { KubeObject } from '../api/types';
import type { Logger } from '../log/logger';
import type { Clock } from './clock';
import { DEFAULT_INDEXERS, Indexer, objectKey, type IndexFunc } from './indexer';
import { Reflector, type ReflectorSink } from './reflector';
import { groupResourceName } from './resource-ref';
import type { ResourceClient } from './rest-client';

export interface EventHandler<T extends KubeObject = KubeObject> {
  add?(obj: T): void;
  /** `old === obj` on resync. */
  update?(old: T, obj: T): void;
  /** The last known state of the deleted object. */
  delete?(obj: T): void;
}

export interface SharedInformerConfig<T extends KubeObject> {
  readonly client: ResourceClient<T>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly metadataOnly?: boolean;
  /** Replay the cache to handlers this often (0 = never). */
  readonly resyncPeriodMs?: number;
  readonly indexers?: Readonly<Record<string, IndexFunc<T>>>;
  readonly minWatchTimeoutSeconds?: number;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

export class SharedInformer<T extends KubeObject = KubeObject> {
  readonly indexer: Indexer<T>;
  readonly #handlers = new Set<EventHandler<T>>();
  readonly #reflector: Reflector<T>;
  #synced = false;
  #running: Promise<void> | undefined;
  #syncWaiters: (() => void)[] = [];

  constructor(private readonly cfg: SharedInformerConfig<T>) {
    this.indexer = new Indexer<T>(cfg.indexers ?? (DEFAULT_INDEXERS as Record<string, IndexFunc<T>>));
    const sink: ReflectorSink<T> = {
      replace: (items) => this.#replace(items),
      upsert: (obj) => this.#upsert(obj),
      remove: (obj) => this.#remove(obj),
    };
    this.#reflector = new Reflector<T>({ ...cfg, sink });
  }

  get resource(): string {
    return groupResourceName(this.cfg.client.ref);
  }

  /** True once the first list has been applied to the cache. */
  hasSynced(): boolean {
    return this.#synced;
  }

  get lastSyncResourceVersion(): string {
    return this.#reflector.lastSyncResourceVersion;
  }

  /** Registers a handler; when the cache is already filled it first gets an add for each object. Returns an unregister function. */
  addEventHandler(h: EventHandler<T>): () => void {
    this.#handlers.add(h);
    if (this.#synced) for (const obj of this.indexer.list()) this.#call(h, 'add', () => h.add?.(obj));
    return () => this.#handlers.delete(h);
  }

  /** Starts the reflector and resync timer (once); resolves when `signal` aborts and both stopped. */
  run(signal: AbortSignal): Promise<void> {
    this.#running ??= this.#run(signal);
    return this.#running;
  }

  /** Resolves true once synced, false if `signal` aborts first. */
  waitForSync(signal: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', abort);
        resolve(true);
      };
      const abort = () => {
        this.#syncWaiters = this.#syncWaiters.filter((w) => w !== done);
        resolve(false);
      };
      this.#syncWaiters.push(done);
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  async #run(signal: AbortSignal): Promise<void> {
    let cancelResync: (() => void) | undefined;
    const period = this.cfg.resyncPeriodMs ?? 0;
    const schedule = () => {
      if (period <= 0 || signal.aborted) return;
      cancelResync = this.cfg.clock.setTimeout(() => {
        if (this.#synced) this.resync();
        schedule();
      }, period);
    };
    schedule();
    try {
      await this.#reflector.run(signal);
    } finally {
      cancelResync?.();
    }
  }

  /** Replays every cached object to the update handlers. */
  resync(): void {
    for (const obj of this.indexer.list()) this.#emit('update', (h) => h.update?.(obj, obj));
  }

  #replace(items: readonly T[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKey(obj));
      this.#upsert(obj, true);
    }
    for (const key of this.indexer.keys()) {
      if (seen.has(key)) continue;
      const old = this.indexer.remove(key);
      if (old) this.#emit('delete', (h) => h.delete?.(old));
    }
    if (!this.#synced) {
      this.#synced = true;
      const waiters = this.#syncWaiters;
      this.#syncWaiters = [];
      for (const w of waiters) w();
    }
  }

  #upsert(obj: T, fromList = false): void {
    const old = this.indexer.upsert(deepFreeze(obj));
    if (!old) this.#emit('add', (h) => h.add?.(obj));
    else if (!fromList || old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.#emit('update', (h) => h.update?.(old, obj));
  }

  #remove(obj: T): void {
    deepFreeze(obj);
    const old = this.indexer.remove(objectKey(obj));
    this.#emit('delete', (h) => h.delete?.(obj ?? old));
  }

  #emit(what: string, call: (h: EventHandler<T>) => void): void {
    for (const h of this.#handlers) this.#call(h, what, () => call(h));
  }

  #call(_h: EventHandler<T>, what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.cfg.log.error('event handler failed', { resource: this.resource, event: what, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  }
}
