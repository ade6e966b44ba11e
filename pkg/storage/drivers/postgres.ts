// PostgreSQL driver: the shared revision log (sql/sql-backend.ts) over the `pg` client, the field's
// standard pure-JS PostgreSQL client (no native addon, so it bundles into the SEA as plain JS).
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Backend } from '../backend';
import { InvalidEndpointError } from '../errors';
import { SqlBackend } from './sql/sql-backend';
import type { LockResult, NewLogRow, SqlClient, SqlDialect, SqlRow } from './sql/sql-client';
import { NETWORK_ERROR_CODES, errorCode, resolveSqlConfig, type SqlDriverOptions } from './sql/sql-options';

export type PostgresBackendOptions = SqlDriverOptions;

export function createPostgresBackend(options: PostgresBackendOptions): Backend {
  const config = resolveSqlConfig('postgres', options);
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new InvalidEndpointError(options.url, 'expected a URL such as postgres://user:password@127.0.0.1:5432/k3ts');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new InvalidEndpointError(options.url, `expected scheme postgres:// or postgresql://, got ${parsed.protocol}//`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    // Our statements are short index probes; the planner's cost guesses for the correlated
    // "latest row" subquery are pessimistic enough to trigger JIT compilation, which then costs
    // ~100 ms per paginated list instead of ~3 ms.
    options: '-c jit=off',
  });
  // An idle pooled connection that dies emits 'error' on the pool; unhandled it would crash the process.
  pool.on('error', (err) => config.onError(err));
  return new SqlBackend(new PostgresClient(pool), config);
}

/** `?` placeholders → `$1, $2, …` (our statements have no `?` inside literals). */
function numbered(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

const postgresDialect: SqlDialect = {
  name: 'postgres',
  schema: (t) => [
    `CREATE TABLE IF NOT EXISTS ${t} (
      id BIGINT PRIMARY KEY,
      name TEXT COLLATE "C" NOT NULL,
      created SMALLINT NOT NULL,
      deleted SMALLINT NOT NULL,
      create_revision BIGINT NOT NULL,
      prev_revision BIGINT NOT NULL,
      lease BIGINT NOT NULL,
      expires_at BIGINT NOT NULL DEFAULT 0,
      value BYTEA NOT NULL,
      old_value BYTEA,
      CONSTRAINT ${t}_name_prev UNIQUE (name, prev_revision)
    )`,
    `CREATE INDEX IF NOT EXISTS ${t}_name_id ON ${t} (name, id)`,
    `CREATE INDEX IF NOT EXISTS ${t}_expires ON ${t} (expires_at) WHERE expires_at > 0`,
    `CREATE TABLE IF NOT EXISTS ${t}_meta (name VARCHAR(64) PRIMARY KEY, value BIGINT NOT NULL)`,
  ],
  insertMetaIfMissing: (t) => `INSERT INTO ${t}_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
  compactBatch: (t, lo, hi, to) => [
    [
      `DELETE FROM ${t} AS r WHERE r.id > ? AND r.id <= ?
         AND EXISTS (SELECT 1 FROM ${t} n WHERE n.name = r.name AND n.id > r.id AND n.id <= ?)`,
      [lo, hi, to],
    ],
    [`DELETE FROM ${t} WHERE deleted = 1 AND id > ? AND id <= ?`, [lo, hi]],
  ],
  isUniqueViolation: (err) => errorCode(err) === '23505',
  isTransient: (err) => errorCode(err) === '40P01' || errorCode(err) === '40001',
  isUnavailable: (err) => {
    const code = errorCode(err) ?? '';
    if (NETWORK_ERROR_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
    const msg = err instanceof Error ? err.message : '';
    return /Connection terminated|pool after calling end|timeout exceeded when trying to connect/i.test(msg);
  },
};

/** A stable 64-bit advisory lock key for a lock name (advisory locks are scoped to the database). */
function lockKey(name: string): string {
  return createHash('sha256').update(`k3ts:${name}`).digest().readBigInt64BE(0).toString();
}

class PostgresClient implements SqlClient {
  readonly dialect = postgresDialect;

  constructor(private readonly pool: pg.Pool) {}

  async query(sql: string, params: readonly unknown[] = []): Promise<SqlRow[]> {
    const res = await this.pool.query(numbered(sql), params as unknown[]);
    return res.rows as SqlRow[];
  }

  async exec(sql: string, params: readonly unknown[] = []): Promise<number> {
    const res = await this.pool.query(numbered(sql), params as unknown[]);
    return res.rowCount ?? 0;
  }

  async appendRow(t: string, row: NewLogRow): Promise<number> {
    // One statement, one implicit transaction: the counter row stays locked until the insert
    // commits, and a unique violation rolls the counter back with it (no revision is burned).
    const res = await this.pool.query(
      `WITH rev AS (UPDATE ${t}_meta SET value = value + 1 WHERE name = 'revision' RETURNING value)
       INSERT INTO ${t} (id, name, created, deleted, create_revision, prev_revision, lease, expires_at, value, old_value)
       SELECT rev.value, $1, $2, $3, CASE WHEN $4::bigint = 0 THEN rev.value ELSE $4::bigint END, $5, $6, $7, $8, $9 FROM rev
       RETURNING id`,
      [
        row.name, row.created ? 1 : 0, row.deleted ? 1 : 0, row.createRevision, row.prevRevision,
        row.lease, row.expiresAt, row.value, row.oldValue,
      ],
    );
    const id = res.rows[0]?.id;
    if (id === undefined) throw new Error(`table ${t}_meta has no revision row; expected start() to have created it`);
    return Number(id);
  }

  async withLock<T>(name: string, wait: boolean, fn: () => Promise<T>): Promise<LockResult<T>> {
    const key = lockKey(name);
    const conn = await this.pool.connect();
    try {
      if (wait) {
        await conn.query('SELECT pg_advisory_lock($1::bigint)', [key]);
      } else {
        const res = await conn.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
        if (res.rows[0]?.ok !== true) return { acquired: false };
      }
      try {
        return { acquired: true, value: await fn() };
      } finally {
        await conn.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      }
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
