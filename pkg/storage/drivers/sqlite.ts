// SqliteBackend: the default datastore, a revision log in one sqlite file owned by this process.
//
// One process, one connection, one writer: writes are short synchronous better-sqlite3 transactions
// on the event loop thread, so "database is locked" cannot happen between them (an owner lock keeps
// a second server off the file). The writes of one event-loop turn share one transaction, each
// acknowledged after its commit (group commit, sqlite-writes.ts). Because this process sees every
// commit in order, watches are fed from memory as writes commit (WatchHub) without polling.
// A commit appends one log row; the per-key index `current` follows in batches (sqlite-log.ts).
// Background work — compaction and lease expiry — runs in small transactions between requests.
// Schema, durability reasoning and pragmas: sqlite-schema.ts.
import type Database from 'better-sqlite3';
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
import { CompactedError, ConflictError, FutureRevisionError, NotFoundError, StorageError, UnavailableError } from '../errors';
import { DEFAULT_MAX_VALUE_BYTES, checkValueSize, validateKey } from '../keys';
import { WatchHub } from '../watch-hub';
import { SqliteLog } from './sqlite-log';
import { acquireOwnerLock, openDatastore, type SqliteSynchronous } from './sqlite-schema';
import { GroupCommitter, headOf } from './sqlite-writes';

export interface SqliteBackendConfig {
  /** Database file, e.g. <data-dir>/server/db/state.db (its directory is created). */
  readonly path: string;
  /** better-sqlite3 native addon, loaded by the launcher inside the single executable. */
  readonly nativeBinding?: unknown;
  readonly maxValueBytes?: number;
  /** How often old revisions are compacted (default 5 min; 0 = only on compact()). */
  readonly compactIntervalMs?: number;
  /** Revisions kept readable by the periodic compaction (default 1000). */
  readonly compactRetain?: number;
  /** Revisions compacted per transaction (default 500), so writers wait at most one small batch. */
  readonly compactBatch?: number;
  /** 'normal' (default) keeps acknowledged writes across process crashes; 'full' also across power loss. */
  readonly synchronous?: SqliteSynchronous;
  /** Clock for lease deadlines, in ms (default Date.now). */
  readonly now?: () => number;
  readonly logger?: { warn(msg: string, fields?: Readonly<Record<string, unknown>>): void };
}

const LEASE_TICK_MAX_MS = 1000;
/** Pending heads that trigger a flush of the current index, and the longest they wait. */
const FLUSH_BATCH = 2048;
const FLUSH_DELAY_MS = 200;
const LEASE_BATCH = 200;

interface Open {
  readonly db: Database.Database;
  readonly log: SqliteLog;
  readonly hub: WatchHub;
  readonly release: () => void;
  /** Each write checks its precondition inside the transaction that stores it. */
  readonly writes: GroupCommitter;
  readonly txCompact: (from: number, to: number) => void;
}

export class SqliteBackend implements Backend {
  private readonly config: Required<Omit<SqliteBackendConfig, 'nativeBinding' | 'logger'>> & Pick<SqliteBackendConfig, 'nativeBinding' | 'logger'>;
  private state: 'new' | 'open' | 'closed' = 'new';
  private o: Open | undefined;
  private rev = 0;
  private compacted = 0;
  private compactChain: Promise<void> = Promise.resolve();
  private compactTimer: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private leaseDue = Infinity;
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(config: SqliteBackendConfig) {
    this.config = Object.freeze({
      path: config.path,
      nativeBinding: config.nativeBinding,
      maxValueBytes: config.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
      compactIntervalMs: config.compactIntervalMs ?? 5 * 60_000,
      compactRetain: Math.max(1, config.compactRetain ?? 1000),
      compactBatch: Math.max(1, config.compactBatch ?? 500),
      synchronous: config.synchronous ?? 'normal',
      now: config.now ?? Date.now,
      logger: config.logger,
    });
  }

