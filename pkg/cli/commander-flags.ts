// Bridge between flag schemas and commander: declare options from a schema, then resolve the
// command's values against the config file and environment.
import { Command, Option } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../datadir/datadir';
import { agentFlags } from './agent-flags';
import { loadConfigFiles } from './config-file';
import { etcdSnapshotConfigKeys } from './etcd-snapshot-flags';
import type { FlagSchema } from './flag-spec';
import { resolveFlags, type Resolved } from './resolve-flags';
import { serverFlags } from './server-flags';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addFlags(cmd: Command, schema: FlagSchema): Command {
  for (const spec of Object.values(schema)) {
    const names = `${spec.short ? `-${spec.short}, ` : ''}--${spec.flag}`;
    const text = spec.env ? `${spec.description} [$${spec.env}]` : spec.description;
    const opt =
      spec.type === 'bool'
        ? new Option(names, text)
        : new Option(`${names} ${spec.arg ?? '<value>'}`, spec.default !== undefined && !Array.isArray(spec.default) ? `${text} (default: ${String(spec.default)})` : text);
    if (spec.type === 'list') opt.argParser(collect);
    if (spec.choices) opt.choices([...spec.choices]);
    if (spec.hidden) opt.hideHelp();
    cmd.addOption(opt);
  }
  return cmd;
}

/** Every config-file key any command understands: the file is shared by server, agent and etcd-snapshot. */
export function knownConfigKeys(): ReadonlySet<string> {
  return new Set([...[...Object.values(serverFlags), ...Object.values(agentFlags)].map((s) => s.flag), ...etcdSnapshotConfigKeys]);
}

export interface ResolveContext {
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function resolveCommand<T extends FlagSchema>(cmd: Command, schema: T, ctx: ResolveContext): Resolved<T> & { configFiles: readonly string[] } {
  const cli = new Map<string, unknown>();
  const opts = cmd.opts<Record<string, unknown>>();
  for (const key of Object.keys(schema)) {
    if (cmd.getOptionValueSource(key) === 'cli') cli.set(key, opts[key]);
  }
  const explicit = (cli.get('config') as string | undefined) ?? ctx.env.K3TS_CONFIG_FILE;
  const cfg = loadConfigFiles({ file: explicit ?? DEFAULT_CONFIG_FILE, optional: explicit === undefined, knownKeys: knownConfigKeys() });
  return { ...resolveFlags(schema, { cli, config: cfg.entries, env: ctx.env }), configFiles: cfg.files };
}
