// Snapshots of the sqlite datastore for `k3ts etcd-snapshot save|ls|delete|prune` and
// `k3ts server --cluster-reset --cluster-reset-restore-path=FILE`.
//
// save: an online, consistent copy through SQLite's backup API, taken from a separate read-only
// connection while the server keeps writing (WAL lets readers and the writer proceed together). All
// pages are copied in one backup step, i.e. inside one read transaction, so the copy is one commit's
// state. The copy is written beside its final name, checked, switched to a single-file journal mode,
// fsynced and renamed into place: a snapshot file is complete or absent.
//
// restore: only while no server owns the datastore (its owner lock is taken for the duration). The
// old database is checkpointed and kept as <db>.pre-restore-<unix>, then the snapshot is copied in.
// Like `etcdutl snapshot restore --bump-revision --mark-compacted`, every revision the old database
// had handed out is marked compacted, so clients holding old resourceVersions get 410 Gone and
// re-list instead of seeing revisions go backwards; the snapshot's own superseded history is dropped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageError } from './errors';
import { SqliteLog } from './drivers/sqlite-log';
import { SCHEMA_VERSION, acquireOwnerLock, connect } from './drivers/sqlite-schema';

export interface SnapshotInfo {
  /** File name, `<prefix>-<node>-<unix seconds>`. */
  readonly name: string;
  readonly path: string;
  readonly size: number;
  /** From the name's trailing unix time (the file's mtime if the name has none). */
  readonly createdAt: Date;
}

export interface SaveSnapshotOptions {
  readonly dbPath: string;
  /** Usually <data-dir>/server/db/snapshots. */
  readonly dir: string;
  readonly nodeName: string;
  /** Name prefix: 'on-demand' (default, like k3s) or 'etcd-snapshot' for scheduled ones. */
  readonly prefix?: string;
  readonly nativeBinding?: unknown;
  /** Clock in ms (default Date.now). */
  readonly now?: () => number;
}

const NAME_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function saveSnapshot(opts: SaveSnapshotOptions): Promise<SnapshotInfo> {
  const prefix = opts.prefix ?? 'on-demand';
  for (const [what, v] of [['prefix', prefix], ['node name', opts.nodeName]] as const) {
    if (!NAME_PART.test(v)) throw new RangeError(`snapshot ${what} ${JSON.stringify(v)} must be letters, digits, '.', '_' or '-'`);
  }
  if (!fs.existsSync(opts.dbPath)) throw new StorageError('not-found', `no sqlite datastore at ${opts.dbPath}; expected the server's state.db`);
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const unix = Math.floor((opts.now ?? Date.now)() / 1000);
  const name = `${prefix}-${opts.nodeName}-${unix}`;
  const final = path.join(opts.dir, name);
  if (fs.existsSync(final)) throw new StorageError('exists', `snapshot ${final} already exists; expected a new name (one per second per node)`);
  const tmp = path.join(opts.dir, `.${name}.partial`);
  fs.rmSync(tmp, { force: true });
  const src = connect(opts.dbPath, { readonly: true, nativeBinding: opts.nativeBinding });
  try {
    await src.backup(tmp, { progress: () => 0x7fffffff });
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  } finally {
    src.close();
  }
  try {
    const copy = connect(tmp, { mustExist: true, nativeBinding: opts.nativeBinding });
    try {
      checkDatastore(copy, tmp);
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    fsyncFile(tmp);
    fs.renameSync(tmp, final);
    fsyncFile(opts.dir);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return info(opts.dir, name);
}

/** Snapshots in `dir`, oldest first (missing dir = none). */
export function listSnapshots(dir: string): SnapshotInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .filter((n) => !n.startsWith('.') && fs.statSync(path.join(dir, n)).isFile())
    .map((n) => info(dir, n))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.name.localeCompare(b.name));
}

