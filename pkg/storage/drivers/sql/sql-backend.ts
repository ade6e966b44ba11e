// The Backend over a kine-style revision log in a shared SQL database (PostgreSQL, MySQL/MariaDB).
//
// Table `<table>`: one row per revision — id (= the revision), name, created, deleted,
// create_revision, prev_revision, lease, expires_at, value, old_value — with UNIQUE(name,
// prev_revision): two writers that read the same latest row of a key both insert prev_revision =
// that row's id, and the database lets exactly one of them commit (optimistic concurrency without
// locks on keys). Index (name, id) makes "latest row of a key at revision R" one index probe and
// lets paginated lists walk keys in order. Table `<table>_meta` holds the revision counter and the
// compacted revision. Differences from kine, and why:
//  - ids come from the meta counter inside the writing statement/transaction, not from
//    AUTO_INCREMENT/sequences, so revisions are dense and commit-ordered: watchers never have to
//    guess whether a missing id is late or lost (revision-poller.ts explains the argument);
//  - expires_at (unix ms) makes lease expiry one indexed query that any server can run;
//  - the compacted revision lives in the meta table instead of a magic row in the log.
// Several servers may share one database: watch polls the log (1 s tick, and at once after a
// local write while this server has watchers); compaction runs under a database advisory lock;
// lease expiry deletes with expectedModRevision, so servers racing on the same key are harmless.
// Costs and limits: the counter row serialises commits across all servers (one commit in flight,
// so throughput is about one fsync per write, not group-committed); compaction never removes a
// key's latest row at or below the floor, so UNIQUE(name, prev_revision) keeps catching races
// unless a writer stalls between its read and its insert for longer than the retention window.
import type {
  Backend, DeleteOptions, GetOptions, KeyValue, ListOptions, ListResult, UpdateOptions,
  WatchEvent, WatchOptions, WriteOptions, WriteResult,
} from '../../backend';
import {
  CompactedError, ConflictError, FutureRevisionError, InvalidKeyError, KeyExistsError, NotFoundError, StorageError, UnavailableError,
  isStorageError,
} from '../../errors';
import { checkValueSize, validateKey } from '../../keys';
import { BatchQueue } from './batch-queue';
import { LogQueries, type Statement } from './log-queries';
import { toKeyValue, toLogRow, toNumber, toText, toWatchEvent, type LogRow } from './log-row';
import { RevisionPoller, type PollerMessage } from './revision-poller';
import { checkTableName, type NewLogRow, type SqlClient, type SqlRow } from './sql-client';

export interface SqlBackendConfig {
  readonly table: string;
  readonly maxValueBytes: number;
  readonly pollIntervalMs: number;
  /** 0 disables the periodic compactor. */
  readonly compactIntervalMs: number;
  readonly compactRetain: number;
  readonly leaseCheckIntervalMs: number;
  readonly now: () => number;
  /** Background failures (poll, compaction, lease expiry); they are retried on the next tick. */
  readonly onError: (err: unknown) => void;
}

const COMPACT_BATCH = 1000;
const WATCH_BATCH = 1000;
const EXPIRE_BATCH = 500;
const ALL = Number.MAX_SAFE_INTEGER;
/** Longest key (UTF-8 bytes) the log tables index (MySQL VARBINARY(2048); PostgreSQL B-tree entries stop near 2.7 KB). */
export const MAX_SQL_KEY_BYTES = 2048;
const TRANSIENT_RETRIES = 3;

export class SqlBackend implements Backend {
  private readonly t: string;
  private readonly q: LogQueries;
  private readonly poller: RevisionPoller;
  private readonly queues = new Set<BatchQueue<PollerMessage>>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Highest revision this process has seen committed (writes and reads). */
  private observed = 0;
  private started = false;
  private closed = false;

  constructor(private readonly client: SqlClient, private readonly config: SqlBackendConfig) {
    this.t = checkTableName(config.table);
    this.q = new LogQueries(this.t);
    this.poller = new RevisionPoller({
      readRowsAfter: (after, limit) => this.readEvents(after, ALL, undefined, limit),
      compactedRevision: async () => (await this.revisions()).compacted,
      intervalMs: config.pollIntervalMs,
      batchLimit: WATCH_BATCH,
      onError: config.onError,
    });
  }

