// In-process watch fan-out shared by drivers that see every commit in order (memory, sqlite).
//
// The driver publishes each committed event; the hub keeps the most recent ones in a bounded ring so
// that live watchers are served from memory (no query per watcher per write). A watcher that starts
// before the ring, or falls behind it, reads history from the driver page by page and then joins the
// ring. Each watcher keeps its own cursor, so delivery is in revision order with no gaps and no
// duplicates whatever the path.
import type { WatchEvent } from './backend';
import { CompactedError } from './errors';

export interface HistoryPage {
  /** Matching events, in revision order. */
  readonly events: readonly WatchEvent[];
  /** Every event with a revision <= this was considered (the next page starts after it). */
  readonly scannedThrough: number;
}

export interface WatchHubSource {
  /** Events under `prefix` with revision >= fromRevision, at most `limit`, in revision order. */
  readHistory(prefix: string, fromRevision: number, limit: number): HistoryPage | Promise<HistoryPage>;
  /** Newest revision no longer readable (see Backend.compactedRevision). */
  compactedRevision(): number;
}

export interface WatchHubConfig {
  /** Revision of the last commit before the hub starts receiving events. */
  readonly startRevision: number;
  /** Most events kept in memory (default 4096). */
  readonly capacity?: number;
  /** Most value bytes kept in memory (default 16 MiB). */
  readonly maxBytes?: number;
  /** Most events per delivered batch (default 1000). */
  readonly batchLimit?: number;
}

export class WatchHub {
  private ring: WatchEvent[] = [];
  private head = 0;
  private bytes = 0;
  /** The ring holds every event with revision in (floor, last]. */
  private floor: number;
  private last: number;
  /**
   * Caught-up watchers waiting for a commit, by the key prefix they watch: a commit wakes only the
   * watchers whose prefix holds its key, with its revision (every commit in between was elsewhere).
   */
  private waiters = new Map<string, Set<Waiter>>();
  private readonly abortWaiters = new WeakMap<AbortSignal, Set<Waiter>>();
  private closed = false;
  private readonly capacity: number;
  private readonly maxBytes: number;
  private readonly batchLimit: number;

  constructor(
    private readonly source: WatchHubSource,
    config: WatchHubConfig,
  ) {
    this.floor = config.startRevision;
    this.last = config.startRevision;
    this.capacity = config.capacity ?? 4096;
    this.maxBytes = config.maxBytes ?? 16 * 1024 * 1024;
    this.batchLimit = config.batchLimit ?? 1000;
  }

  /** The revision of the last published event. */
  get lastRevision(): number {
    return this.last;
  }

  /** Records a committed event; must be called in commit order. */
  publish(event: WatchEvent): void {
    if (event.revision <= this.last) {
      throw new Error(`watch hub: event revision ${event.revision} is not after the last published revision ${this.last}`);
    }
    this.ring.push(event);
    this.bytes += eventBytes(event);
    this.last = event.revision;
    this.wakeFor(event.kv.key, event.revision);
    while (this.ring.length - this.head > this.capacity || (this.bytes > this.maxBytes && this.ring.length - this.head > 1)) {
      const old = this.ring[this.head]!;
      this.ring[this.head] = undefined as unknown as WatchEvent;
      this.head++;
      this.bytes -= eventBytes(old);
      this.floor = old.revision;
    }
    if (this.head > 1024 && this.head * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.head);
      this.head = 0;
    }
  }

  /** Ends every watch (their iterators return). */
  close(): void {
    this.closed = true;
    this.ring = [];
    this.head = 0;
    this.bytes = 0;
    this.wakeAll();
  }

  /**
   * Starts a watch. `fromRevision` 0 means "after the last published revision", taken now.
   * CompactedError and argument errors surface from the iterator's first next().
   */
  watch(prefix: string, fromRevision: number | undefined, signal: AbortSignal): AsyncIterable<readonly WatchEvent[]> {
    const from = fromRevision === undefined || fromRevision === 0 ? this.last + 1 : fromRevision;
    return this.run(prefix, from, signal);
  }

  private async *run(prefix: string, from: number, signal: AbortSignal): AsyncGenerator<readonly WatchEvent[]> {
    if (!Number.isSafeInteger(from) || from < 0) {
      throw new RangeError(`watch fromRevision must be a non-negative integer, got ${from}`);
    }
    let next = from;
    for (;;) {
      if (signal.aborted || this.closed) return;
      const compacted = this.source.compactedRevision();
      if (next <= compacted) throw new CompactedError(next, compacted);
      const page = next > this.floor ? this.fromRing(prefix, next) : await this.source.readHistory(prefix, next, this.batchLimit);
      if (signal.aborted || this.closed) return;
      if (page.scannedThrough >= next) next = page.scannedThrough + 1;
      if (page.events.length > 0) {
        yield page.events;
      } else if (next > this.last) {
        // Nothing under the prefix until `woke`: skip what was committed elsewhere meanwhile
        // (it may have left the ring already, and need not be read back).
        const woke = await this.changed(prefix, signal);
        if (woke !== undefined && woke > next) next = woke;
      }
    }
  }

  private fromRing(prefix: string, next: number): HistoryPage {
    const ring = this.ring;
    let lo = this.head;
    let hi = ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ring[mid]!.revision < next) lo = mid + 1;
      else hi = mid;
    }
    const events: WatchEvent[] = [];
    for (let i = lo; i < ring.length; i++) {
      const e = ring[i]!;
      if (prefix === '' || e.kv.key.startsWith(prefix)) {
        events.push(e);
        if (events.length >= this.batchLimit) return { events, scannedThrough: e.revision };
      }
    }
    return { events, scannedThrough: this.last };
  }

  /** Resolves with the revision of the next commit under `prefix` (undefined on abort or close). */
  private changed(prefix: string, signal: AbortSignal): Promise<number | undefined> {
    return new Promise((resolve) => {
      const done = (revision?: number): void => {
        const set = this.waiters.get(prefix);
        if (set?.delete(done) && set.size === 0) this.waiters.delete(prefix);
        this.abortWaiters.get(signal)?.delete(done);
        resolve(revision);
      };
      let set = this.waiters.get(prefix);
      if (!set) this.waiters.set(prefix, (set = new Set()));
      set.add(done);
      this.onAbort(signal, done);
    });
  }

  /**
   * One 'abort' listener per distinct signal, however many watches share it (a server-wide shutdown
   * signal may be passed to thousands of watches; per-wait listeners would pile up on it).
   */
  private onAbort(signal: AbortSignal, fn: Waiter): void {
    let set = this.abortWaiters.get(signal);
    if (!set) {
      const fns = new Set<Waiter>();
      set = fns;
      this.abortWaiters.set(signal, fns);
      signal.addEventListener(
        'abort',
        () => {
          for (const f of [...fns]) f();
          fns.clear();
        },
        { once: true },
      );
    }
    set.add(fn);
  }

  private wakeFor(key: string, revision: number): void {
    for (const [prefix, set] of this.waiters) {
      if (!key.startsWith(prefix)) continue;
      this.waiters.delete(prefix);
      for (const w of set) w(revision);
    }
  }

  private wakeAll(): void {
    const sets = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of sets) for (const w of set) w();
  }
}

type Waiter = (revision?: number) => void;

function eventBytes(e: WatchEvent): number {
  return 200 + e.kv.key.length + e.kv.value.byteLength + (e.prevKv ? e.prevKv.value.byteLength : 0);
}
