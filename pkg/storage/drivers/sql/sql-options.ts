// Options shared by the PostgreSQL and MySQL drivers, and their defaults.
import { DEFAULT_MAX_VALUE_BYTES } from '../../keys';
import type { SqlBackendConfig } from './sql-backend';
import { checkTableName } from './sql-client';

export interface SqlDriverOptions {
  /** postgres://user:pass@host:port/db or mysql://user:pass@host:port/db */
  readonly url: string;
  /** Largest value accepted (default 1.5 MiB). */
  readonly maxValueBytes?: number;
  /** How often to look for rows written by other servers (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** How often to compact (default 5 min; 0 = never automatically). */
  readonly compactIntervalMs?: number;
  /** Revisions kept behind the current one by automatic compaction (default 1000). */
  readonly compactRetain?: number;
  /** How often to delete keys whose lease expired (default 1000 ms). */
  readonly leaseCheckIntervalMs?: number;
  /** Log table name (default "k3ts"; the meta table is "<table>_meta"). */
  readonly table?: string;
  /** Connection pool size (default 10). */
  readonly maxConnections?: number;
  /** Wall clock in unix ms, for lease expiry (default Date.now). */
  readonly now?: () => number;
  /** Receives background failures (poll, compaction, lease expiry); default: a line on stderr. */
  readonly onError?: (err: unknown) => void;
}

export const DEFAULT_TABLE = 'k3ts';

export function resolveSqlConfig(driver: string, o: SqlDriverOptions): SqlBackendConfig {
  const positive = (v: number | undefined, d: number, what: string, allowZero = false): number => {
    if (v === undefined) return d;
    if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) throw new RangeError(`${driver}: ${what} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${v}`);
    return v;
  };
  return Object.freeze({
    table: checkTableName(o.table ?? DEFAULT_TABLE),
    maxValueBytes: positive(o.maxValueBytes, DEFAULT_MAX_VALUE_BYTES, 'maxValueBytes'),
    pollIntervalMs: positive(o.pollIntervalMs, 1000, 'pollIntervalMs'),
    compactIntervalMs: positive(o.compactIntervalMs, 5 * 60_000, 'compactIntervalMs', true),
    compactRetain: positive(o.compactRetain, 1000, 'compactRetain', true),
    leaseCheckIntervalMs: positive(o.leaseCheckIntervalMs, 1000, 'leaseCheckIntervalMs'),
    now: o.now ?? Date.now,
    onError: o.onError ?? ((err: unknown) => console.error(`k3ts storage (${driver}): background task failed: ${err instanceof Error ? err.message : String(err)}`)),
  });
}

/** Error codes of Node sockets that mean "the database cannot be reached". */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
]);

export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
