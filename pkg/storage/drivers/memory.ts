// MemoryBackend: the whole contract in process memory. A fake for unit tests elsewhere (API server,
// controllers); nothing survives close(). Simple data structures, written for clarity over speed.
import type {
  Backend,
  DeleteOptions,
  GetOptions,
  KeyValue,
  ListOptions,
  ListResult,
  UpdateOptions,
  WatchEvent,
  WatchOptions,
  WriteOptions,
  WriteResult,
} from '../backend';
import { CompactedError, ConflictError, FutureRevisionError, KeyExistsError, NotFoundError, UnavailableError } from '../errors';
import { DEFAULT_MAX_VALUE_BYTES, checkValueSize, compareKeys, validateKey } from '../keys';
import { WatchHub } from '../watch-hub';

export interface MemoryBackendConfig {
  readonly maxValueBytes?: number;
  /** Clock for lease expiry, in ms (default Date.now). */
  readonly now?: () => number;
}

/** One version of a key; `kv` undefined marks a delete. */
interface Version {
  readonly rev: number;
  readonly kv: KeyValue | undefined;
}

const LEASE_TICK_MAX_MS = 1000;

export class MemoryBackend implements Backend {
  private readonly maxValueBytes: number;
  private readonly now: () => number;
  private state: 'new' | 'open' | 'closed' = 'new';
  private rev = 0;
  private compacted = 0;
  /** Every event with revision > compacted, in order (revisions are contiguous). */
  private log: WatchEvent[] = [];
  /** Per key, its retained versions in revision order. */
  private versions = new Map<string, Version[]>();
  /** Keys of `versions`, sorted by compareKeys. */
  private sorted: string[] = [];
  private leases = new Map<string, { expiresAt: number; modRevision: number }>();
  private leaseTimer: NodeJS.Timeout | undefined;
  private readonly hub: WatchHub;

  constructor(config: MemoryBackendConfig = {}) {
    this.maxValueBytes = config.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.now = config.now ?? Date.now;
    this.hub = new WatchHub(
      {
        readHistory: (prefix, from, limit) => {
          const events: WatchEvent[] = [];
          let i = Math.max(0, from - this.compacted - 1);
          for (; i < this.log.length; i++) {
            const e = this.log[i]!;
            if (!e.kv.key.startsWith(prefix)) continue;
            events.push(e);
            if (events.length >= limit) return { events, scannedThrough: e.revision };
          }
          return { events, scannedThrough: this.rev };
        },
        compactedRevision: () => this.compacted,
      },
      { startRevision: 0 },
    );
  }