/** Deletes snapshots by name; returns the names that were not there. */
export function deleteSnapshots(dir: string, names: readonly string[]): { deleted: string[]; missing: string[] } {
  const deleted: string[] = [];
  const missing: string[] = [];
  for (const n of names) {
    if (n !== path.basename(n) || n.startsWith('.')) throw new RangeError(`snapshot name ${JSON.stringify(n)} must be a file name inside ${dir}`);
    try {
      fs.unlinkSync(path.join(dir, n));
      deleted.push(n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      missing.push(n);
    }
  }
  return { deleted, missing };
}

/** Keeps the newest `retention` snapshots whose name starts with `<prefix>-`; deletes the rest. */
export function pruneSnapshots(dir: string, opts: { readonly retention: number; readonly prefix?: string }): string[] {
  if (!Number.isInteger(opts.retention) || opts.retention < 1) throw new RangeError(`snapshot retention must be a positive integer, got ${opts.retention}`);
  const prefix = `${opts.prefix ?? 'on-demand'}-`;
  const matching = listSnapshots(dir).filter((s) => s.name.startsWith(prefix));
  const doomed = matching.slice(0, Math.max(0, matching.length - opts.retention)).map((s) => s.name);
  return deleteSnapshots(dir, doomed).deleted;
}

export interface RestoreOptions {
  readonly snapshotPath: string;
  readonly dbPath: string;
  readonly nativeBinding?: unknown;
  readonly now?: () => number;
}

export interface RestoreResult {
  /** Where the replaced database was kept (undefined if there was none). */
  readonly previous: string | undefined;
  /** Revisions up to this one are marked compacted; new writes come after it. */
  readonly compactedRevision: number;
}

/** Replaces the datastore with a snapshot. The server must be stopped (its owner lock is taken). */
export function restoreSnapshot(opts: RestoreOptions): RestoreResult {
  const { snapshotPath, dbPath, nativeBinding } = opts;
  const snap = connect(snapshotPath, { readonly: true, nativeBinding });
  let snapMax: number;
  try {
    checkDatastore(snap, snapshotPath);
    snapMax = (snap.prepare('SELECT max(rev) FROM log').pluck().get() as number | null) ?? 0;
  } finally {
    snap.close();
  }
  const lock = acquireOwnerLock(dbPath, { nativeBinding });
  try {
    let oldMax = 0;
    let previous: string | undefined;
    if (fs.existsSync(dbPath)) {
      oldMax = newestRevision(dbPath, nativeBinding) ?? snapMax + UNKNOWN_BUMP;
      // A leftover WAL would be replayed onto the restored file: remove it before anything else moves.
      fs.rmSync(`${dbPath}-wal`, { force: true });
      fs.rmSync(`${dbPath}-shm`, { force: true });
      previous = `${dbPath}.pre-restore-${Math.floor((opts.now ?? Date.now)() / 1000)}`;
      fs.renameSync(dbPath, previous);
    }
    const tmp = `${dbPath}.restoring`;
    fs.copyFileSync(snapshotPath, tmp);
    const compacted = Math.max(oldMax, snapMax);
    const db = connect(tmp, { mustExist: true, nativeBinding });
    try {
      const log = new SqliteLog(db);
      log.replay();
      db.transaction(() => {
        log.compactRange(log.compactedRevision(), snapMax);
        db.prepare(`UPDATE meta SET value = ? WHERE name = 'compacted'`).run(compacted);
      })();
      db.pragma('journal_mode = WAL');
    } finally {
      db.close();
    }
    fsyncFile(tmp);
    fs.renameSync(tmp, dbPath);
    fsyncFile(path.dirname(dbPath));
    return { previous, compactedRevision: compacted };
  } finally {
    lock.release();
  }
}

/** When the replaced database cannot be read (the usual reason to restore), jump this far ahead. */
const UNKNOWN_BUMP = 1_000_000;

/** The newest revision a (possibly damaged) datastore handed out, after checkpointing its WAL. */
function newestRevision(dbPath: string, nativeBinding: unknown): number | undefined {
  try {
    const old = connect(dbPath, { mustExist: true, nativeBinding });
    try {
      old.pragma('wal_checkpoint(TRUNCATE)');
      const max = (old.prepare('SELECT max(rev) FROM log').pluck().get() as number | null) ?? 0;
      const compacted = (old.prepare(`SELECT value FROM meta WHERE name = 'compacted'`).pluck().get() as number | undefined) ?? 0;
      return Math.max(max, compacted + 1);
    } finally {
      old.close();
    }
  } catch {
    return undefined;
  }
}

function checkDatastore(db: ReturnType<typeof connect>, file: string): void {
  const ok = db.pragma('quick_check', { simple: true });
  if (ok !== 'ok') throw new StorageError('unavailable', `${file} failed sqlite's quick_check: ${String(ok)}`);
  const tables = new Set(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]);
  for (const t of ['log', 'current', 'meta']) {
    if (!tables.has(t)) throw new StorageError('unavailable', `${file} is not a k3ts sqlite datastore: table ${t} is missing`);
  }
  const version = db.prepare(`SELECT value FROM meta WHERE name = 'schema'`).pluck().get();
  if (version !== SCHEMA_VERSION) throw new StorageError('unavailable', `${file} has schema version ${String(version)}; expected ${SCHEMA_VERSION}`);
}

function info(dir: string, name: string): SnapshotInfo {
  const p = path.join(dir, name);
  const st = fs.statSync(p);
  const m = /-(\d{9,11})$/.exec(name);
  return { name, path: p, size: st.size, createdAt: m ? new Date(Number(m[1]) * 1000) : st.mtime };
}

function fsyncFile(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