  async start(): Promise<void> {
    if (this.state === 'open') return;
    if (this.state === 'closed') throw new UnavailableError('this sqlite backend was closed; create a new one');
    const { path, nativeBinding, synchronous } = this.config;
    const lock = acquireOwnerLock(path, { nativeBinding });
    let db: Database.Database;
    try {
      db = openDatastore(path, { nativeBinding, synchronous });
    } catch (e) {
      lock.release();
      throw e;
    }
    const log = new SqliteLog(db);
    try {
      log.replay();
    } catch (e) {
      db.close();
      lock.release();
      throw e;
    }
    this.compacted = log.compactedRevision();
    // After a restore that marked old revisions compacted (snapshot.ts), the log may hold nothing
    // above the compacted revision; the current revision is then compacted + 1, a revision with no
    // event whose state equals the compacted one, so "latest" always stays readable at its revision.
    this.rev = this.compacted > 0 ? Math.max(log.maxRevision(), this.compacted + 1) : log.maxRevision();
    const hub = new WatchHub(
      {
        readHistory: (prefix, from, limit) => log.history(prefix, from, limit, this.rev),
        compactedRevision: () => this.compacted,
      },
      { startRevision: this.rev },
    );
    this.o = {
      db,
      log,
      hub,
      release: () => {
        try {
          log.flush();
        } catch (e) {
          // The log has every commit; the next open replays what did not reach `current`.
          this.config.logger?.warn('sqlite: could not flush the current index on close', { error: String(e) });
        }
        db.close();
        lock.release();
      },
      writes: new GroupCommitter({
        db,
        log,
        revision: () => this.rev,
        isOpen: () => this.state === 'open',
        committed: (event, expiresAt) => this.committed(event, expiresAt),
        failure: (e) => this.failure(e),
      }),
      txCompact: db.transaction((from: number, to: number) => log.compactRange(from, to)),
    };
    this.state = 'open';
    if (this.config.compactIntervalMs > 0) {
      this.compactTimer = setInterval(() => this.periodicCompact(), this.config.compactIntervalMs);
      this.compactTimer.unref();
    }
    this.armLeaseTimer();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    // Writes already submitted are committed (and acknowledged) before the file closes.
    if (this.state === 'open') this.o?.writes.drain();
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    clearInterval(this.compactTimer);
    clearTimeout(this.leaseTimer);
    clearTimeout(this.flushTimer);
    if (!wasOpen || !this.o) return;
    this.o.hub.close();
    this.o.release();
  }

  async currentRevision(): Promise<number> {
    this.open();
    return this.rev;
  }

  async compactedRevision(): Promise<number> {
    this.open();
    return this.compacted;
  }

  async get(key: string, opts: GetOptions = {}): Promise<{ revision: number; kv?: KeyValue }> {
    const { log } = this.open();
    validateKey(key);
    const at = this.readRevision(opts.revision);
    const kv = at === this.rev ? log.latest(key) : log.at(key, at);
    return kv ? { revision: at, kv } : { revision: at };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const { log } = this.open();
    validateKey(prefix, true);
    const at = this.readRevision(opts.revision);
    const limit = opts.limit ?? 0;
    const page = at === this.rev ? log.listLatest(prefix, opts.continueFrom, limit) : log.listAt(prefix, opts.continueFrom, limit, at);
    return { revision: at, kvs: page.kvs, more: page.more };
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    const { log } = this.open();
    validateKey(prefix, true);
    return { revision: this.rev, count: log.count(prefix) };
  }

  async create(key: string, value: Uint8Array, opts: WriteOptions = {}): Promise<WriteResult> {
    const o = this.open();
    validateKey(key);
    checkValueSize(value, this.config.maxValueBytes);
    const ttl = leaseOf(opts.lease);
    const expiresAt = ttl > 0 ? this.config.now() + ttl * 1000 : 0;
    return o.writes.submit({ kind: 'create', key, value: Buffer.from(value), lease: ttl, expiresAt });
  }

  async update(key: string, value: Uint8Array, opts: UpdateOptions): Promise<WriteResult> {
    const o = this.open();
    validateKey(key);
    checkValueSize(value, this.config.maxValueBytes);
    const ttl = leaseOf(opts.lease);
    const expiresAt = ttl > 0 ? this.config.now() + ttl * 1000 : 0;
    return o.writes.submit({ kind: 'update', key, value: Buffer.from(value), lease: ttl, expiresAt, expected: opts.expectedModRevision });
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<WriteResult> {
    const o = this.open();
    validateKey(key);
    return o.writes.submit({ kind: 'delete', key, expected: opts.expectedModRevision });
  }

  watch(prefix: string, opts: WatchOptions, signal: AbortSignal): AsyncIterable<readonly WatchEvent[]> {
    const { hub } = this.open();
    validateKey(prefix, true);
    return hub.watch(prefix, opts.fromRevision, signal);
  }

  async compact(revision: number): Promise<void> {
    this.open();
    const target = Math.min(revision, this.rev) - 1;
    const run = this.compactChain.then(() => this.compactTo(target));
    this.compactChain = run.catch(() => undefined);
    await run;
  }

  // ---- internals ----

  private open(): Open {
    if (this.state !== 'open' || !this.o) {
      throw new UnavailableError(this.state === 'new' ? 'call start() first' : 'the sqlite backend is closed');
    }
    return this.o;
  }

  private readRevision(revision: number | undefined): number {
    if (revision === undefined || revision === 0) return this.rev;
    if (!Number.isSafeInteger(revision) || revision < 0) throw new RangeError(`revision must be a non-negative integer, got ${revision}`);
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev);
    if (revision <= this.compacted) throw new CompactedError(revision, this.compacted);
    return revision;
  }

