// Reading revision-log rows back: the column list the queries select and the mapping of a
// database row to KeyValue / WatchEvent.
import type { KeyValue, WatchEvent } from '../../backend';
import type { SqlRow } from './sql-client';

/** Columns selected for a row `r`, with the previous row `p` joined for the previous lease. */
export const LOG_COLUMNS = 'r.id, r.name, r.created, r.deleted, r.create_revision, r.prev_revision, r.lease, r.value';
export const EVENT_COLUMNS = `${LOG_COLUMNS}, r.old_value, p.lease AS prev_lease`;

export interface LogRow {
  readonly id: number;
  readonly name: string;
  readonly created: boolean;
  readonly deleted: boolean;
  readonly createRevision: number;
  readonly prevRevision: number;
  readonly lease: number;
  readonly value: Uint8Array;
  readonly oldValue: Uint8Array | null;
  readonly prevLease: number;
}

function num(v: unknown, column: string): number {
  // pg returns BIGINT as a string; mysql2 returns numbers. Revisions stay far below 2^53.
  if (typeof v === 'number') return v;
  if (typeof v === 'string' || typeof v === 'bigint') return Number(v);
  if (v === null || v === undefined) return 0;
  throw new TypeError(`column ${column}: expected an integer, got ${typeof v}`);
}

function bytes(v: unknown, column: string): Uint8Array {
  if (v instanceof Uint8Array) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'string') return new TextEncoder().encode(v);
  throw new TypeError(`column ${column}: expected bytes, got ${v === null ? 'null' : typeof v}`);
}

function text(v: unknown, column: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  throw new TypeError(`column ${column}: expected text, got ${typeof v}`);
}

export function toLogRow(r: SqlRow): LogRow {
  return {
    id: num(r.id, 'id'),
    name: text(r.name, 'name'),
    created: num(r.created, 'created') !== 0,
    deleted: num(r.deleted, 'deleted') !== 0,
    createRevision: num(r.create_revision, 'create_revision'),
    prevRevision: num(r.prev_revision, 'prev_revision'),
    lease: num(r.lease, 'lease'),
    value: bytes(r.value, 'value'),
    oldValue: r.old_value === null || r.old_value === undefined ? null : bytes(r.old_value, 'old_value'),
    prevLease: num(r.prev_lease, 'prev_lease'),
  };
}

export function toKeyValue(row: LogRow): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.createRevision, modRevision: row.id, lease: row.lease };
}

export function toWatchEvent(row: LogRow): WatchEvent {
  const kv = toKeyValue(row);
  if (row.created) return { type: 'create', revision: row.id, kv };
  const prevKv: KeyValue = {
    key: row.name,
    value: row.oldValue ?? new Uint8Array(0),
    createRevision: row.createRevision,
    modRevision: row.prevRevision,
    lease: row.prevLease,
  };
  return { type: row.deleted ? 'delete' : 'update', revision: row.id, kv, prevKv };
}

export const toNumber = num;
export const toText = text;
