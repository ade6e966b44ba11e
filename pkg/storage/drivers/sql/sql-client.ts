// The seam between the shared revision-log logic (sql-backend.ts) and one database client
// (postgres.ts, mysql.ts). A client owns its pool and a small dialect object; everything that
// differs between the databases — placeholders, column types, insert-ignore syntax, the atomic
// "next revision + insert" statement, unique-violation codes, cross-server locks — lives here.

export type SqlRow = Record<string, unknown>;

/** One revision-log row to append; the client assigns `id` (= the new revision). */
export interface NewLogRow {
  readonly name: string;
  readonly created: boolean;
  readonly deleted: boolean;
  /** 0 = "this row's own revision" (a create). */
  readonly createRevision: number;
  readonly prevRevision: number;
  readonly lease: number;
  /** Unix ms at which a leased key expires; 0 = never. */
  readonly expiresAt: number;
  readonly value: Uint8Array;
  readonly oldValue: Uint8Array | null;
}

export interface SqlDialect {
  readonly name: 'postgres' | 'mysql';
  /** CREATE statements (idempotent) for the log table `table` and its `<table>_meta` table. */
  schema(table: string): readonly string[];
  /** Statement seeding the meta rows (name, value) = (?, ?) unless present. */
  insertMetaIfMissing(table: string): string;
  /**
   * Statements removing log rows with lo < id <= hi that no read at a revision > `compactTo`
   * can see: rows superseded by a newer row of the same key at or below `compactTo`, then
   * deletion markers. Run in this order, batch after batch with ascending id ranges.
   */
  compactBatch(table: string, lo: number, hi: number, compactTo: number): ReadonlyArray<readonly [string, readonly unknown[]]>;
  /** The error is a unique/primary key violation. */
  isUniqueViolation(err: unknown): boolean;
  /** The error means the database cannot be reached (maps to StorageError 'unavailable'). */
  isUnavailable(err: unknown): boolean;
  /** The statement was rolled back as a deadlock victim / serialization failure and may be rerun. */
  isTransient(err: unknown): boolean;
}

export interface LockResult<T> {
  readonly acquired: boolean;
  readonly value?: T;
}

export interface SqlClient {
  readonly dialect: SqlDialect;
  /** Runs one statement (placeholders are `?`) on a pooled connection and returns its rows. */
  query(sql: string, params?: readonly unknown[]): Promise<SqlRow[]>;
  /** Runs one statement and returns the number of affected rows. */
  exec(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Atomically takes the next revision from the `<table>_meta` counter and inserts `row` with it,
   * returning the revision. The counter row stays locked until the insert commits (see the
   * ordering argument in sql-backend.ts). Throws the database's unique-violation error when
   * (name, prev_revision) already exists; the counter then does not move.
   */
  appendRow(table: string, row: NewLogRow): Promise<number>;
  /**
   * Runs `fn` while this process holds the database-wide named lock `name` (an advisory lock), so
   * only one server at a time compacts or creates the schema. With `wait: false`, returns
   * `{acquired: false}` at once when another session holds it.
   */
  withLock<T>(name: string, wait: boolean, fn: () => Promise<T>): Promise<LockResult<T>>;
  close(): Promise<void>;
}

/** Checks a table name before it is spliced into SQL text. */
export function checkTableName(table: string): string {
  if (!/^[a-z_][a-z0-9_]{0,47}$/.test(table)) {
    throw new Error(`invalid table name ${JSON.stringify(table)}: expected lower-case letters, digits and _ (at most 48, not starting with a digit)`);
  }
  return table;
}