  /** Runs a write transaction; sqlite failures (disk full, I/O) surface as 'unavailable'. */
  private write<T>(tx: () => T): T {
    try {
      return tx();
    } catch (e) {
      throw this.failure(e);
    }
  }

  private failure(e: unknown): Error {
    if (e instanceof StorageError) return e;
    return new UnavailableError(`sqlite write to ${this.config.path} failed: ${e instanceof Error ? e.message : String(e)}`);
  }

  private committed(event: WatchEvent, expiresAt: number): void {
    const o = this.o!;
    this.rev = event.revision;
    o.log.noteCommitted(event.kv.key, headOf(event, expiresAt));
    if (o.log.pendingCount >= FLUSH_BATCH) this.flushCurrent();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flushCurrent(), FLUSH_DELAY_MS);
      this.flushTimer.unref();
    }
    o.hub.publish(event);
    // The timer only needs to fire no later than this deadline; the check itself finds the rest.
    if (expiresAt > 0 && expiresAt < this.leaseDue) this.armLeaseTimer(expiresAt);
  }

  /** Folds pending heads into the `current` table (batched; see sqlite-log.ts). */
  private flushCurrent(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.state !== 'open' || !this.o) return;
    try {
      this.o.log.flush();
    } catch (e) {
      this.config.logger?.warn('sqlite: flushing the current index failed; will retry', { error: String(e) });
    }
  }

  private async compactTo(target: number): Promise<void> {
    while (this.state === 'open' && this.o && this.compacted < target) {
      const to = Math.min(target, this.compacted + this.config.compactBatch);
      this.write(() => {
        this.o!.log.flush();
        this.o!.txCompact(this.compacted, to);
      });
      this.compacted = to;
      // Let queued requests run between batches.
      if (to < target) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private periodicCompact(): void {
    if (this.state !== 'open') return;
    const target = this.rev - this.config.compactRetain + 1;
    if (target - 1 <= this.compacted) return;
    this.compact(target).catch((e: unknown) => {
      this.config.logger?.warn('sqlite compaction failed; will retry next interval', { error: String(e), target });
    });
  }

  /** Schedules the expiry check for the earliest deadline (`next` when known, else queried). */
  private armLeaseTimer(known?: number): void {
    clearTimeout(this.leaseTimer);
    this.leaseTimer = undefined;
    this.leaseDue = Infinity;
    if (this.state !== 'open' || !this.o) return;
    const next = known ?? this.o.log.nextExpiry();
    if (next === undefined) return;
    const now = this.config.now();
    const delay = Math.min(Math.max(0, next - now), LEASE_TICK_MAX_MS);
    this.leaseDue = now + delay;
    this.leaseTimer = setTimeout(() => this.expireLeases(), delay);
    this.leaseTimer.unref();
  }

  private expireLeases(): void {
    if (this.state !== 'open' || !this.o) return;
    const o = this.o;
    const failed = (e: unknown): void => this.config.logger?.warn('sqlite lease expiry failed; will retry', { error: String(e) });
    let due: Array<{ key: string; rev: number }>;
    try {
      due = o.log.expired(this.config.now(), LEASE_BATCH);
    } catch (e) {
      failed(e);
      this.armLeaseTimer();
      return;
    }
    const deletes = due.map(({ key, rev }) =>
      o.writes.submit({ kind: 'delete', key, expected: rev }).then(
        () => undefined,
        (e: unknown) => {
          // Rewritten or deleted since the query: nothing to expire.
          if (!(e instanceof ConflictError || e instanceof NotFoundError)) failed(e);
        },
      ),
    );
    void Promise.all(deletes).then(() => this.armLeaseTimer());
  }
}

function leaseOf(ttl: number | undefined): number {
  if (ttl === undefined || ttl === 0) return 0;
  if (!Number.isSafeInteger(ttl) || ttl < 0) throw new RangeError(`lease must be a non-negative integer number of seconds, got ${ttl}`);
  return ttl;
}
