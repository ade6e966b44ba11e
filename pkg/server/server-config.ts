// Turn resolved `server` flags into the frozen config slices each server component takes.
import type { FlagValues } from '../cli/flag-spec';
import type { serverFlags } from '../cli/server-flags';
import { CliError } from '../cli/errors';
import { dataDirPaths, defaultDataDir, defaultKubeconfigPath, type DataDirPaths } from '../datadir/datadir';

export type ServerFlagValues = FlagValues<typeof serverFlags>;

export interface ServerConfig {
  readonly paths: DataDirPaths;
  readonly debug: boolean;
  readonly datastore: {
    readonly endpoint: string;
    readonly tls: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  };
  readonly listen: { readonly address: string; readonly port: number };
  readonly kubeconfig: { readonly file: string; readonly mode: number };
  readonly disableAgent: boolean;
}

export function parseFileMode(text: string): number {
  if (!/^0?[0-7]{3}$/.test(text)) throw new CliError('invalid-value', `invalid --write-kubeconfig-mode "${text}": expected an octal mode such as 0600 or 644`);
  return parseInt(text, 8);
}

export function serverConfig(v: ServerFlagValues): ServerConfig {
  const port = v.httpsListenPort;
  if (port < 1 || port > 65535) throw new CliError('invalid-value', `invalid --https-listen-port ${port}: expected 1-65535`);
  return Object.freeze({
    paths: dataDirPaths(v.dataDir ?? defaultDataDir()),
    debug: v.debug,
    datastore: Object.freeze({
      endpoint: v.datastoreEndpoint ?? '',
      tls: Object.freeze({ caFile: v.datastoreCafile, certFile: v.datastoreCertfile, keyFile: v.datastoreKeyfile }),
    }),
    listen: Object.freeze({ address: v.bindAddress, port }),
    kubeconfig: Object.freeze({ file: v.writeKubeconfig ?? defaultKubeconfigPath(), mode: parseFileMode(v.writeKubeconfigMode) }),
    disableAgent: v.disableAgent,
  });
}
