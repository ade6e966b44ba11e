// `k3ts etcd-snapshot save|ls|delete|prune` flags (K3s names). As in K3s, the `--etcd-` prefix may
// be dropped on these commands: `--dir` = `--etcd-snapshot-dir`, `--snapshot-retention` =
// `--etcd-snapshot-retention`. Only the prefixed names are config-file keys (the file is shared with
// `k3ts server`); `--name`, `--dir`, `--output` are command-line only.
import { commonFlags, nodeFlags } from './common-flags';
import { defineFlags } from './flag-spec';
import { serverOnlyFlags } from './server-flags';

export const etcdSnapshotBaseFlags = defineFlags({
  ...commonFlags,
  nodeName: nodeFlags.nodeName,
  datastoreEndpoint: serverOnlyFlags.datastoreEndpoint,
  etcdSnapshotDir: { flag: 'etcd-snapshot-dir', type: 'string', arg: '<dir>', description: 'Directory holding snapshots (default <data-dir>/server/db/snapshots)' },
  dir: { flag: 'dir', type: 'string', arg: '<dir>', description: 'Same as --etcd-snapshot-dir' },
});

const name = { flag: 'name', type: 'string', default: 'on-demand', arg: '<name>', description: 'Base name of the snapshots (files are <name>-<node>-<unix time>)' } as const;

export const etcdSnapshotSaveFlags = defineFlags({ ...etcdSnapshotBaseFlags, name });

export const etcdSnapshotListFlags = defineFlags({
  ...etcdSnapshotBaseFlags,
  output: { flag: 'output', short: 'o', type: 'string', default: 'table', choices: ['table', 'json', 'yaml'], arg: '<format>', description: 'Output format' },
});

export const etcdSnapshotDeleteFlags = etcdSnapshotBaseFlags;

export const etcdSnapshotPruneFlags = defineFlags({
  ...etcdSnapshotBaseFlags,
  name,
  etcdSnapshotRetention: { flag: 'etcd-snapshot-retention', type: 'int', default: 5, arg: '<n>', description: 'Number of snapshots to keep' },
  snapshotRetention: { flag: 'snapshot-retention', type: 'int', arg: '<n>', description: 'Same as --etcd-snapshot-retention' },
});

/** Config-file keys these commands add to the shared file. */
export const etcdSnapshotConfigKeys: readonly string[] = [etcdSnapshotBaseFlags.etcdSnapshotDir.flag, etcdSnapshotPruneFlags.etcdSnapshotRetention.flag];