  async start(): Promise<void> {
    if (this.closed) throw new UnavailableError(`the ${this.client.dialect.name} backend is closed`);
    if (this.started) return;
    await this.wrap(async () => {
      await this.client.withLock(`${this.t}:schema`, true, async () => {
        for (const stmt of this.client.dialect.schema(this.t)) await this.client.exec(stmt);
        const seed = this.client.dialect.insertMetaIfMissing(this.t);
        await this.client.exec(seed, ['revision', 0]);
        await this.client.exec(seed, ['compact_revision', 0]);
      });
      const { current } = await this.revisions();
      this.observed = current;
      this.poller.start(current);
    });
    this.every(this.config.leaseCheckIntervalMs, () => this.expireLeases());
    if (this.config.compactIntervalMs > 0) this.every(this.config.compactIntervalMs, () => this.compactOnce());
    this.started = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.poller.stop();
    for (const q of this.queues) q.end();
    this.queues.clear();
    await this.client.close();
  }

  async currentRevision(): Promise<number> {
    this.ensureOpen();
    return (await this.revisions()).current;
  }

  async compactedRevision(): Promise<number> {
    this.ensureOpen();
    return (await this.revisions()).compacted;
  }

  async get(key: string, opts?: GetOptions): Promise<{ revision: number; kv?: KeyValue }> {
    this.ensureOpen();
    validateKey(key);
    const at = opts?.revision && opts.revision > 0 ? opts.revision : ALL;
    const rows = await this.run(this.q.get(key, at));
    const first = rows[0];
    if (!first) throw new UnavailableError(`table ${this.q.meta} has no revision row; expected start() to have created it`);
    const current = toNumber(first.current_revision, 'current_revision');
    const compacted = toNumber(first.compacted_revision, 'compacted_revision');
    this.observe(current);
    if (at !== ALL && at > current) throw new FutureRevisionError(at, current);
    if (at !== ALL && at <= compacted) throw new CompactedError(at, compacted);
    const revision = at === ALL ? current : at;
    if (first.id === null || first.id === undefined) return { revision };
    const row = toLogRow(first);
    return row.deleted ? { revision } : { revision, kv: toKeyValue(row) };
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    this.ensureOpen();
    validateKey(prefix, true);
    const { current, compacted } = await this.revisions();
    const explicit = opts?.revision !== undefined && opts.revision > 0;
    const at = explicit ? opts.revision! : current;
    if (at > current) throw new FutureRevisionError(at, current);
    // The latest state is always readable (an empty store is at revision 0 = compacted 0).
    if (explicit && at <= compacted) throw new CompactedError(at, compacted);
    const limit = opts?.limit && opts.limit > 0 ? Math.floor(opts.limit) : 0;
    const rows = await this.run(this.q.list(prefix, at, opts?.continueFrom, limit > 0 ? limit + 1 : 0));
    const more = limit > 0 && rows.length > limit;
    const kvs = (more ? rows.slice(0, limit) : rows).map((r) => toKeyValue(toLogRow(r)));
    return { revision: at, kvs, more };
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    this.ensureOpen();
    validateKey(prefix, true);
    const { current } = await this.revisions();
    const rows = await this.run(this.q.count(prefix, current));
    return { revision: current, count: toNumber(rows[0]?.n, 'count') };
  }

  async create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<WriteResult> {
    this.ensureOpen();
    validateKey(key);
    checkValueSize(value, this.config.maxValueBytes);
    const latest = await this.latest(key);
    if (latest && !latest.deleted) throw new KeyExistsError(key);
    const lease = leaseOf(opts);
    try {
      const revision = await this.append({
        name: key, created: true, deleted: false, createRevision: 0, prevRevision: latest?.id ?? 0,
        lease, expiresAt: this.expiry(lease), value, oldValue: null,
      });
      return { revision, kv: { key, value, createRevision: revision, modRevision: revision, lease } };
    } catch (err) {
      if (this.client.dialect.isUniqueViolation(err)) throw new KeyExistsError(key);
      throw err;
    }
  }

  async update(key: string, value: Uint8Array, opts: UpdateOptions): Promise<WriteResult> {
    this.ensureOpen();
    validateKey(key);
    checkValueSize(value, this.config.maxValueBytes);
    const latest = await this.latest(key);
    if (!latest || latest.deleted) throw new NotFoundError(key);
    if (latest.id !== opts.expectedModRevision) throw new ConflictError(key, opts.expectedModRevision, toKeyValue(latest));
    const lease = leaseOf(opts);
    try {
      const revision = await this.append({
        name: key, created: false, deleted: false, createRevision: latest.createRevision, prevRevision: latest.id,
        lease, expiresAt: this.expiry(lease), value, oldValue: latest.value,
      });
      return { revision, kv: { key, value, createRevision: latest.createRevision, modRevision: revision, lease } };
    } catch (err) {
      if (this.client.dialect.isUniqueViolation(err)) throw await this.conflict(key, opts.expectedModRevision);
      throw err;
    }
  }

