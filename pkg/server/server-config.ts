// Turn resolved `server` flags into the frozen config slices each server component takes.
import * as os from 'node:os';
import type { FlagValues } from '../cli/flag-spec';
import type { serverFlags } from '../cli/server-flags';
import { CliError } from '../cli/errors';
import { parseAuthorizationModes, type AuthorizationConfig } from '../auth/start-authorization';
import { nthAddress, parseCidr } from '../network/cidr';
import { detectNodeIPs } from '../network/node-address';
import { controllerManagerArgs } from '../controllers/node-lifecycle/controller-manager-args';
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
  readonly anonymousAuth: boolean;
  /** Hidden --authorization-mode: the authorizer chain (default RBAC,Node; AlwaysAllow only to measure its cost). */
  readonly authorization?: AuthorizationConfig;
  /** --secrets-encryption: encrypt Secrets at rest with server/cred/encryption-config.json. */
  readonly secretsEncryption?: boolean;
  /** --token/--token-file/--agent-token/--agent-token-file (the files under server/ are derived from paths). */
  readonly joinTokens?: {
    readonly token?: string;
    readonly tokenFile?: string;
    readonly agentToken?: string;
    readonly agentTokenFile?: string;
  };
  readonly certs: {
    readonly clusterDomain: string;
    readonly serviceIPs: readonly string[];
    readonly nodeIPs: readonly string[];
    readonly hostname: string;
    readonly tlsSans: readonly string[];
  };
  readonly nodeName: string;
  /** --cluster-cidr, --service-cidr, --service-node-port-range (defaults when absent: 10.42.0.0/16, 10.43.0.0/16, 30000-32767). */
  readonly network?: {
    readonly clusterCidr: string;
    readonly serviceCidr: string;
    readonly serviceNodePortRange: string;
  };
  /** Address written into the admin kubeconfig. */
  readonly kubeconfigServer: string;
  /** --disable-scheduler, and --kube-scheduler-arg values (`config=<KubeSchedulerConfiguration file>`). */
  readonly scheduler?: {
    readonly disabled: boolean;
    readonly args: readonly string[];
  };
  /** --kube-controller-manager-arg values (node-monitor-grace-period, node-startup-grace-period). */
  readonly controllerManager?: {
    readonly args: readonly string[];
  };
}

function authorizationModes(text: string): AuthorizationConfig['modes'] {
  try {
    return parseAuthorizationModes(text);
  } catch (e) {
    throw new CliError('invalid-value', `invalid --authorization-mode: ${(e as Error).message}`);
  }
}

function checkedControllerManagerArgs(args: readonly string[]): readonly string[] {
  try {
    controllerManagerArgs(args);
  } catch (e) {
    throw new CliError('invalid-value', (e as Error).message);
  }
  return args;
}

export function parseFileMode(text: string): number {
  if (!/^0?[0-7]{3}$/.test(text)) throw new CliError('invalid-value', `invalid --write-kubeconfig-mode "${text}": expected an octal mode such as 0600 or 644`);
  return parseInt(text, 8);
}

export interface HostFacts {
  readonly hostname: string;
  readonly nodeIPs: readonly string[];
}

export function hostFacts(): HostFacts {
  return { hostname: os.hostname().toLowerCase(), nodeIPs: detectNodeIPs() };
}

export function serverConfig(v: ServerFlagValues, host: HostFacts = hostFacts()): ServerConfig {
  const port = v.httpsListenPort;
  if (port < 1 || port > 65535) throw new CliError('invalid-value', `invalid --https-listen-port ${port}: expected 1-65535`);
  let serviceIP: string;
  try {
    serviceIP = nthAddress(parseCidr(v.serviceCidr), 1);
  } catch (e) {
    throw new CliError('invalid-value', `invalid --service-cidr: ${(e as Error).message}`);
  }
  const nodeIPs = v.nodeIp.length > 0 ? v.nodeIp : host.nodeIPs;
  const nodeName = (v.nodeName ?? host.hostname).toLowerCase();
  const localHost = v.bindAddress === '0.0.0.0' || v.bindAddress === '::' ? '127.0.0.1' : v.bindAddress;
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
    anonymousAuth: v.anonymousAuth,
    authorization: Object.freeze({ modes: authorizationModes(v.authorizationMode) }),
    secretsEncryption: v.secretsEncryption,
    joinTokens: Object.freeze({ token: v.token, tokenFile: v.tokenFile, agentToken: v.agentToken, agentTokenFile: v.agentTokenFile }),
    certs: Object.freeze({ clusterDomain: v.clusterDomain, serviceIPs: [serviceIP], nodeIPs, hostname: host.hostname, tlsSans: v.tlsSan }),
    nodeName,
    network: Object.freeze({ clusterCidr: v.clusterCidr, serviceCidr: v.serviceCidr, serviceNodePortRange: v.serviceNodePortRange }),
    kubeconfigServer: `https://${localHost.includes(':') ? `[${localHost}]` : localHost}:${port}`,
    scheduler: Object.freeze({ disabled: v.disableScheduler, args: Object.freeze([...v.kubeSchedulerArg]) }),
    controllerManager: Object.freeze({ args: Object.freeze([...checkedControllerManagerArgs(v.kubeControllerManagerArg)]) }),
  });
}
