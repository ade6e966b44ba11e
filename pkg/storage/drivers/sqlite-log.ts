// Prepared statements over the sqlite schema (see sqlite-schema.ts) and the row → KeyValue mapping.
// Everything here is synchronous; SqliteBackend decides what runs in which transaction.
//
// `current` is maintained write-behind: a commit appends its log row only, and the key's new head is
// kept in `pending` until flush() writes the batch into `current` (one transaction for up to
// thousands of keys, instead of a second B-tree update in every commit). Point reads look in
// `pending` first; range reads (list, count, lease and compaction scans) flush first. meta
// `current_through` records the last revision folded into `current`, and replay() folds in any log
// rows after it, so a crash between a commit and its flush loses nothing.
//
// Point lookups of a key's newest row (the precondition of every write, latest gets) are answered
// from `pending` or from `recent` (sqlite-heads.ts: the heads of recently written or read keys,
// with their values) before any query.
import type Database from 'better-sqlite3';
import type { KeyValue, WatchEvent } from '../backend';
import { compareKeys, prefixEnd } from '../keys';
import type { HistoryPage } from '../watch-hub';
import { RecentHeads } from './sqlite-heads';

export const KIND_CREATE = 0;
export const KIND_UPDATE = 1;
export const KIND_DELETE = 2;

interface LiveRow {
  key: string;
  rev: number;
  create_rev: number;
  lease: number;
  value: Uint8Array;
}

interface LogRow {
  rev: number;
  key: string;
  kind: number;
  create_rev: number;
  prev_rev: number;
  lease: number;
  value: Uint8Array;
  p_create_rev: number | null;
  p_lease: number | null;
  p_value: Uint8Array | null;
}

/** Lower bound of a key range scan: `>= prefix`, or `> continueFrom` when paging. */
interface Range {
  readonly op: '>=' | '>';
  readonly from: string;
  readonly to: string | undefined;
}

/** A key's newest row as `current` records it. */
export interface Head {
  readonly rev: number;
  /** 1 = live, 0 = deleted (a tombstone kept until compaction drops the delete). */
  readonly live: number;
  readonly createRev: number;
  readonly lease: number;
  readonly expiresAt: number;
  /** The value stored at `rev`, when known (a live head in memory); never persisted from here. */
  readonly value?: Uint8Array;
}

/** Heads (with values) of recently written or read keys kept in memory; see sqlite-heads.ts. */
const RECENT_ENTRIES = 16384;
const RECENT_BYTES = 32 * 1024 * 1024;

function toKv(r: LiveRow): KeyValue {
  return { key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.rev, lease: r.lease };
}

