// Opening the sqlite datastore: owner lock, pragmas, schema. Used by SqliteBackend and snapshot tools.
//
// Schema (one row per revision, like kine's log, plus an index of each key's newest row):
//
//   log(rev PK, key, kind, create_rev, prev_rev, lease, expires_at, value)
//     One row per write, appended in revision order. `prev_rev` links a row to the key's previous row:
//     for update/delete the version it replaces (the watch event's prevKv), for a create the delete
//     of the key's previous life (0 if none). A delete row stores no value: the deleted value is the
//     prev_rev row's, so each write stores its value once (kine also stores `old_value`, doubling the
//     bytes written per update).
//   current(key PK, rev, live, create_rev, lease, expires_at) WITHOUT ROWID
//     Each key's newest row, clustered by key. Latest get is one seek and a paginated list one range
//     scan over keys, however long the history is (kine's MAX(id) GROUP BY name visits every retained
//     version: its slow LISTs over big tables). A deleted key stays here as a tombstone (live = 0)
//     until compaction drops its delete, so a read at an older revision starts from `current` and
//     follows prev_rev back to the version it needs; that is why the log needs no (key, rev) index,
//     which would add a B-tree update to every commit (measured: about halves the write rate).
//     `expires_at` (ms, also on the log row) persists lease deadlines, so a restart neither forgets
//     nor extends them. `current` is written behind the log in batches (sqlite-log.ts): a commit
//     touches one B-tree, like a bare INSERT, and a crash before a batch is repaired from the log on
//     open (measured: writes went from ~55% to ~70% of the bare-INSERT rate).
//   meta(name PK, value)
//     schema version, the compacted revision, and `current_through` (the last revision in `current`).
//
// Durability: journal_mode=WAL with synchronous=NORMAL by default. A commit is acknowledged after its
// frames are written into the WAL file with write(2); they then live in the kernel page cache, which
// survives the death of our process (SIGKILL, OOM kill, crash), so every acknowledged write is on the
// next open. What NORMAL gives up is the fsync per commit: on power loss or a kernel crash the last
// commits may be lost, but the WAL checksums make recovery stop at a commit boundary, so the file stays
// consistent. `synchronous: 'full'` fsyncs every commit for those who need power-loss durability.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { StorageError, UnavailableError } from '../errors';

export const SCHEMA_VERSION = 1;

export type SqliteSynchronous = 'normal' | 'full';

export interface OpenSqliteOptions {
  /** better-sqlite3 native addon (object or path); undefined = resolve from node_modules. */
  readonly nativeBinding?: unknown;
  readonly synchronous?: SqliteSynchronous;
  readonly readonly?: boolean;
  /** Fail instead of creating the file (implied by readonly). */
  readonly mustExist?: boolean;
}

/**
 * Creates a better-sqlite3 connection. The busy timeout only matters when another process (a
 * snapshot, the sqlite3 shell) holds a lock: our own writes never wait for each other. It is kept
 * short because better-sqlite3 waits synchronously, stalling the event loop.
 */
export function connect(file: string, opts: OpenSqliteOptions = {}): Database.Database {
  const options: Database.Options = { timeout: 5000, readonly: opts.readonly ?? false, fileMustExist: (opts.readonly ?? false) || (opts.mustExist ?? false) };
  // The typings only know the string form; better-sqlite3 also accepts the loaded addon object.
  if (opts.nativeBinding !== undefined) (options as { nativeBinding?: unknown }).nativeBinding = opts.nativeBinding;
  return new Database(file, options);
}

/** Opens (creating if needed) the datastore at `file` with pragmas and schema applied. */
export function openDatastore(file: string, opts: OpenSqliteOptions = {}): Database.Database {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = connect(file, opts);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -32768');
    // Keep the WAL from staying large after a burst; checkpoints run automatically every ~4 MB.
    db.pragma('journal_size_limit = 67108864');
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function migrate(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS log (
      rev        INTEGER PRIMARY KEY,
      key        TEXT    NOT NULL,
      kind       INTEGER NOT NULL,
      create_rev INTEGER NOT NULL,
      prev_rev   INTEGER NOT NULL,
      lease      INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      value      BLOB    NOT NULL
    );
    CREATE TABLE IF NOT EXISTS current (
      key        TEXT    PRIMARY KEY,
      rev        INTEGER NOT NULL,
      live       INTEGER NOT NULL,
      create_rev INTEGER NOT NULL,
      lease      INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS current_expires ON current (expires_at) WHERE expires_at > 0;
    CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', ${SCHEMA_VERSION}), ('compacted', 0), ('current_through', 0);
  `);
  const row = db.prepare(`SELECT value FROM meta WHERE name = 'schema'`).get() as { value: number };
  if (row.value !== SCHEMA_VERSION) {
    throw new StorageError('unavailable', `sqlite datastore schema version ${row.value} is not supported; expected ${SCHEMA_VERSION}`);
  }
}

/** Path of the owner lock that keeps two servers from writing one datastore. */
export function lockPath(file: string): string {
  return `${file}-lock`;
}

/**
 * Takes the datastore's owner lock: an exclusive transaction held open on a side file. The kernel
 * drops it when the process dies (even by SIGKILL), so no stale lock survives a crash.
 */
export function acquireOwnerLock(file: string, opts: OpenSqliteOptions = {}): { release(): void } {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const lock = connect(lockPath(file), { ...(opts.nativeBinding !== undefined ? { nativeBinding: opts.nativeBinding } : {}) });
  try {
    lock.pragma('busy_timeout = 0');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    lock.close();
    if (e instanceof Error && /locked|busy/i.test(e.message)) {
      throw new UnavailableError(`${file} is in use by another k3ts server (lock ${lockPath(file)} is held); stop it first`);
    }
    throw e;
  }
  return {
    release: () => {
      if (lock.open) lock.close();
    },
  };
}
