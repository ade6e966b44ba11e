// Informer-like caches of resources' objects, kept in memory by listing each store's key space once
// and then watching from the listed revision (CacheGroup: several caches, one watch). Authorizers
// read them on every request, so a request costs no datastore read. A watch that breaks
// (compaction, datastore restart) relists.
import type { KubeObject } from '../../api/types';
import type { Logger } from '../../log/logger';
import type { KeyValue, ListOptions, ListResult, WatchEvent } from '../../storage/backend';

/** What the cache needs of a registry Store (Store satisfies it). */
export interface CacheSource {
  readonly prefixRoot: string;
  backendList(prefix: string, opts: ListOptions): Promise<ListResult>;
  backendWatch(prefix: string, fromRevision: number, signal: AbortSignal): AsyncIterable<readonly WatchEvent[]>;
  decode(kv: KeyValue): KubeObject;
  /**
   * decode() of a watch event's value, shared with every other reader of the same event (the API
   * server's watchers): read-only. Used for watch events when the source has it.
   */
  decodeShared?(kv: KeyValue): KubeObject;
}

export type CacheEvent<T> =
  | { readonly type: 'reset' }
  | { readonly type: 'upsert'; readonly key: string; readonly value: T; readonly previous?: T }
  | { readonly type: 'delete'; readonly key: string; readonly previous: T };

export interface StoreCacheOptions<T> {
  /** What to keep of each object (a compact projection saves memory and work for readers). */
  readonly project: (obj: KubeObject) => T;
  readonly log: Logger;
  /** Delay before relisting after a broken watch (default 1 s). */
  readonly retryDelayMs?: number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Objects per list page (default 500). */
  readonly pageSize?: number;
}

/** Read side, for authorizers and controllers. Keys are `namespace/name` or `name` (cluster-scoped). */
export interface ReadonlyCache<T> {
  get(key: string): T | undefined;
  values(): IterableIterator<T>;
  entries(): IterableIterator<[string, T]>;
  readonly size: number;
  /** Called synchronously after each change, in order. Returns an unsubscribe function. */
  subscribe(listener: (ev: CacheEvent<T>) => void): () => void;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function cacheKey(obj: Pick<KubeObject, 'metadata'>): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${String(obj.metadata.name)}` : String(obj.metadata.name);
}

export class StoreCache<T> implements ReadonlyCache<T> {
  private items = new Map<string, T>();
  private readonly listeners = new Set<(ev: CacheEvent<T>) => void>();
  private group?: CacheGroup;
  /** The revision the cache reflects. */
  revision = 0;

  constructor(
    readonly source: CacheSource,
    private readonly opts: StoreCacheOptions<T>,
  ) {}

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }

  entries(): IterableIterator<[string, T]> {
    return this.items.entries();
  }

  subscribe(listener: (ev: CacheEvent<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves after the first complete list. */
  get synced(): Promise<void> {
    return (this.group ??= new CacheGroup([this as StoreCache<unknown>], this.opts)).synced;
  }

  /** Runs this cache alone (its own list and watch); see CacheGroup to share one watch. */
  start(): void {
    (this.group ??= new CacheGroup([this as StoreCache<unknown>], this.opts)).start();
  }

  stop(): Promise<void> {
    return this.group?.stop() ?? Promise.resolve();
  }

  private emit(ev: CacheEvent<T>): void {
    for (const l of this.listeners) l(ev);
  }

  keyOf(kv: KeyValue): string {
    return kv.key.slice(this.source.prefixRoot.length);
  }

  /** Replaces the contents with a full list at `revision` (0: the latest); returns the revision read. */
  async load(revision: number): Promise<number> {
    const prefix = this.source.prefixRoot;
    const next = new Map<string, T>();
    let continueFrom: string | undefined;
    for (;;) {
      const page = await this.source.backendList(prefix, { revision: revision || undefined, limit: this.opts.pageSize ?? 500, continueFrom });
      revision = page.revision;
      for (const kv of page.kvs) next.set(this.keyOf(kv), this.opts.project(this.source.decode(kv)));
      if (!page.more || page.kvs.length === 0) break;
      continueFrom = page.kvs[page.kvs.length - 1]!.key;
    }
    this.items = next;
    this.revision = revision;
    this.emit({ type: 'reset' });
    return revision;
  }

  apply(ev: WatchEvent): void {
    const key = this.keyOf(ev.kv);
    const previous = this.items.get(key);
    if (ev.type === 'delete') {
      this.items.delete(key);
      if (previous !== undefined) this.emit({ type: 'delete', key, previous });
    } else {
      // Projections only read the object, so the API watchers' decoding of this event serves here too.
      const value = this.opts.project(this.source.decodeShared ? this.source.decodeShared(ev.kv) : this.source.decode(ev.kv));
      this.items.set(key, value);
      this.emit({ type: 'upsert', key, value, previous });
    }
    this.revision = ev.revision;
  }
}

export interface CacheGroupOptions {
  readonly log: Logger;
  readonly retryDelayMs?: number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The longest common prefix of the caches' key spaces, cut after its last '/'. */
function commonPrefix(prefixes: readonly string[]): string {
  let p = prefixes[0] ?? '';
  for (const q of prefixes) while (!q.startsWith(p)) p = p.slice(0, -1);
  return p.slice(0, p.lastIndexOf('/') + 1);
}

/**
 * Several caches of one datastore fed by one list each (at a single revision) and one watch of
 * their common prefix: a write then wakes one watcher instead of one per cache. A broken watch
 * relists them all.
 */
export class CacheGroup {
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private syncedOnce = false;
  private resolveSynced!: () => void;
  private rejectSynced!: (e: unknown) => void;
  readonly synced: Promise<void>;

  constructor(
    private readonly caches: readonly StoreCache<unknown>[],
    private readonly opts: CacheGroupOptions,
  ) {
    this.synced = new Promise((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    this.synced.catch(() => undefined);
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (!this.syncedOnce) this.rejectSynced(new Error('caches stopped before their first list'));
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const sleep = this.opts.sleep ?? defaultSleep;
    const prefix = commonPrefix(this.caches.map((c) => c.source.prefixRoot));
    // Longest prefixes first, so that a cache of /a/b/ wins over one of /a/ for /a/b/x.
    const byPrefix = [...this.caches].sort((a, b) => b.source.prefixRoot.length - a.source.prefixRoot.length);
    while (!signal.aborted) {
      try {
        let revision = 0;
        for (const c of this.caches) revision = await c.load(revision);
        if (!this.syncedOnce) {
          this.syncedOnce = true;
          this.resolveSynced();
        }
        for await (const batch of this.caches[0]!.source.backendWatch(prefix, revision + 1, signal)) {
          for (const ev of batch) byPrefix.find((c) => ev.kv.key.startsWith(c.source.prefixRoot))?.apply(ev);
        }
      } catch (e) {
        if (signal.aborted) break;
        this.opts.log.warn('cache watch failed; relisting', { prefix, error: e instanceof Error ? e.message : String(e) });
      }
      if (!signal.aborted) await sleep(this.opts.retryDelayMs ?? 1000, signal);
    }
  }
}
