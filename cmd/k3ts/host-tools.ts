// `k3ts killall`, `k3ts ctr` and `k3ts crictl`: host-side tools for the agent's runtime (K3s
// embeds ctr and crictl; k3ts runs the host's, pointed at its own containerd socket). The scripts
// install.sh writes (k3ts-killall.sh, uninstall) call `k3ts killall`.
import { Command, Option } from 'commander';
import type { ProgramContext } from './program';

function dataDirOf(flags: { dataDir?: string }, ctx: ProgramContext, fallback: string): string {
  return flags.dataDir ?? ctx.env.K3TS_DATA_DIR ?? fallback;
}

export function addHostToolCommands(program: Command, ctx: ProgramContext): void {
  program
    .command('killall')
    .description("Stop every pod, containerd, and the agent's network, mounts and cgroups on this host (k3ts itself must be stopped first)")
    .addOption(new Option('-d, --data-dir <dir>', 'Data dir of the agent to stop (default $K3TS_DATA_DIR or /var/lib/rancher/k3ts)'))
    .action(async (flags: { dataDir?: string }) => {
      const { runKillall } = await import('../../pkg/agent/killall-command');
      const { defaultDataDir } = await import('../../pkg/datadir/datadir');
      ctx.stdout(runKillall(dataDirOf(flags, ctx, defaultDataDir())));
    });

  for (const tool of ['ctr', 'crictl'] as const) {
    program
      .command(tool)
      .description(`Run the host's ${tool} against k3ts's containerd`)
      .helpOption(false)
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .passThroughOptions(true)
      .argument('[args...]')
      .action(async (args: string[]) => {
        const { runRuntimeTool } = await import('../../pkg/agent/runtime-tool');
        const { defaultDataDir } = await import('../../pkg/datadir/datadir');
        ctx.setExitCode(await runRuntimeTool(tool, args, { env: ctx.env, self: ctx.self, dataDir: dataDirOf({}, ctx, defaultDataDir()) }));
      });
  }
}
