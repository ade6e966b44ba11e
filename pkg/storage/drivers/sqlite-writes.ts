// GroupCommitter: SqliteBackend's write path. Writes submitted during one turn of the event loop are
// committed together in one sqlite transaction at the end of that turn (setImmediate), and each is
// acknowledged only after that commit. A commit's fixed cost — WAL locks, the frame of the log's
// last leaf page, the WAL index update — is then paid once per batch instead of once per write; a
// lone write costs what it did before, plus one hop of the event loop.
//
// Inside a batch the writes run in submission order exactly as if each had its own transaction:
// each checks its precondition (exists / expected modRevision) against the state left by the
// writes before it, a write whose precondition fails is rejected alone and takes no revision, so
// the revisions of a batch are consecutive and gap-free. If the transaction itself fails (disk
// full, I/O error) it rolls back and every write of the batch is retried in a transaction of its
// own, so only the write that cannot be stored fails.
import type Database from 'better-sqlite3';
import type { KeyValue, WatchEvent, WriteResult } from '../backend';
import { ConflictError, KeyExistsError, NotFoundError, StorageError, UnavailableError } from '../errors';
import { KIND_CREATE, KIND_DELETE, KIND_UPDATE, type Head, type SqliteLog } from './sqlite-log';

export type WriteOp =
  | { readonly kind: 'create'; readonly key: string; readonly value: Uint8Array; readonly lease: number; readonly expiresAt: number }
  | { readonly kind: 'update'; readonly key: string; readonly value: Uint8Array; readonly lease: number; readonly expiresAt: number; readonly expected: number }
  | { readonly kind: 'delete'; readonly key: string; readonly expected: number | undefined };

export interface GroupCommitterDeps {
  readonly db: Database.Database;
  readonly log: SqliteLog;
  /** The newest committed revision. */
  revision(): number;
  isOpen(): boolean;
  /** Called in revision order right after the commit of each write (before it is acknowledged). */
  committed(event: WatchEvent, expiresAt: number): void;
  /** Turns a sqlite failure into the error the write is rejected with. */
  failure(e: unknown): Error;
}

interface Queued {
  readonly op: WriteOp;
  readonly resolve: (r: WriteResult) => void;
  readonly reject: (e: unknown) => void;
}

interface Done {
  readonly event: WatchEvent;
  readonly expiresAt: number;
}

const EMPTY = new Uint8Array(0);

/** The head a committed event leaves for its key. */
export function headOf(event: WatchEvent, expiresAt: number): Head {
  const { kv } = event;
  return event.type === 'delete'
    ? { rev: event.revision, live: 0, createRev: kv.createRevision, lease: 0, expiresAt: 0 }
    : { rev: event.revision, live: 1, createRev: kv.createRevision, lease: kv.lease, expiresAt, value: kv.value };
}

export class GroupCommitter {
  private queue: Queued[] = [];
  private scheduled = false;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;

  constructor(private readonly deps: GroupCommitterDeps) {
    this.begin = deps.db.prepare('BEGIN');
    this.commit = deps.db.prepare('COMMIT');
    this.rollback = deps.db.prepare('ROLLBACK');
  }

  /** Queues a write; resolves once it is committed, rejects with its own error only. */
  submit(op: WriteOp): Promise<WriteResult> {
    return new Promise<WriteResult>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.drain());
    });
  }

  /** Commits everything queued now (also called before the backend closes). */
  drain(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    if (!this.deps.isOpen()) {
      for (const q of batch) q.reject(new UnavailableError('the sqlite backend is closed'));
      return;
    }
    let out: Array<Done | StorageError>;
    try {
      out = this.commitBatch(batch);
    } catch (e) {
      if (batch.length === 1) {
        batch[0]!.reject(this.deps.failure(e));
        return;
      }
      // Nothing of the batch was stored: retry one write per transaction to isolate the failure.
      for (const q of batch) {
        let one: Array<Done | StorageError>;
        try {
          one = this.commitBatch([q]);
        } catch (e1) {
          q.reject(this.deps.failure(e1));
          continue;
        }
        this.finish([q], one);
      }
      return;
    }
    this.finish(batch, out);
  }

  /** Applies the batch in one transaction; entry i is the outcome of write i. Throws if the transaction failed. */
  private commitBatch(batch: readonly Queued[]): Array<Done | StorageError> {
    let rev = this.deps.revision();
    // Heads written earlier in this batch (none yet for the first write: most batches are small).
    let written: Map<string, Head> | undefined;
    const out: Array<Done | StorageError> = [];
    this.begin.run();
    try {
      for (const q of batch) {
        try {
          const done = this.apply(q.op, rev + 1, written);
          if (batch.length > 1) (written ??= new Map()).set(q.op.key, headOf(done.event, done.expiresAt));
          out.push(done);
          rev++;
        } catch (e) {
          if (!(e instanceof StorageError)) throw e;
          out.push(e);
        }
      }
      this.commit.run();
    } catch (e) {
      // Some sqlite errors (SQLITE_FULL, IOERR) already rolled the transaction back.
      if (this.deps.db.inTransaction) this.rollback.run();
      throw e;
    }
    return out;
  }

  private finish(batch: readonly Queued[], out: ReadonlyArray<Done | StorageError>): void {
    for (let i = 0; i < batch.length; i++) {
      const r = out[i]!;
      if (r instanceof StorageError) {
        batch[i]!.reject(r);
        continue;
      }
      this.deps.committed(r.event, r.expiresAt);
      batch[i]!.resolve({ revision: r.event.revision, kv: r.event.kv });
    }
  }

  /** One write at revision `rev`, checked against the batch's earlier writes (`written`) and the store. */
  private apply(op: WriteOp, rev: number, written: ReadonlyMap<string, Head> | undefined): Done {
    const { log } = this.deps;
    const { key } = op;
    const mine = written?.get(key);
    if (op.kind === 'create') {
      const head = mine ?? log.head(key);
      if (head?.live) throw new KeyExistsError(key);
      // A re-created key links back to its delete, so reads at older revisions can walk past it.
      log.insertLog(rev, key, KIND_CREATE, rev, head ? head.rev : 0, op.lease, op.expiresAt, op.value);
      const kv: KeyValue = { key, value: op.value, createRevision: rev, modRevision: rev, lease: op.lease };
      return { event: { type: 'create', revision: rev, kv }, expiresAt: op.expiresAt };
    }
    const cur = mine ? (mine.live ? kvOf(key, mine) : undefined) : log.latest(key);
    if (!cur) throw new NotFoundError(key);
    if (op.expected !== undefined && cur.modRevision !== op.expected) throw new ConflictError(key, op.expected, cur);
    if (op.kind === 'update') {
      log.insertLog(rev, key, KIND_UPDATE, cur.createRevision, cur.modRevision, op.lease, op.expiresAt, op.value);
      const kv: KeyValue = { key, value: op.value, createRevision: cur.createRevision, modRevision: rev, lease: op.lease };
      return { event: { type: 'update', revision: rev, kv, prevKv: cur }, expiresAt: op.expiresAt };
    }
    log.insertLog(rev, key, KIND_DELETE, cur.createRevision, cur.modRevision, cur.lease, 0, EMPTY);
    return { event: { type: 'delete', revision: rev, kv: { ...cur, modRevision: rev }, prevKv: cur }, expiresAt: 0 };
  }
}

function kvOf(key: string, h: Head): KeyValue {
  return { key, value: h.value ?? EMPTY, createRevision: h.createRev, modRevision: h.rev, lease: h.lease };
}