export class SqliteLog {
  private readonly cache = new Map<string, Database.Statement>();
  private pending = new Map<string, Head>();
  private pendingThrough = 0;
  private readonly recent = new RecentHeads(RECENT_ENTRIES, RECENT_BYTES);
  private readonly sHead: Database.Statement;
  private readonly sHeadValue: Database.Statement;
  private readonly sPrev: Database.Statement;
  private readonly sByRev: Database.Statement;
  private readonly sInsertLog: Database.Statement;
  private readonly sPutCurrent: Database.Statement;
  private readonly sReplay: Database.Statement;
  private readonly sCompactCurrent: Database.Statement;
  private readonly sCompactPrev: Database.Statement;
  private readonly sCompactTombstones: Database.Statement;
  private readonly sSetMeta: Database.Statement;
  private readonly sGetMeta: Database.Statement;
  private readonly sMaxRev: Database.Statement;
  private readonly sExpired: Database.Statement;
  private readonly sNextExpiry: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.sHead = db.prepare(`SELECT rev, live, create_rev AS createRev, lease, expires_at AS expiresAt FROM current WHERE key = ?`);
    this.sHeadValue = db.prepare(
      `SELECT c.rev, c.live, c.create_rev AS createRev, c.lease, c.expires_at AS expiresAt, l.value FROM current c JOIN log l ON l.rev = c.rev WHERE c.key = ?`,
    );
    this.sPrev = db.prepare(`SELECT prev_rev FROM log WHERE rev = ?`).pluck();
    this.sByRev = db.prepare(`SELECT key, rev, kind, create_rev, lease, value FROM log WHERE rev = ?`);
    this.sInsertLog = db.prepare(
      `INSERT INTO log (rev, key, kind, create_rev, prev_rev, lease, expires_at, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.sPutCurrent = db.prepare(
      `INSERT INTO current (key, rev, live, create_rev, lease, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET rev = excluded.rev, live = excluded.live, create_rev = excluded.create_rev,
         lease = excluded.lease, expires_at = excluded.expires_at`,
    );
    this.sReplay = db.prepare(`SELECT rev, key, kind, create_rev AS createRev, lease, expires_at AS expiresAt FROM log WHERE rev > ? ORDER BY rev`);
    this.sCompactCurrent = db.prepare(
      `DELETE FROM current WHERE live = 0 AND rev <= ? AND key IN (SELECT key FROM log WHERE rev > ? AND rev <= ? AND kind = ${KIND_DELETE})`,
    );
    this.sCompactPrev = db.prepare(`DELETE FROM log WHERE rev IN (SELECT prev_rev FROM log WHERE rev > ? AND rev <= ? AND prev_rev > 0)`);
    this.sCompactTombstones = db.prepare(`DELETE FROM log WHERE rev > ? AND rev <= ? AND kind = ${KIND_DELETE}`);
    this.sSetMeta = db.prepare(`UPDATE meta SET value = ? WHERE name = ?`);
    this.sGetMeta = db.prepare(`SELECT value FROM meta WHERE name = ?`).pluck();
    this.sMaxRev = db.prepare(`SELECT max(rev) FROM log`).pluck();
    this.sExpired = db.prepare(`SELECT key, rev FROM current WHERE expires_at > 0 AND expires_at <= ? ORDER BY expires_at LIMIT ?`);
    this.sNextExpiry = db.prepare(`SELECT min(expires_at) FROM current WHERE expires_at > 0`).pluck();
  }

  // ---- reads ----

  latest(key: string): KeyValue | undefined {
    const h = this.recent.get(key) ?? this.pending.get(key);
    if (h) {
      if (!h.live) return undefined;
      if (h.value) return { key, value: h.value, createRevision: h.createRev, modRevision: h.rev, lease: h.lease };
      const r = this.sByRev.get(h.rev) as LiveRow | undefined;
      if (!r) return undefined;
      this.recent.set(key, { ...h, value: r.value });
      return toKv(r);
    }
    const r = this.sHeadValue.get(key) as (Head & { value: Uint8Array }) | undefined;
    if (!r) return undefined;
    // `current` only knows the head: remember it (a write to the key usually follows a read).
    this.recent.set(key, r);
    return r.live ? { key, value: r.value, createRevision: r.createRev, modRevision: r.rev, lease: r.lease } : undefined;
  }

  /** The key's newest row (live or tombstone), if it has one. */
  head(key: string): Head | undefined {
    const h = this.recent.get(key) ?? this.pending.get(key);
    if (h) return h;
    const r = this.sHead.get(key) as Head | undefined;
    if (r) this.recent.set(key, r);
    return r;
  }

  /** The version of `key` live at revision `at` (which must be above the compacted revision). */
  at(key: string, at: number): KeyValue | undefined {
    const h = this.head(key);
    if (!h) return undefined;
    const rev = this.revAt(h.rev, at);
    if (rev === 0) return undefined;
    const r = this.sByRev.get(rev) as (LiveRow & { kind: number }) | undefined;
    return r && r.kind !== KIND_DELETE ? toKv(r) : undefined;
  }

  /**
   * Follows prev_rev from the key's row at `rev` back to its newest row at or below `at`; 0 if the
   * key had no row then. A missing link is a compacted delete: the key did not exist at `at`.
   */
  private revAt(rev: number, at: number): number {
    while (rev > at) {
      const prev = this.sPrev.get(rev) as number | undefined;
      if (prev === undefined || prev === 0) return 0;
      rev = prev;
    }
    return rev;
  }

  /** Live keys in range, in key order; `limit` 0 = all. */
  listLatest(prefix: string, continueFrom: string | undefined, limit: number): { kvs: KeyValue[]; more: boolean } {
    this.flush();
    const range = rangeOf(prefix, continueFrom);
    const stmt = this.stmt(
      `SELECT c.key, c.rev, c.create_rev, c.lease, l.value FROM current c JOIN log l ON l.rev = c.rev
       WHERE c.key ${range.op} ?${range.to !== undefined ? ' AND c.key < ?' : ''} AND c.live = 1 ORDER BY c.key LIMIT ?`,
    );
    const rows = stmt.all(...bind(range), limit > 0 ? limit + 1 : -1) as LiveRow[];
    const more = limit > 0 && rows.length > limit;
    if (more) rows.pop();
    return { kvs: rows.map(toKv), more };
  }

  /**
   * Keys live at revision `at`, in key order. Walks `current` (tombstones included) and, for keys
   * written after `at`, follows prev_rev back: the cost is the page plus the writes since `at`.
   */
  listAt(prefix: string, continueFrom: string | undefined, limit: number, at: number): { kvs: KeyValue[]; more: boolean } {
    this.flush();
    let range = rangeOf(prefix, continueFrom);
    const kvs: KeyValue[] = [];
    const want = limit > 0 ? limit + 1 : Infinity;
    for (;;) {
      const chunk = Math.max(64, Math.min(want - kvs.length, 1000));
      const stmt = this.stmt(
        `SELECT c.key, c.rev, c.live, c.create_rev, c.lease, l.value FROM current c JOIN log l ON l.rev = c.rev
         WHERE c.key ${range.op} ?${range.to !== undefined ? ' AND c.key < ?' : ''} ORDER BY c.key LIMIT ?`,
      );
      const rows = stmt.all(...bind(range), chunk) as Array<LiveRow & { live: number }>;
      for (const r of rows) {
        if (r.rev <= at) {
          if (r.live) kvs.push(toKv(r));
        } else {
          const rev = this.revAt(r.rev, at);
          const old = rev === 0 ? undefined : (this.sByRev.get(rev) as (LiveRow & { kind: number }) | undefined);
          if (old && old.kind !== KIND_DELETE) kvs.push(toKv(old));
        }
        if (kvs.length >= want) break;
      }
      if (kvs.length >= want || rows.length < chunk) break;
      range = { op: '>', from: rows[rows.length - 1]!.key, to: range.to };
    }
    const more = limit > 0 && kvs.length > limit;
    if (more) kvs.pop();
    return { kvs, more };
  }

  count(prefix: string): number {
    this.flush();
    const range = rangeOf(prefix, undefined);
    const stmt = this.stmt(`SELECT count(*) FROM current WHERE key >= ?${range.to !== undefined ? ' AND key < ?' : ''} AND live = 1`, true);
    return stmt.get(...bind(range)) as number;
  }

  /** Events under `prefix` with revision >= from, in order; `head` is the newest committed revision. */
  history(prefix: string, from: number, limit: number, head: number): HistoryPage {
    const to = prefixEnd(prefix);
    // `+l.key` keeps the planner on the rev primary key: a watch reads forward in revision order.
    const filter = prefix === '' ? '' : to === undefined ? ' AND +l.key >= ?' : ' AND +l.key >= ? AND +l.key < ?';
    const stmt = this.stmt(
      `SELECT l.rev, l.key, l.kind, l.create_rev, l.prev_rev, l.lease, l.value,
              p.create_rev AS p_create_rev, p.lease AS p_lease, p.value AS p_value
       FROM log l LEFT JOIN log p ON p.rev = l.prev_rev
       WHERE l.rev >= ?${filter} ORDER BY l.rev LIMIT ?`,
    );
    const args: Array<string | number> = [from];
    if (prefix !== '') args.push(prefix);
    if (prefix !== '' && to !== undefined) args.push(to);
    const rows = stmt.all(...args, limit) as LogRow[];
    const events = rows.map(toEvent);
    return { events, scannedThrough: rows.length >= limit ? rows[rows.length - 1]!.rev : head };
  }

  // ---- writes ----

  /** Appends a log row (inside the caller's transaction). */
  insertLog(rev: number, key: string, kind: number, createRev: number, prevRev: number, lease: number, expiresAt: number, value: Uint8Array): void {
    this.sInsertLog.run(rev, key, kind, createRev, prevRev, lease, expiresAt, value);
  }

  /** Records a committed write's new head (with the value it stored); call only after its transaction committed. */
  noteCommitted(key: string, head: Head): void {
    this.pending.set(key, head);
    this.pendingThrough = head.rev;
    this.recent.set(key, head);
  }

  /** Heads not yet in `current`. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Writes the pending heads into `current` in one transaction (never call it inside another). */
  flush(): void {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    const through = this.pendingThrough;
    this.db.transaction(() => {
      for (const [key, h] of batch) this.sPutCurrent.run(key, h.rev, h.live, h.createRev, h.lease, h.expiresAt);
      this.sSetMeta.run(through, 'current_through');
    })();
    if (this.pending === batch) this.pending = new Map();
  }

  /** Folds log rows newer than meta `current_through` (commits a crash kept from a flush) into `current`. */
  replay(): number {
    const through = this.sGetMeta.get('current_through') as number;
    let n = 0;
    for (const r of this.sReplay.iterate(through) as Iterable<{ rev: number; key: string; kind: number; createRev: number; lease: number; expiresAt: number }>) {
      const live = r.kind === KIND_DELETE ? 0 : 1;
      this.noteCommitted(r.key, { rev: r.rev, live, createRev: r.createRev, lease: live ? r.lease : 0, expiresAt: live ? r.expiresAt : 0 });
      n++;
    }
    this.flush();
    return n;
  }

  /** Drops rows only needed to read at revisions in (from, to]; the caller records `to` as compacted. */
  compactRange(from: number, to: number): void {
    if (this.pending.size > 0) throw new Error('internal: flush() pending heads before compacting');
    this.sCompactCurrent.run(to, from, to);
    this.sCompactPrev.run(from, to);
    this.sCompactTombstones.run(from, to);
    this.sSetMeta.run(to, 'compacted');
    this.recent.dropTombstonesThrough(to);
  }

  compactedRevision(): number {
    return this.sGetMeta.get('compacted') as number;
  }

  maxRevision(): number {
    return (this.sMaxRev.get() as number | null) ?? 0;
  }

  // ---- leases ----

  expired(now: number, limit: number): Array<{ key: string; rev: number }> {
    this.flush();
    return this.sExpired.all(now, limit) as Array<{ key: string; rev: number }>;
  }

  nextExpiry(): number | undefined {
    this.flush();
    return (this.sNextExpiry.get() as number | null) ?? undefined;
  }

  private stmt(sql: string, pluck = false): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (pluck) s.pluck();
      this.cache.set(sql, s);
    }
    return s;
  }
}

function rangeOf(prefix: string, continueFrom: string | undefined): Range {
  const to = prefixEnd(prefix);
  if (continueFrom !== undefined && compareKeys(continueFrom, prefix) >= 0) return { op: '>', from: continueFrom, to };
  return { op: '>=', from: prefix, to };
}

function bind(r: Range): string[] {
  return r.to !== undefined ? [r.from, r.to] : [r.from];
}

function toEvent(r: LogRow): WatchEvent {
  const prevKv: KeyValue | undefined =
    r.prev_rev > 0 && r.p_value !== null
      ? { key: r.key, value: r.p_value, createRevision: r.p_create_rev!, modRevision: r.prev_rev, lease: r.p_lease! }
      : undefined;
  if (r.kind === KIND_DELETE) {
    const kv: KeyValue = { key: r.key, value: prevKv?.value ?? new Uint8Array(0), createRevision: r.create_rev, modRevision: r.rev, lease: prevKv?.lease ?? 0 };
    return prevKv ? { type: 'delete', revision: r.rev, kv, prevKv } : { type: 'delete', revision: r.rev, kv };
  }
  const kv: KeyValue = { key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.rev, lease: r.lease };
  if (r.kind === KIND_CREATE) return { type: 'create', revision: r.rev, kv };
  return prevKv ? { type: 'update', revision: r.rev, kv, prevKv } : { type: 'update', revision: r.rev, kv };
}
