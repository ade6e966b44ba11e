// `k3ts etcd-snapshot save|ls|delete|prune`: the user-facing side of pkg/storage/snapshot.ts for the
// embedded sqlite datastore. `save` works while the server runs (an online, consistent copy taken
// from a read-only connection; the server's owner lock is on a side file and does not stop readers).
// External datastores (postgres, mysql, etcd) are backed up with that database's own tools.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { CliError } from '../cli/errors';
import type { etcdSnapshotBaseFlags, etcdSnapshotListFlags, etcdSnapshotPruneFlags, etcdSnapshotSaveFlags } from '../cli/etcd-snapshot-flags';
import type { FlagSource, FlagValues } from '../cli/flag-spec';
import { dataDirPaths, defaultDataDir, type DataDirPaths } from '../datadir/datadir';
import { nativeSqliteBinding } from '../embed/native-sqlite';
import { createLogger, type Logger } from '../log/logger';
import { parseEndpoint, type ParsedEndpoint } from '../storage/open-backend';
import { deleteSnapshots, listSnapshots, pruneSnapshots, saveSnapshot, type SnapshotInfo } from '../storage/snapshot';

export interface SnapshotCommandContext {
  readonly stdout: (text: string) => void;
  /** Defaults to a logger on stderr (debug level with --debug). */
  readonly log?: Logger;
  /** Clock in ms (default Date.now). */
  readonly now?: () => number;
}

type BaseValues = FlagValues<typeof etcdSnapshotBaseFlags>;

const NAME_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The tools that back up each external datastore, named in the error. */
const EXTERNAL_TOOLS: Readonly<Record<string, string>> = {
  postgres: 'PostgreSQL (pg_dump / pg_basebackup)',
  mysql: 'MySQL/MariaDB (mysqldump / mariadb-backup)',
  etcd: 'etcd (etcdctl snapshot save / etcdutl snapshot restore)',
};

/** Snapshots are only ours to take for sqlite; any other datastore gets this error. */
export function externalDatastoreError(endpoint: Exclude<ParsedEndpoint, { driver: 'sqlite' }>, what: string): CliError {
  if (endpoint.driver === 'memory') {
    return new CliError('invalid-value', `${what}: --datastore-endpoint is memory, which keeps nothing on disk; snapshots are for the sqlite datastore`);
  }
  return new CliError(
    'invalid-value',
    `${what}: --datastore-endpoint is an external ${endpoint.driver} datastore; k3ts takes snapshots of its embedded sqlite datastore only. ` +
      `Back up and restore an external datastore with that database's own tools: ${EXTERNAL_TOOLS[endpoint.driver]}`,
  );
}

interface Target {
  readonly paths: DataDirPaths;
  readonly dbPath: string;
  readonly dir: string;
}

function target(v: BaseValues, what: string): Target {
  const paths = dataDirPaths(v.dataDir ?? defaultDataDir());
  const endpoint = parseEndpoint(v.datastoreEndpoint ?? '', { defaultSqlitePath: paths.server.sqlite });
  if (endpoint.driver !== 'sqlite') throw externalDatastoreError(endpoint, what);
  // `--dir` (command line only) wins over `--etcd-snapshot-dir` (command line, config file).
  const dir = path.resolve(v.dir ?? v.etcdSnapshotDir ?? paths.server.snapshots);
  return { paths, dbPath: endpoint.path, dir };
}

function logger(v: BaseValues, ctx: SnapshotCommandContext): Logger {
  return ctx.log ?? createLogger({ level: v.debug ? 'debug' : 'info', component: 'etcd-snapshot' });
}

function checkName(flag: string, value: string): void {
  if (!NAME_PART.test(value)) throw new CliError('invalid-value', `invalid ${flag} ${JSON.stringify(value)}: expected letters, digits, '.', '_' or '-', starting with a letter or digit`);
}