  async delete(key: string, opts?: DeleteOptions): Promise<WriteResult> {
    this.ensureOpen();
    validateKey(key);
    const expected = opts?.expectedModRevision;
    for (;;) {
      const latest = await this.latest(key);
      if (!latest || latest.deleted) throw new NotFoundError(key);
      if (expected !== undefined && latest.id !== expected) throw new ConflictError(key, expected, toKeyValue(latest));
      try {
        const revision = await this.append({
          name: key, created: false, deleted: true, createRevision: latest.createRevision, prevRevision: latest.id,
          lease: latest.lease, expiresAt: 0, value: latest.value, oldValue: latest.value,
        });
        return { revision, kv: { ...toKeyValue(latest), modRevision: revision } };
      } catch (err) {
        if (!this.client.dialect.isUniqueViolation(err)) throw err;
        // Lost a race. An unconditional delete retries against the new latest row.
        if (expected !== undefined) throw await this.conflict(key, expected);
      }
    }
  }

  watch(prefix: string, opts: WatchOptions, signal: AbortSignal): AsyncIterable<readonly WatchEvent[]> {
    validateKey(prefix, true);
    // Everything below runs synchronously, so "now" means the moment watch() was called: writes
    // this process finished before it are excluded, anything later is delivered.
    const polled = this.poller.position;
    const from = opts.fromRevision && opts.fromRevision > 0 ? opts.fromRevision : Math.max(polled, this.observed) + 1;
    const queue = new BatchQueue<PollerMessage>();
    const unsubscribe = this.poller.subscribe((m) => queue.push(m));
    this.queues.add(queue);
    if (this.closed) queue.end();
    const cleanup = (): void => {
      unsubscribe();
      queue.end();
      this.queues.delete(queue);
      signal.removeEventListener('abort', cleanup);
    };
    signal.addEventListener('abort', cleanup, { once: true });
    return this.stream(prefix, from, polled, queue, signal, cleanup);
  }

