// The launcher's command tree. Heavy modules (server, agent, sqlite) load lazily inside actions so
// `k3ts --version` stays close to bare Node start-up time.
import { Command } from 'commander';
import { agentFlags } from '../../pkg/cli/agent-flags';
import { addFlags, resolveCommand } from '../../pkg/cli/commander-flags';
import { CliError } from '../../pkg/cli/errors';
import { serverFlags } from '../../pkg/cli/server-flags';
import { formatVersion, versionInfo } from '../../pkg/version/version';
import { addEtcdSnapshotCommand } from './etcd-snapshot';
import { addHostToolCommands } from './host-tools';
import { addSecretsEncryptCommands, addTokenCommands } from './token';

export interface ProgramContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The running executable (for kubectl pass-through and multi-call). */
  readonly self: string;
  readonly stdout: (text: string) => void;
  /** Resolves when the process should shut down (SIGINT/SIGTERM). */
  readonly shutdownSignal: AbortSignal;
  readonly setExitCode: (code: number) => void;
}

export function buildProgram(ctx: ProgramContext): Command {
  const program = new Command('k3ts')
    .description('k3ts: a lightweight Kubernetes distribution in one executable')
    .version(formatVersion(versionInfo()).trimEnd(), '-v, --version', 'Print the version')
    .showSuggestionAfterError(true)
    .enablePositionalOptions();

  program
    .command('version')
    .description('Print the version')
    .action(() => ctx.stdout(formatVersion(versionInfo())));

  addFlags(program.command('server').description('Run a k3ts server (API, datastore, controllers) and, unless --disable-agent, a local agent'), serverFlags).action(async (_opts, cmd: Command) => {
    const resolved = resolveCommand(cmd, serverFlags, ctx);
    const { runServer } = await import('../../pkg/server/run-server');
    await runServer(resolved.values, { env: ctx.env, signal: ctx.shutdownSignal, configFiles: resolved.configFiles });
  });

  addFlags(program.command('agent').description('Run a k3ts agent that joins a server'), agentFlags).action(async (_opts, cmd: Command) => {
    const resolved = resolveCommand(cmd, agentFlags, ctx);
    if (!resolved.values.server) throw new CliError('missing-value', 'k3ts agent needs --server https://<server>:6443 (or K3TS_URL)');
    if (!resolved.values.token && !resolved.values.tokenFile) throw new CliError('missing-value', 'k3ts agent needs --token or --token-file (or K3TS_TOKEN)');
    const { runAgent } = await import('../../pkg/agent/run-agent');
    await runAgent(resolved.values, { env: ctx.env, signal: ctx.shutdownSignal });
  });

  program
    .command('kubectl')
    .description('Run kubectl with the admin kubeconfig')
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .passThroughOptions(true)
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { runKubectl } = await import('../../pkg/cli/kubectl-passthrough');
      const { defaultKubeconfigPath, dataDirPaths, defaultDataDir } = await import('../../pkg/datadir/datadir');
      const code = await runKubectl(args, {
        env: ctx.env,
        self: ctx.self,
        kubeconfigs: [defaultKubeconfigPath(), `${dataDirPaths(defaultDataDir()).server.cred}/admin.kubeconfig`],
      });
      ctx.setExitCode(code);
    });

  addEtcdSnapshotCommand(program, ctx);
  addTokenCommands(program, ctx);
  addSecretsEncryptCommands(program, ctx);
  addHostToolCommands(program, ctx);

  program
    .command('check-config')
    .description('Check whether this host can run k3ts (kernel, cgroups, runtime binaries)')
    .action(async () => {
      const { checkConfig, formatCheckResults, realHost } = await import('../../pkg/checkconfig/check-config');
      const results = checkConfig(realHost(ctx.env));
      ctx.stdout(formatCheckResults(results));
      if (results.some((r) => r.status === 'fail')) ctx.setExitCode(1);
    });

  program
    .command('self-test', { hidden: true })
    .description('Load the embedded sqlite addon and do a round trip (packaging smoke test)')
    .option('-d, --data-dir <dir>', 'data dir')
    .action(async (opts: { dataDir?: string }) => {
      const { selfTest } = await import('../../pkg/server/self-test');
      ctx.stdout(await selfTest(opts.dataDir));
    });

  return program;
}