export async function snapshotSave(v: FlagValues<typeof etcdSnapshotSaveFlags>, ctx: SnapshotCommandContext): Promise<SnapshotInfo> {
  const t = target(v, 'etcd-snapshot save');
  checkName('--name', v.name);
  const nodeName = (v.nodeName ?? os.hostname()).toLowerCase();
  checkName('--node-name', nodeName);
  if (!fs.existsSync(t.dbPath)) {
    throw new CliError('invalid-value', `etcd-snapshot save: no sqlite datastore at ${t.dbPath}; expected a k3ts server's data dir (--data-dir, or --datastore-endpoint sqlite://PATH)`);
  }
  const log = logger(v, ctx);
  const nativeBinding = nativeSqliteBinding(t.paths.assets, log.child('embed'));
  log.info('saving snapshot', { datastore: t.dbPath, dir: t.dir });
  const snap = await saveSnapshot({ dbPath: t.dbPath, dir: t.dir, nodeName, prefix: v.name, nativeBinding, ...(ctx.now ? { now: ctx.now } : {}) });
  log.info('snapshot saved', { name: snap.name, size: snap.size });
  ctx.stdout(`${snap.path}\n`);
  return snap;
}

export function snapshotList(v: FlagValues<typeof etcdSnapshotListFlags>, ctx: SnapshotCommandContext): SnapshotInfo[] {
  const t = target(v, 'etcd-snapshot ls');
  const snaps = listSnapshots(t.dir);
  const rows = snaps.map((s) => ({ name: s.name, location: `file://${s.path}`, size: s.size, created: s.createdAt.toISOString() }));
  if (v.output === 'json') ctx.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  else if (v.output === 'yaml') ctx.stdout(toYaml(rows));
  else ctx.stdout(table(['Name', 'Location', 'Size', 'Created'], rows.map((r) => [r.name, r.location, String(r.size), r.created])));
  return snaps;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [header, ...rows].map(line).join('\n') + '\n';
}

export function snapshotDelete(names: readonly string[], v: BaseValues, ctx: SnapshotCommandContext): void {
  const t = target(v, 'etcd-snapshot delete');
  if (names.length === 0) throw new CliError('missing-value', 'etcd-snapshot delete: name at least one snapshot (see k3ts etcd-snapshot ls)');
  // Validate every name before deleting anything.
  for (const n of names) {
    if (n !== path.basename(n) || n.startsWith('.') || n === '') {
      throw new CliError('invalid-value', `etcd-snapshot delete: ${JSON.stringify(n)} is not a snapshot name; expected a file name in ${t.dir} as shown by k3ts etcd-snapshot ls`);
    }
  }
  const log = logger(v, ctx);
  const { deleted, missing } = deleteSnapshots(t.dir, names);
  for (const n of deleted) {
    log.info('snapshot deleted', { name: n });
    ctx.stdout(`${n}\n`);
  }
  if (missing.length > 0) {
    throw new CliError('invalid-value', `etcd-snapshot delete: no snapshot ${missing.map((n) => JSON.stringify(n)).join(', ')} in ${t.dir}; see k3ts etcd-snapshot ls`);
  }
}

export function snapshotPrune(v: FlagValues<typeof etcdSnapshotPruneFlags>, sources: Readonly<Record<string, FlagSource>>, ctx: SnapshotCommandContext): string[] {
  const t = target(v, 'etcd-snapshot prune');
  checkName('--name', v.name);
  const [retention, flag] = sources.snapshotRetention === 'cli' ? [v.snapshotRetention, '--snapshot-retention'] : [v.etcdSnapshotRetention, '--etcd-snapshot-retention'];
  if (!Number.isInteger(retention) || retention < 1) throw new CliError('invalid-value', `invalid ${flag} ${retention}: expected a positive number of snapshots to keep`);
  const log = logger(v, ctx);
  const pruned = pruneSnapshots(t.dir, { retention, prefix: v.name });
  for (const n of pruned) {
    log.info('snapshot pruned', { name: n });
    ctx.stdout(`${n}\n`);
  }
  log.info('prune done', { kept: retention, prefix: v.name, deleted: pruned.length });
  return pruned;
}
