// The storage seam the API server consumes: etcd semantics in a dozen methods, no driver types.
// Every driver (sqlite, postgres, mysql, etcd3, memory) implements Backend and passes the one
// contract suite in contract.test-suite.ts.
//
// Conventions every driver follows (the contract suite checks them):
// - Keys are non-empty strings of well-formed UTF-16 (no lone surrogates), without U+FFFD (the mark
//   of a lossy decode) or NUL; anything else is InvalidKeyError. Keys sort by code point, which is the
//   byte order of their UTF-8 form (what etcd and SQL `COLLATE "C"`/BINARY use) — not JS `<`.
// - Values are at most 1.5 MiB unless the driver is configured otherwise (TooLargeError).
// - Reads at a revision newer than the current one throw FutureRevisionError; reads or watches at a
//   revision <= compactedRevision() throw CompactedError.
// - After close(), every call rejects with UnavailableError (code 'unavailable'); close() is idempotent.

/** One stored key at one revision. */
export interface KeyValue {
  readonly key: string;
  readonly value: Uint8Array;
  /** Revision at which the key was (last) created. */
  readonly createRevision: number;
  /** Revision of the last write to this key (the object's resourceVersion). */
  readonly modRevision: number;
  /** Lease (TTL in seconds) the key was written with; 0 = none. */
  readonly lease: number;
}

export type EventType = 'create' | 'update' | 'delete';

/** A change to one key. For `delete`, `kv.value` is the deleted value and `kv.modRevision` the delete's revision. */
export interface WatchEvent {
  readonly type: EventType;
  readonly revision: number;
  readonly kv: KeyValue;
  /** The value before this change (absent for `create`). */
  readonly prevKv?: KeyValue;
}

export interface GetOptions {
  /** Read as of this revision (0/undefined = latest). The result's `revision` is the one read at. */
  readonly revision?: number;
}

export interface ListOptions {
  readonly revision?: number;
  /** Maximum items to return; 0/undefined = all. */
  readonly limit?: number;
  /** Return only keys strictly greater than this key (pagination: pass the last key of the previous page). */
  readonly continueFrom?: string;
}

export interface ListResult {
  /** The revision the list was read at (pass it back for the next page to get a consistent view). */
  readonly revision: number;
  readonly kvs: readonly KeyValue[];
  /** True when keys beyond the last returned one remain. */
  readonly more: boolean;
}

export interface WriteOptions {
  /**
   * Time to live in seconds, counted from this write; the key is deleted (with a delete event) after
   * it expires. Like an etcd put, a write without a lease detaches the key from any earlier lease.
   */
  readonly lease?: number;
}

export interface UpdateOptions extends WriteOptions {
  /** The update succeeds only if the key's current modRevision equals this. */
  readonly expectedModRevision: number;
}

export interface DeleteOptions {
  /** If set, the delete succeeds only if the key's current modRevision equals this. */
  readonly expectedModRevision?: number;
}

export interface WriteResult {
  /** The revision of this write (strictly greater than every earlier revision). */
  readonly revision: number;
  /**
   * create/update: the stored kv. delete: the deleted value, with `modRevision` = the delete's
   * revision (as in the watch delete event).
   */
  readonly kv: KeyValue;
}

export interface WatchOptions {
  /**
   * Deliver every event with revision >= fromRevision (etcd semantics: inclusive).
   * 0/undefined = only events after the current revision at the time watch() is called (a driver
   * that must ask a server for it may take that revision when iteration starts).
   * Throws CompactedError if fromRevision <= the compacted revision.
   */
  readonly fromRevision?: number;
}

export interface Backend {
  /** Opens connections, creates schema, starts background loops (watch poller, compactor, TTL). */
  start(): Promise<void>;
  /** Stops background loops, ends all watches, closes connections. */
  close(): Promise<void>;

  currentRevision(): Promise<number>;
  get(key: string, opts?: GetOptions): Promise<{ revision: number; kv?: KeyValue }>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<{ revision: number; count: number }>;

  /** Throws KeyExistsError if the key exists. */
  create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<WriteResult>;
  /** Throws ConflictError (carrying the current kv, if any) on a modRevision mismatch; NotFoundError if missing. */
  update(key: string, value: Uint8Array, opts: UpdateOptions): Promise<WriteResult>;
  /** Returns the deleted kv. Throws NotFoundError / ConflictError. */
  delete(key: string, opts?: DeleteOptions): Promise<WriteResult>;

  /**
   * Streams batches of events under `prefix`, in revision order, with no gaps or duplicates,
   * until `signal` aborts (the iterator then returns) or the backend closes.
   */
  watch(prefix: string, opts: WatchOptions, signal: AbortSignal): AsyncIterable<readonly WatchEvent[]>;

  /**
   * Removes history older than `revision` (etcd Compact semantics): afterwards reads and watches at
   * `revision` and later still work (with prevKv), anything older throws CompactedError, and
   * compactedRevision() returns `revision - 1`. The latest version of each live key is always kept.
   * A revision above the current one is clamped to it; compaction never moves backwards.
   */
  compact(revision: number): Promise<void>;
  /**
   * The newest revision that is no longer readable: reads/watches at revisions <= it throw
   * CompactedError; the oldest readable revision is compactedRevision() + 1. 0 = nothing compacted.
   * (For etcd this is the server's compact revision - 1.)
   */
  compactedRevision(): Promise<number>;
}