  async start(): Promise<void> {
    if (this.state === 'closed') throw new UnavailableError('the memory backend was closed; create a new one');
    this.state = 'open';
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.leaseTimer);
    this.hub.close();
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.rev;
  }

  async compactedRevision(): Promise<number> {
    this.checkOpen();
    return this.compacted;
  }

  async get(key: string, opts: GetOptions = {}): Promise<{ revision: number; kv?: KeyValue }> {
    this.checkOpen();
    validateKey(key);
    const at = this.readRevision(opts.revision);
    const kv = this.versionAt(key, at);
    return kv ? { revision: at, kv } : { revision: at };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    validateKey(prefix, true);
    const at = this.readRevision(opts.revision);
    const limit = opts.limit ?? 0;
    const kvs: KeyValue[] = [];
    let i = opts.continueFrom !== undefined && compareKeys(opts.continueFrom, prefix) >= 0 ? this.upperBound(opts.continueFrom) : this.lowerBound(prefix);
    for (; i < this.sorted.length; i++) {
      const key = this.sorted[i]!;
      if (!key.startsWith(prefix)) break;
      const kv = this.versionAt(key, at);
      if (!kv) continue;
      if (limit > 0 && kvs.length === limit) return { revision: at, kvs, more: true };
      kvs.push(kv);
    }
    return { revision: at, kvs, more: false };
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    this.checkOpen();
    validateKey(prefix, true);
    let count = 0;
    for (let i = this.lowerBound(prefix); i < this.sorted.length && this.sorted[i]!.startsWith(prefix); i++) {
      if (this.versionAt(this.sorted[i]!, this.rev)) count++;
    }
    return { revision: this.rev, count };
  }

  async create(key: string, value: Uint8Array, opts: WriteOptions = {}): Promise<WriteResult> {
    this.checkOpen();
    validateKey(key);
    checkValueSize(value, this.maxValueBytes);
    if (this.latest(key)) throw new KeyExistsError(key);
    const rev = this.rev + 1;
    const kv: KeyValue = { key, value: copy(value), createRevision: rev, modRevision: rev, lease: lease(opts.lease) };
    this.commit({ type: 'create', revision: rev, kv });
    return { revision: rev, kv };
  }

  async update(key: string, value: Uint8Array, opts: UpdateOptions): Promise<WriteResult> {
    this.checkOpen();
    validateKey(key);
    checkValueSize(value, this.maxValueBytes);
    const cur = this.latest(key);
    if (!cur) throw new NotFoundError(key);
    if (cur.modRevision !== opts.expectedModRevision) throw new ConflictError(key, opts.expectedModRevision, cur);
    const rev = this.rev + 1;
    const kv: KeyValue = { key, value: copy(value), createRevision: cur.createRevision, modRevision: rev, lease: lease(opts.lease) };
    this.commit({ type: 'update', revision: rev, kv, prevKv: cur });
    return { revision: rev, kv };
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<WriteResult> {
    this.checkOpen();
    validateKey(key);
    const cur = this.latest(key);
    if (!cur) throw new NotFoundError(key);
    if (opts.expectedModRevision !== undefined && cur.modRevision !== opts.expectedModRevision) {
      throw new ConflictError(key, opts.expectedModRevision, cur);
    }
    const rev = this.rev + 1;
    const kv: KeyValue = { ...cur, modRevision: rev };
    this.commit({ type: 'delete', revision: rev, kv, prevKv: cur });
    return { revision: rev, kv };
  }

  watch(prefix: string, opts: WatchOptions, signal: AbortSignal): AsyncIterable<readonly WatchEvent[]> {
    this.checkOpen();
    validateKey(prefix, true);
    return this.hub.watch(prefix, opts.fromRevision, signal);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    const target = Math.min(revision, this.rev) - 1;
    if (target <= this.compacted) return;
    for (const [key, vs] of this.versions) {
      // Keep versions after the target, plus the newest one at or before it if it is live.
      let firstKept = vs.findIndex((v) => v.rev > target);
      if (firstKept === -1) firstKept = vs.length;
      const base = firstKept > 0 && vs[firstKept - 1]!.kv ? firstKept - 1 : firstKept;
      if (base > 0) vs.splice(0, base);
      if (vs.length === 0) this.versions.delete(key);
    }
    this.sorted = this.sorted.filter((k) => this.versions.has(k));
    this.log = this.log.slice(target - this.compacted);
    this.compacted = target;
  }

  private commit(event: WatchEvent): void {
    const key = event.kv.key;
    this.rev = event.revision;
    let vs = this.versions.get(key);
    if (!vs) {
      vs = [];
      this.versions.set(key, vs);
      this.sorted.splice(this.lowerBound(key), 0, key);
    }
    vs.push({ rev: event.revision, kv: event.type === 'delete' ? undefined : event.kv });
    this.log.push(event);
    if (event.type !== 'delete' && event.kv.lease > 0) {
      this.leases.set(key, { expiresAt: this.now() + event.kv.lease * 1000, modRevision: event.revision });
      this.armLeaseTimer();
    } else {
      this.leases.delete(key);
    }
    this.hub.publish(event);
  }

  private armLeaseTimer(): void {
    clearTimeout(this.leaseTimer);
    if (this.leases.size === 0 || this.state !== 'open') return;
    let next = Infinity;
    for (const l of this.leases.values()) next = Math.min(next, l.expiresAt);
    const delay = Math.min(Math.max(0, next - this.now()), LEASE_TICK_MAX_MS);
    this.leaseTimer = setTimeout(() => this.expireLeases(), delay);
    this.leaseTimer.unref();
  }

  private expireLeases(): void {
    if (this.state !== 'open') return;
    const now = this.now();
    for (const [key, l] of [...this.leases]) {
      if (l.expiresAt > now) continue;
      const cur = this.latest(key);
      if (cur && cur.modRevision === l.modRevision) {
        this.commit({ type: 'delete', revision: this.rev + 1, kv: { ...cur, modRevision: this.rev + 1 }, prevKv: cur });
      }
      this.leases.delete(key);
    }
    this.armLeaseTimer();
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new UnavailableError(this.state === 'new' ? 'call start() first' : 'the backend is closed');
  }

  private readRevision(revision: number | undefined): number {
    if (revision === undefined || revision === 0) return this.rev;
    if (!Number.isSafeInteger(revision) || revision < 0) throw new RangeError(`revision must be a non-negative integer, got ${revision}`);
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev);
    if (revision <= this.compacted) throw new CompactedError(revision, this.compacted);
    return revision;
  }

  private latest(key: string): KeyValue | undefined {
    const vs = this.versions.get(key);
    return vs?.[vs.length - 1]?.kv;
  }

  private versionAt(key: string, at: number): KeyValue | undefined {
    const vs = this.versions.get(key);
    if (!vs) return undefined;
    for (let i = vs.length - 1; i >= 0; i--) {
      if (vs[i]!.rev <= at) return vs[i]!.kv;
    }
    return undefined;
  }

  /** First index whose key is >= `key`. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.sorted[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose key is > `key`. */
  private upperBound(key: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.sorted[mid]!, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function copy(value: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(value);
}

function lease(ttl: number | undefined): number {
  if (ttl === undefined || ttl === 0) return 0;
  if (!Number.isSafeInteger(ttl) || ttl < 0) throw new RangeError(`lease must be a non-negative integer number of seconds, got ${ttl}`);
  return ttl;
}
