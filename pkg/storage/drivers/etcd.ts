// etcd3 driver: the Backend over etcd's native v3 gRPC API (@grpc/grpc-js, the field's standard
// pure-JS gRPC client). Every Backend call is one etcd request:
//   create  → Txn(if create_revision(key) == 0 then put)
//   update  → Txn(if mod_revision(key) == expected and key exists then put, else range(key))
//   delete  → DeleteRange(key), or Txn(if mod_revision == expected … else range(key))
//   get/list/count → Range (list: [max(prefix, continueFrom+"\0"), prefixEnd) with limit)
//   watch   → one Watch stream per call, start_revision + prev_kv; a compacted start is the
//             server's cancel response with compact_revision → CompactedError
// Revisions are etcd's own. etcd keeps compact_revision to itself, so compactedRevision() finds
// it by bisecting with cheap count-only Range reads (readable iff revision >= compact_revision).
import type {
  Backend, DeleteOptions, GetOptions, KeyValue, ListOptions, ListResult, UpdateOptions,
  WatchEvent, WatchOptions, WriteOptions, WriteResult,
} from '../backend';
import {
  CompactedError, ConflictError, FutureRevisionError, KeyExistsError, NotFoundError, TooLargeError, UnavailableError,
} from '../errors';
import { DEFAULT_MAX_VALUE_BYTES, checkValueSize, validateKey } from '../keys';
import {
  EtcdRpc, grpc, isGrpcError, num, unavailable, type EtcdTlsFiles, type PbEvent, type PbKeyValue, type UnaryMethod, type UnaryResponse,
} from './etcd/etcd-rpc';
import { makeLeaseId, ttlFromLeaseId } from './etcd/lease-ids';
import { watchEtcd, type EtcdWatchDeps } from './etcd/etcd-watch';

export interface EtcdBackendOptions {
  /** http://host:port, https://host:port, etcd://host:port or host:port; calls fail over in order. */
  readonly endpoints: readonly string[];
  /** Client TLS (implies TLS for every endpoint). */
  readonly tls?: EtcdTlsFiles;
  /** Largest value accepted (default 1.5 MiB; etcd's --max-request-bytes must leave room for it). */
  readonly maxValueBytes?: number;
  /** Deadline of each unary request (default 30 s). */
  readonly requestTimeoutMs?: number;
  /**
   * Bytes put in front of every key (like kube-apiserver's --etcd-prefix), so several clusters or
   * test runs can share one etcd; keys are returned without it. Default: none.
   */
  readonly keyPrefix?: string;
  /** Source of randomness for lease IDs (default Math.random). */
  readonly random?: () => number;
}

export function createEtcdBackend(options: EtcdBackendOptions): Backend {
  return new EtcdBackend(Object.freeze({ ...options }));
}

const NUL = Buffer.from([0]);
const EMPTY = new Uint8Array(0);
const FOREIGN_LEASE_CACHE = 10_000;

type EtcdErrorKind = 'compacted' | 'future' | 'too-large' | 'lease-exists' | 'unavailable' | undefined;

function classify(err: unknown): EtcdErrorKind {
  const text = isGrpcError(err) ? err.details : err instanceof Error ? err.message : '';
  if (text.includes('required revision has been compacted')) return 'compacted';
  if (text.includes('required revision is a future revision')) return 'future';
  if (text.includes('request is too large')) return 'too-large';
  if (text.includes('lease already exists')) return 'lease-exists';
  if (isGrpcError(err) && [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED].includes(err.code)) return 'unavailable';
  return undefined;
}


/** etcd's prefix range: [prefix, prefix with its last non-0xff byte incremented); "\0" = no end. */
function prefixRange(key: Buffer): { key: Buffer; end: Buffer } {
  if (key.length === 0) return { key: NUL, end: NUL };
  for (let i = key.length - 1; i >= 0; i--) {
    if (key[i]! < 0xff) {
      const end = Buffer.from(key.subarray(0, i + 1));
      end[i]!++;
      return { key, end };
    }
  }
  return { key, end: NUL };
}

