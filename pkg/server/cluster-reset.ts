// `k3ts server --cluster-reset --cluster-reset-restore-path=FILE` for the sqlite datastore.
//
// Runs before the datastore is opened. The snapshot replaces state.db (pkg/storage/snapshot.ts keeps
// the old file as state.db.pre-restore-<unix> and takes the owner lock, so a running server makes it
// fail). Then, as K3s does, the server stops and asks to be restarted without the flags. A marker
// file `server/db/reset-flag` (K3s's name) makes a second start that still carries the flags (left in
// a config file or a systemd unit with Restart=always) fail instead of restoring the old snapshot
// again over everything written since; a normal start deletes the marker.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError } from '../cli/errors';
import type { DataDirPaths } from '../datadir/datadir';
import type { Logger } from '../log/logger';
import { parseEndpoint } from '../storage/open-backend';
import { restoreSnapshot } from '../storage/snapshot';
import { isStorageError } from '../storage/errors';
import { externalDatastoreError } from './etcd-snapshot-command';

export interface ClusterResetOptions {
  /** --cluster-reset */
  readonly reset: boolean;
  /** --cluster-reset-restore-path */
  readonly restorePath: string | undefined;
  /** --datastore-endpoint ('' = sqlite at the default path). */
  readonly endpoint: string;
  readonly paths: DataDirPaths;
  readonly nativeBinding: unknown;
  readonly log: Logger;
  /** Clock in ms (default Date.now). */
  readonly now?: () => number;
}

/** 'restored': the snapshot is in place and the server must stop; 'none': start normally. */
export type ClusterResetOutcome = 'none' | 'restored';

export function resetFlagPath(paths: DataDirPaths): string {
  return path.join(paths.server.db, 'reset-flag');
}

export function clusterReset(opts: ClusterResetOptions): ClusterResetOutcome {
  const { paths, log } = opts;
  const marker = resetFlagPath(paths);
  if (opts.restorePath !== undefined && !opts.reset) {
    throw new CliError('invalid-value', '--cluster-reset-restore-path needs --cluster-reset as well (k3ts server --cluster-reset --cluster-reset-restore-path=FILE)');
  }
  if (!opts.reset) {
    if (fs.existsSync(marker)) {
      fs.rmSync(marker, { force: true });
      log.info('normal start after a cluster reset; removed the reset marker', { file: marker });
    }
    return 'none';
  }

  const endpoint = parseEndpoint(opts.endpoint, { defaultSqlitePath: paths.server.sqlite });
  if (endpoint.driver !== 'sqlite') throw externalDatastoreError(endpoint, '--cluster-reset');
  if (opts.restorePath === undefined || opts.restorePath === '') {
    throw new CliError('missing-value', '--cluster-reset on the sqlite datastore needs --cluster-reset-restore-path=FILE: a single sqlite server has no cluster membership to reset, only a snapshot to restore');
  }
  if (fs.existsSync(marker)) {
    throw new CliError(
      'invalid-value',
      `a cluster reset was already done (${marker} exists): start k3ts without --cluster-reset and --cluster-reset-restore-path (check the command line, the config file and the service unit); to restore a snapshot again, delete ${marker} first`,
    );
  }
  const snapshot = resolveSnapshotPath(opts.restorePath, paths);
  log.info('cluster reset: restoring snapshot', { snapshot, datastore: endpoint.path });
  let result: ReturnType<typeof restoreSnapshot>;
  try {
    result = restoreSnapshot({ snapshotPath: snapshot, dbPath: endpoint.path, nativeBinding: opts.nativeBinding, ...(opts.now ? { now: opts.now } : {}) });
  } catch (e) {
    if (isStorageError(e, 'unavailable') && /in use by another k3ts server/.test(e.message)) throw e;
    throw new CliError('invalid-value', `--cluster-reset-restore-path ${snapshot}: cannot restore it: ${(e as Error).message}; expected a snapshot made by k3ts etcd-snapshot save`);
  }
  fs.writeFileSync(marker, `restored ${snapshot} at ${new Date((opts.now ?? Date.now)()).toISOString()}\n`, { mode: 0o600 });
  log.info('cluster reset: snapshot restored', {
    snapshot,
    datastore: endpoint.path,
    previous: result.previous ?? 'none',
    compactedRevision: result.compactedRevision,
  });
  log.info('cluster reset done; k3ts stops now: restart without --cluster-reset and --cluster-reset-restore-path (remove them from the config file or service unit too)');
  return 'restored';
}

/** An absolute or relative path, or the bare name of a snapshot in <data-dir>/server/db/snapshots. */
function resolveSnapshotPath(given: string, paths: DataDirPaths): string {
  const direct = path.resolve(given);
  const candidates = given === path.basename(given) ? [direct, path.join(paths.server.snapshots, given)] : [direct];
  const found = candidates.find((c) => fs.existsSync(c));
  if (found === undefined) {
    throw new CliError(
      'invalid-value',
      `--cluster-reset-restore-path ${given}: no such file${candidates.length > 1 ? ` (also looked in ${paths.server.snapshots})` : ''}; expected a snapshot file as listed by k3ts etcd-snapshot ls`,
    );
  }
  if (!fs.statSync(found).isFile()) throw new CliError('invalid-value', `--cluster-reset-restore-path ${found} is not a regular file; expected a snapshot file as listed by k3ts etcd-snapshot ls`);
  return found;
}