  private async *stream(
    prefix: string, from: number, polled: number, queue: BatchQueue<PollerMessage>, signal: AbortSignal, cleanup: () => void,
  ): AsyncGenerator<readonly WatchEvent[]> {
    try {
      this.ensureOpen();
      const compactedBefore = (await this.revisions()).compacted;
      if (from <= compactedBefore) throw new CompactedError(from, compactedBefore);
      // Catch up from the log for [from, polled]; the queue already buffers everything after it.
      let next = from;
      while (next <= polled && !signal.aborted) {
        const rows = await this.readEvents(next - 1, polled, prefix, WATCH_BATCH);
        const { compacted } = await this.revisions();
        if (compacted >= next) throw new CompactedError(next, compacted);
        if (rows.length > 0) yield rows.map(toWatchEvent);
        next = rows.length < WATCH_BATCH ? polled + 1 : rows[rows.length - 1]!.id + 1;
      }
      for (;;) {
        const m = await queue.next(signal);
        if (!m) return;
        if (m.kind === 'compacted') {
          if (m.compacted >= next) throw new CompactedError(next, m.compacted);
          continue;
        }
        const events = m.events.filter((e) => e.revision >= next && e.kv.key.startsWith(prefix));
        next = Math.max(next, m.upTo + 1);
        if (events.length > 0) yield events;
      }
    } finally {
      cleanup();
    }
  }

  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    await this.wrap(async () => {
      const { current, compacted } = await this.revisions();
      // etcd semantics: revision itself stays readable, so the floor is one below it.
      const floor = Math.min(Math.floor(revision), current) - 1;
      if (floor <= compacted) return;
      await this.client.withLock(`${this.t}:compact`, true, () => this.compactTo(floor));
    });
  }

  // ---- internals ----

  private async compactTo(target: number): Promise<void> {
    const { compacted } = await this.revisions();
    if (target <= compacted) return;
    // Publish the new floor first: from here on reads/watches below it fail with CompactedError
    // instead of silently missing the rows deleted next.
    await this.client.exec(...this.q.raiseCompacted(target));
    const min = toNumber((await this.run(this.q.minId()))[0]?.m, 'min id');
    // Small id ranges, each its own short transaction, so writers are never held up for long.
    for (let lo = Math.max(0, min - 1); lo < target; lo += COMPACT_BATCH) {
      for (const [sql, params] of this.client.dialect.compactBatch(this.t, lo, Math.min(lo + COMPACT_BATCH, target), target)) {
        await this.retryTransient(() => this.client.exec(sql, params));
      }
    }
  }

  private async compactOnce(): Promise<void> {
    const { current, compacted } = await this.revisions();
    const floor = current - this.config.compactRetain;
    if (floor <= compacted) return;
    await this.client.withLock(`${this.t}:compact`, false, () => this.compactTo(floor));
  }

  private async expireLeases(): Promise<void> {
    const rows = await this.run(this.q.expired(this.config.now(), EXPIRE_BATCH));
    for (const r of rows) {
      const name = toText(r.name, 'name');
      try {
        await this.delete(name, { expectedModRevision: toNumber(r.id, 'id') });
      } catch (err) {
        // Another server expired it first, or the key was rewritten since: both fine.
        if (!isStorageError(err, 'conflict') && !isStorageError(err, 'not-found')) throw err;
      }
    }
  }

  /** Log rows after revision `after` up to `upTo`, optionally under a prefix, ascending. */
  private async readEvents(after: number, upTo: number, prefix: string | undefined, limit: number): Promise<LogRow[]> {
    return (await this.run(this.q.events(after, upTo, prefix, limit))).map(toLogRow);
  }

  private async latest(key: string): Promise<LogRow | undefined> {
    const rows = await this.run(this.q.latest(key));
    return rows[0] ? toLogRow(rows[0]) : undefined;
  }

  private async conflict(key: string, expected: number): Promise<StorageError> {
    const now = await this.latest(key);
    return !now || now.deleted ? new NotFoundError(key) : new ConflictError(key, expected, toKeyValue(now));
  }

  private async append(row: NewLogRow): Promise<number> {
    const bytes = Buffer.byteLength(row.name, 'utf8');
    if (bytes > MAX_SQL_KEY_BYTES) throw new InvalidKeyError(`the key is ${bytes} bytes long; the SQL drivers store keys of at most ${MAX_SQL_KEY_BYTES} bytes`);
    // A rolled-back attempt leaves nothing behind (not even a revision), so rerunning is safe.
    const revision = await this.wrap(() => this.retryTransient(() => this.client.appendRow(this.t, row)));
    this.observe(revision);
    // Local watchers should see their own server's writes at once, not at the next tick.
    if (this.queues.size > 0) this.poller.kick();
    return revision;
  }

  private async revisions(): Promise<{ current: number; compacted: number }> {
    const rows = await this.run(this.q.revisions());
    let current = 0;
    let compacted = 0;
    for (const r of rows) {
      if (r.name === 'revision') current = toNumber(r.value, 'revision');
      else compacted = toNumber(r.value, 'compact_revision');
    }
    this.observe(current);
    return { current, compacted };
  }

  private ensureOpen(): void {
    if (this.closed) throw new UnavailableError(`the ${this.client.dialect.name} backend is closed`);
    if (!this.started) throw new UnavailableError(`the ${this.client.dialect.name} backend is not started; call start() first`);
  }

  private observe(revision: number): void {
    if (revision > this.observed) this.observed = revision;
  }

  private expiry(lease: number): number {
    return lease > 0 ? this.config.now() + lease * 1000 : 0;
  }

  private run([sql, params]: Statement): Promise<SqlRow[]> {
    return this.wrap(() => this.client.query(sql, params));
  }

  private async retryTransient<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= TRANSIENT_RETRIES || !this.client.dialect.isTransient(err)) throw err;
      }
    }
  }

  /** Maps connection failures to StorageError('unavailable'); other errors pass through. */
  private async wrap<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (this.client.dialect.isUnavailable(err)) {
        const msg = err instanceof Error ? err.message : String(err);
        throw new UnavailableError(`${this.client.dialect.name}: ${msg}`);
      }
      throw err;
    }
  }

  private every(ms: number, fn: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.closed) return;
      running = true;
      fn().catch((err) => this.config.onError(err)).finally(() => (running = false));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}

function leaseOf(opts: WriteOptions | undefined): number {
  const l = opts?.lease ?? 0;
  if (!Number.isFinite(l) || l < 0) throw new RangeError(`lease must be a non-negative number of seconds, got ${l}`);
  return Math.ceil(l);
}