const bytes = (b: Buffer | null | undefined): Uint8Array => (b ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : EMPTY);

class EtcdBackend implements Backend {
  private rpc: EtcdRpc | undefined;
  private started = false;
  private closed = false;
  /** A known lower bound of the compacted revision (it only grows). */
  private compactedFloor = 0;
  private readonly foreignLeaseTtl = new Map<string, number>();
  private readonly stoppers = new Set<() => void>();
  private readonly maxValueBytes: number;
  private readonly keyPrefix: Buffer;

  constructor(private readonly options: EtcdBackendOptions) {
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.keyPrefix = Buffer.from(options.keyPrefix ?? '', 'utf8');
  }

  private enc(key: string): Buffer {
    const k = Buffer.from(key, 'utf8');
    return this.keyPrefix.length ? Buffer.concat([this.keyPrefix, k]) : k;
  }

  private dec(k: Buffer): string {
    return k.subarray(this.keyPrefix.length).toString('utf8');
  }

  async start(): Promise<void> {
    if (this.closed) throw new UnavailableError('the etcd backend is closed');
    if (this.started) return;
    this.rpc = new EtcdRpc(this.options.endpoints, this.options.tls, this.options.requestTimeoutMs ?? 30_000);
    this.started = true;
    try {
      await this.currentRevision();
    } catch (err) {
      this.started = false;
      this.rpc.close();
      this.rpc = undefined;
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.stoppers]) stop();
    this.rpc?.close();
  }

  async currentRevision(): Promise<number> {
    const res = await this.call('KV/Range', { key: NUL, count_only: true });
    return num(res.header.revision);
  }

  async compactedRevision(): Promise<number> {
    const current = await this.currentRevision();
    let lo = Math.min(this.compactedFloor + 1, current);
    if (await this.readable(lo)) return lo - 1;
    // lo is compacted, current is readable: find the smallest readable revision between them.
    let hi = current;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.readable(mid)) hi = mid;
      else lo = mid + 1;
    }
    this.compactedFloor = Math.max(this.compactedFloor, lo - 1);
    return lo - 1;
  }

  async get(key: string, opts?: GetOptions): Promise<{ revision: number; kv?: KeyValue }> {
    this.ensureOpen();
    validateKey(key);
    const at = opts?.revision && opts.revision > 0 ? opts.revision : 0;
    const res = await this.readAt(at, () => this.call('KV/Range', { key: this.enc(key), revision: at }));
    const pb = res.kvs[0];
    const revision = at || num(res.header.revision);
    return pb ? { revision, kv: await this.toKv(pb) } : { revision };
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    this.ensureOpen();
    validateKey(prefix, true);
    const at = opts?.revision && opts.revision > 0 ? opts.revision : 0;
    const limit = opts?.limit && opts.limit > 0 ? Math.floor(opts.limit) : 0;
    const range = prefixRange(this.enc(prefix));
    let start = range.key;
    if (opts?.continueFrom) {
      const after = Buffer.concat([this.enc(opts.continueFrom), NUL]);
      if (Buffer.compare(after, start) > 0) start = after;
    }
    const res = await this.readAt(at, () => this.call('KV/Range', { key: start, range_end: range.end, limit, revision: at }));
    return { revision: at || num(res.header.revision), kvs: await Promise.all(res.kvs.map((kv) => this.toKv(kv))), more: res.more };
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    this.ensureOpen();
    validateKey(prefix, true);
    const range = prefixRange(this.enc(prefix));
    const res = await this.call('KV/Range', { key: range.key, range_end: range.end, count_only: true });
    return { revision: num(res.header.revision), count: num(res.count) };
  }

  async create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<WriteResult> {
    this.ensureOpen();
    validateKey(key);
    checkValueSize(value, this.maxValueBytes);
    const k = this.enc(key);
    const ttl = leaseTtl(opts);
    const leaseId = ttl > 0 ? await this.grantLease(ttl) : '0';
    const res = await this.write(value, () =>
      this.call('KV/Txn', {
        compare: [{ result: 'EQUAL', target: 'CREATE', key: k, create_revision: 0 }],
        success: [{ request_put: { key: k, value, lease: leaseId } }],
        failure: [],
      }),
    );
    if (!res.succeeded) throw new KeyExistsError(key);
    const revision = num(res.header.revision);
    return { revision, kv: { key, value, createRevision: revision, modRevision: revision, lease: ttl } };
  }

  async update(key: string, value: Uint8Array, opts: UpdateOptions): Promise<WriteResult> {
    this.ensureOpen();
    validateKey(key);
    checkValueSize(value, this.maxValueBytes);
    const k = this.enc(key);
    const ttl = leaseTtl(opts);
    const leaseId = ttl > 0 ? await this.grantLease(ttl) : '0';
    const res = await this.write(value, () =>
      this.call('KV/Txn', {
        compare: [
          { result: 'GREATER', target: 'CREATE', key: k, create_revision: 0 },
          { result: 'EQUAL', target: 'MOD', key: k, mod_revision: opts.expectedModRevision },
        ],
        success: [{ request_put: { key: k, value, lease: leaseId, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) throw await this.mismatch(key, opts.expectedModRevision, res.responses[0]?.response_range?.kvs[0]);
    const revision = num(res.header.revision);
    const createRevision = num(res.responses[0]?.response_put?.prev_kv?.create_revision);
    return { revision, kv: { key, value, createRevision, modRevision: revision, lease: ttl } };
  }

  async delete(key: string, opts?: DeleteOptions): Promise<WriteResult> {
    this.ensureOpen();
    validateKey(key);
    const k = this.enc(key);
    const expected = opts?.expectedModRevision;
    if (expected === undefined) {
      const res = await this.call('KV/DeleteRange', { key: k, prev_kv: true });
      const prev = res.prev_kvs[0];
      if (num(res.deleted) === 0 || !prev) throw new NotFoundError(key);
      return { revision: num(res.header.revision), kv: { ...(await this.toKv(prev)), modRevision: num(res.header.revision) } };
    }
    const res = await this.call('KV/Txn', {
      compare: [
        { result: 'GREATER', target: 'CREATE', key: k, create_revision: 0 },
        { result: 'EQUAL', target: 'MOD', key: k, mod_revision: expected },
      ],
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) throw await this.mismatch(key, expected, res.responses[0]?.response_range?.kvs[0]);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    if (!prev) throw new NotFoundError(key);
    const revision = num(res.header.revision);
    return { revision, kv: { ...(await this.toKv(prev)), modRevision: revision } };
  }

  watch(prefix: string, opts: WatchOptions, signal: AbortSignal): AsyncIterable<readonly WatchEvent[]> {
    validateKey(prefix, true);
    const from = opts.fromRevision && opts.fromRevision > 0 ? opts.fromRevision : 0;
    const deps: EtcdWatchDeps = {
      rpc: () => {
        this.ensureOpen();
        return this.rpc!;
      },
      toEvent: (e) => this.toEvent(e),
      track: (stop) => {
        this.stoppers.add(stop);
        return () => this.stoppers.delete(stop);
      },
      isClosed: () => this.closed,
    };
    return watchEtcd(deps, prefixRange(this.enc(prefix)), prefix, from, signal);
  }

  async compact(revision: number): Promise<void> {
    const current = await this.currentRevision();
    const target = Math.min(Math.floor(revision), current);
    if (target - 1 <= (await this.compactedRevision())) return;
    try {
      await this.call('KV/Compact', { revision: target, physical: false });
    } catch (err) {
      if (classify(err) !== 'compacted') throw err; // someone else compacted further: fine
    }
    this.compactedFloor = Math.max(this.compactedFloor, target - 1);
  }

  // ---- internals ----

  private async toEvent(e: PbEvent): Promise<WatchEvent> {
    const prevKv = e.prev_kv ? await this.toKv(e.prev_kv) : undefined;
    const revision = num(e.kv?.mod_revision);
    if (e.type === 'DELETE') {
      const key = e.kv ? this.dec(e.kv.key) : (prevKv?.key ?? '');
      const kv: KeyValue = prevKv ? { ...prevKv, modRevision: revision } : { key, value: EMPTY, createRevision: 0, modRevision: revision, lease: 0 };
      return prevKv ? { type: 'delete', revision, kv, prevKv } : { type: 'delete', revision, kv };
    }
    const kv = await this.toKv(e.kv!);
    if (kv.createRevision === kv.modRevision) return { type: 'create', revision, kv };
    return prevKv ? { type: 'update', revision, kv, prevKv } : { type: 'update', revision, kv };
  }

  private async toKv(pb: PbKeyValue): Promise<KeyValue> {
    return {
      key: this.dec(pb.key),
      value: bytes(pb.value),
      createRevision: num(pb.create_revision),
      modRevision: num(pb.mod_revision),
      lease: await this.leaseTtlOf(pb.lease),
    };
  }

  private async leaseTtlOf(id: string): Promise<number> {
    if (!id || id === '0') return 0;
    const own = ttlFromLeaseId(id);
    if (own !== undefined) return own;
    const cached = this.foreignLeaseTtl.get(id);
    if (cached !== undefined) return cached;
    const res = await this.call('Lease/LeaseTimeToLive', { ID: id });
    const ttl = Math.max(0, num(res.grantedTTL));
    if (this.foreignLeaseTtl.size >= FOREIGN_LEASE_CACHE) this.foreignLeaseTtl.clear();
    this.foreignLeaseTtl.set(id, ttl);
    return ttl;
  }

  private async grantLease(ttl: number): Promise<string> {
    const random = this.options.random ?? Math.random;
    for (let attempt = 0; ; attempt++) {
      const id = makeLeaseId(ttl, random);
      try {
        await this.call('Lease/LeaseGrant', { TTL: ttl, ID: id });
        return id;
      } catch (err) {
        if (classify(err) !== 'lease-exists' || attempt >= 5) throw err;
      }
    }
  }

  private async mismatch(key: string, expected: number, current: PbKeyValue | undefined): Promise<Error> {
    return current ? new ConflictError(key, expected, await this.toKv(current)) : new NotFoundError(key);
  }

  private async readable(revision: number): Promise<boolean> {
    try {
      await this.call('KV/Range', { key: NUL, revision, count_only: true });
      return true;
    } catch (err) {
      if (classify(err) === 'compacted') return false;
      throw err;
    }
  }

  /** Runs a read at revision `at` (0 = latest), mapping etcd's revision errors to ours. */
  private async readAt<T>(at: number, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      const kind = classify(err);
      if (kind === 'compacted') throw new CompactedError(at, await this.compactedRevision());
      if (kind === 'future') throw new FutureRevisionError(at, await this.currentRevision());
      throw err;
    }
  }

  private async write<T>(value: Uint8Array, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      if (classify(err) === 'too-large') throw new TooLargeError(value.byteLength, this.maxValueBytes);
      throw err;
    }
  }

  private async call<M extends UnaryMethod>(name: M, request: object): Promise<UnaryResponse<M>> {
    this.ensureOpen();
    try {
      return await this.rpc!.unary(name, request);
    } catch (err) {
      if (this.closed || classify(err) === 'unavailable') throw unavailable(err);
      throw err;
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new UnavailableError('the etcd backend is closed');
    if (!this.started || !this.rpc) throw new UnavailableError('the etcd backend is not started; call start() first');
  }
}

function leaseTtl(opts: WriteOptions | undefined): number {
  const l = opts?.lease ?? 0;
  if (!Number.isFinite(l) || l < 0) throw new RangeError(`lease must be a non-negative number of seconds, got ${l}`);
  return Math.ceil(l);
}
