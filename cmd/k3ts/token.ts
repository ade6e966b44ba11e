// `k3ts token …` and `k3ts secrets-encrypt …` in the launcher's command tree (K3s names). Both talk
// to the running server through an admin kubeconfig; the work is in pkg/cli/token-command.ts and
// pkg/cli/secrets-encrypt-command.ts, loaded lazily.
import { Command, Option } from 'commander';
import type { ProgramContext } from './program';

interface ClientFlags {
  readonly dataDir?: string;
  readonly kubeconfig?: string;
}

function clientOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-d, --data-dir <dir>', 'Folder holding the server state (default $K3TS_DATA_DIR, /var/lib/rancher/k3ts, or ~/.rancher/k3ts if not root)'))
    .addOption(new Option('--kubeconfig <file>', 'Admin kubeconfig of the server (default <data-dir>/server/cred/admin.kubeconfig)'));
}

async function client(flags: ClientFlags, ctx: ProgramContext) {
  const { adminKubeconfigPath, createAdminClient, loadKubeconfig } = await import('../../pkg/cli/admin-client');
  const { defaultDataDir } = await import('../../pkg/datadir/datadir');
  return createAdminClient(loadKubeconfig(adminKubeconfigPath({ kubeconfig: flags.kubeconfig, dataDir: flags.dataDir ?? ctx.env.K3TS_DATA_DIR ?? defaultDataDir() })));
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function addTokenCommands(program: Command, ctx: ProgramContext): void {
  const token = program.command('token').description('Manage bootstrap tokens (kube-system/bootstrap-token-<id> secrets) on a running server');
  const io = { stdout: ctx.stdout };
  const commands = () => import('../../pkg/cli/token-command');

  clientOptions(token.command('create').argument('[token]', 'the token to create (<id>.<secret>); random when omitted').description('Create a bootstrap token and print it'))
    .option('--ttl <duration>', 'Time before the token expires (e.g. 24h, 90m; 0 = never)', '24h')
    .option('--description <text>', 'A human-friendly description of the token')
    .option('--groups <group>', 'Extra groups the token authenticates as (repeatable or comma-separated; default system:bootstrappers:k3ts:default-node-token)', collect)
    .option('--usages <usage>', 'What the token may be used for: authentication, signing (repeatable or comma-separated)', collect)
    .action(async (given: string | undefined, opts: ClientFlags & { ttl: string; description?: string; groups?: string[]; usages?: string[] }) => {
      const c = await commands();
      await c.tokenCreate(await client(opts, ctx), given, { ttl: opts.ttl, description: opts.description, groups: opts.groups ?? [...c.TOKEN_DEFAULTS.groups], usages: opts.usages ?? [...c.TOKEN_DEFAULTS.usages] }, io);
    });

  clientOptions(token.command('list').alias('ls').description('List bootstrap tokens')).action(async (opts: ClientFlags) => {
    await (await commands()).tokenList(await client(opts, ctx), io);
  });

  clientOptions(token.command('delete').argument('<token...>', 'tokens or token ids').description('Delete bootstrap tokens')).action(async (ids: string[], opts: ClientFlags) => {
    await (await commands()).tokenDelete(await client(opts, ctx), ids, io);
  });

  token
    .command('generate')
    .description('Print a random bootstrap token (<id>.<secret>) without creating it')
    .action(async () => (await commands()).tokenGenerate(io));
}

export function addSecretsEncryptCommands(program: Command, ctx: ProgramContext): void {
  const se = program.command('secrets-encrypt').description('Inspect and rotate the keys that encrypt secrets at rest (server started with --secrets-encryption)');
  const commands = () => import('../../pkg/cli/secrets-encrypt-command');

  clientOptions(se.command('status').description('Print whether secrets are encrypted, the rotation stage and the keys'))
    .addOption(new Option('-o, --output <format>', 'Output format').choices(['text', 'json']).default('text'))
    .action(async (opts: ClientFlags & { output: string }) => {
      await (await commands()).secretsEncryptStatus(await client(opts, ctx), opts.output, ctx.stdout);
    });

  clientOptions(se.command('rotate-keys').description('Add a new key, re-encrypt every secret with it, then remove the old keys')).action(async (opts: ClientFlags) => {
    await (await commands()).secretsEncryptRotateKeys(await client(opts, ctx), ctx.stdout);
  });
}
