// `k3ts etcd-snapshot save|ls|delete|prune` in the launcher's command tree (K3s names). The work is
// in pkg/server/etcd-snapshot-command.ts, loaded lazily like the other heavy commands.
import type { Command } from 'commander';
import { addFlags, resolveCommand } from '../../pkg/cli/commander-flags';
import { etcdSnapshotDeleteFlags, etcdSnapshotListFlags, etcdSnapshotPruneFlags, etcdSnapshotSaveFlags } from '../../pkg/cli/etcd-snapshot-flags';
import type { ProgramContext } from './program';

export function addEtcdSnapshotCommand(program: Command, ctx: ProgramContext): void {
  const snap = program
    .command('etcd-snapshot')
    .description('Save, list, delete and prune snapshots of the embedded sqlite datastore (in <data-dir>/server/db/snapshots)');
  const commands = () => import('../../pkg/server/etcd-snapshot-command');

  addFlags(snap.command('save').description('Take an on-demand snapshot (works while the server runs)'), etcdSnapshotSaveFlags).action(async (_opts, cmd: Command) => {
    const { values } = resolveCommand(cmd, etcdSnapshotSaveFlags, ctx);
    await (await commands()).snapshotSave(values, { stdout: ctx.stdout });
  });

  addFlags(snap.command('ls').aliases(['list', 'l']).description('List snapshots'), etcdSnapshotListFlags).action(async (_opts, cmd: Command) => {
    const { values } = resolveCommand(cmd, etcdSnapshotListFlags, ctx);
    (await commands()).snapshotList(values, { stdout: ctx.stdout });
  });

  addFlags(snap.command('delete').argument('<name...>', 'snapshot names, as shown by ls').description('Delete snapshots'), etcdSnapshotDeleteFlags).action(
    async (names: string[], _opts, cmd: Command) => {
      const { values } = resolveCommand(cmd, etcdSnapshotDeleteFlags, ctx);
      (await commands()).snapshotDelete(names, values, { stdout: ctx.stdout });
    },
  );

  addFlags(snap.command('prune').description('Delete all but the newest --snapshot-retention snapshots named --name'), etcdSnapshotPruneFlags).action(async (_opts, cmd: Command) => {
    const { values, sources } = resolveCommand(cmd, etcdSnapshotPruneFlags, ctx);
    (await commands()).snapshotPrune(values, sources, { stdout: ctx.stdout });
  });
}
