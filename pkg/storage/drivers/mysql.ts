// MySQL / MariaDB driver: the shared revision log (sql/sql-backend.ts) over `mysql2`, the field's
// standard pure-JS MySQL client (no native addon, so it bundles into the SEA as plain JS).
import { createHash } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { Backend } from '../backend';
import { InvalidEndpointError } from '../errors';
import { SqlBackend } from './sql/sql-backend';
import type { LockResult, NewLogRow, SqlClient, SqlDialect, SqlRow } from './sql/sql-client';
import { NETWORK_ERROR_CODES, errorCode, resolveSqlConfig, type SqlDriverOptions } from './sql/sql-options';

export type MysqlBackendOptions = SqlDriverOptions;

export function createMysqlBackend(options: MysqlBackendOptions): Backend {
  const config = resolveSqlConfig('mysql', options);
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new InvalidEndpointError(options.url, 'expected a URL such as mysql://user:password@127.0.0.1:3306/k3ts');
  }
  if (parsed.protocol !== 'mysql:') throw new InvalidEndpointError(options.url, `expected scheme mysql://, got ${parsed.protocol}//`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new InvalidEndpointError(options.url, 'expected a database name in the path, e.g. mysql://user:password@host:3306/k3ts');
  const pool = mysql.createPool({
    uri: options.url,
    connectionLimit: options.maxConnections ?? 10,
    // appendRow sends its transaction as one round trip; every value is still a bound parameter.
    multipleStatements: true,
    supportBigNumbers: true,
    charset: 'utf8mb4',
  });
  // READ COMMITTED: no gap locks, so a compaction batch never blocks a concurrent insert; every
  // read we make is a single statement, so repeatable read would buy nothing.
  pool.pool.on('connection', (conn) => {
    conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (err: unknown) => {
      if (err) config.onError(err);
    });
  });
  return new SqlBackend(new MysqlClient(pool, database), config);
}

/** mysql2's client-side escaping knows Buffer, not plain Uint8Array views. */
function bind(params: readonly unknown[]): unknown[] {
  return params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p));
}

const mysqlDialect: SqlDialect = {
  name: 'mysql',
  schema: (t) => [
    // name is VARBINARY: byte order (= code point order) and no PAD SPACE collation surprises.
    `CREATE TABLE IF NOT EXISTS ${t} (
      id BIGINT NOT NULL PRIMARY KEY,
      name VARBINARY(2048) NOT NULL,
      created TINYINT NOT NULL,
      deleted TINYINT NOT NULL,
      create_revision BIGINT NOT NULL,
      prev_revision BIGINT NOT NULL,
      lease BIGINT NOT NULL,
      expires_at BIGINT NOT NULL DEFAULT 0,
      value MEDIUMBLOB NOT NULL,
      old_value MEDIUMBLOB NULL,
      UNIQUE KEY ${t}_name_prev (name, prev_revision),
      KEY ${t}_name_id (name, id),
      KEY ${t}_expires (expires_at)
    ) ENGINE=InnoDB ROW_FORMAT=DYNAMIC`,
    `CREATE TABLE IF NOT EXISTS ${t}_meta (name VARCHAR(64) NOT NULL PRIMARY KEY, value BIGINT NOT NULL) ENGINE=InnoDB`,
  ],
  insertMetaIfMissing: (t) => `INSERT IGNORE INTO ${t}_meta (name, value) VALUES (?, ?)`,
  compactBatch: (t, lo, hi, to) => [
    // MySQL cannot DELETE from a table that a subquery reads; a multi-table self-join can.
    [`DELETE r FROM ${t} AS r INNER JOIN ${t} AS n ON n.name = r.name AND n.id > r.id AND n.id <= ? WHERE r.id > ? AND r.id <= ?`, [to, lo, hi]],
    [`DELETE FROM ${t} WHERE deleted = 1 AND id > ? AND id <= ?`, [lo, hi]],
  ],
  isUniqueViolation: (err) => errorCode(err) === 'ER_DUP_ENTRY',
  // InnoDB may pick a writer as deadlock victim when a compaction batch scans next to its new row.
  isTransient: (err) => errorCode(err) === 'ER_LOCK_DEADLOCK' || errorCode(err) === 'ER_LOCK_WAIT_TIMEOUT',
  isUnavailable: (err) => {
    const code = errorCode(err) ?? '';
    if (NETWORK_ERROR_CODES.has(code)) return true;
    if (['PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR', 'ER_CONNECTION_KILLED'].includes(code)) return true;
    if (typeof err === 'object' && err !== null && (err as { fatal?: unknown }).fatal === true) return true;
    return /Pool is closed|connection is in closed state/i.test(err instanceof Error ? err.message : '');
  },
};

class MysqlClient implements SqlClient {
  readonly dialect = mysqlDialect;

  constructor(private readonly pool: mysql.Pool, private readonly database: string) {}

  async query(sql: string, params: readonly unknown[] = []): Promise<SqlRow[]> {
    const [rows] = await this.pool.query(sql, bind(params));
    return rows as SqlRow[];
  }

  async exec(sql: string, params: readonly unknown[] = []): Promise<number> {
    const [res] = await this.pool.query<mysql.ResultSetHeader>(sql, bind(params));
    return res.affectedRows;
  }

  async appendRow(t: string, row: NewLogRow): Promise<number> {
    // One transaction in one round trip. UPDATE … LAST_INSERT_ID(value + 1) locks the counter row
    // and hands its new value to the INSERT; on a unique violation we roll back, so the counter
    // does not move (no revision is burned).
    const conn = await this.pool.getConnection();
    let healthy = true;
    try {
      const [results] = await conn.query<mysql.ResultSetHeader[]>(
        `START TRANSACTION;
         UPDATE ${t}_meta SET value = LAST_INSERT_ID(value + 1) WHERE name = 'revision';
         INSERT INTO ${t} (id, name, created, deleted, create_revision, prev_revision, lease, expires_at, value, old_value)
           VALUES (LAST_INSERT_ID(), ?, ?, ?, IF(? = 0, LAST_INSERT_ID(), ?), ?, ?, ?, ?, ?);
         COMMIT`,
        bind([
          row.name, row.created ? 1 : 0, row.deleted ? 1 : 0, row.createRevision, row.createRevision, row.prevRevision,
          row.lease, row.expiresAt, row.value, row.oldValue,
        ]),
      );
      const update = results[1];
      if (!update || update.affectedRows !== 1) throw new Error(`table ${t}_meta has no revision row; expected start() to have created it`);
      return Number(update.insertId);
    } catch (err) {
      try {
        await conn.query('ROLLBACK');
      } catch {
        healthy = false;
      }
      throw err;
    } finally {
      if (healthy) conn.release();
      else conn.destroy();
    }
  }

  async withLock<T>(name: string, wait: boolean, fn: () => Promise<T>): Promise<LockResult<T>> {
    // GET_LOCK names are server-wide (at most 64 characters): qualify by database, then hash.
    const lock = `k3ts-${createHash('sha256').update(`${this.database}:${name}`).digest('hex').slice(0, 40)}`;
    const conn = await this.pool.getConnection();
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS ok', [lock, wait ? 3600 : 0]);
      if (Number(rows[0]?.ok) !== 1) {
        if (wait) throw new Error(`timed out after 3600 s waiting for the database lock ${name}`);
        return { acquired: false };
      }
      try {
        return { acquired: true, value: await fn() };
      } finally {
        await conn.query('SELECT RELEASE_LOCK(?)', [lock]);
      }
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
