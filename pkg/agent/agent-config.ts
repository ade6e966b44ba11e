// The agent's frozen config slice, derived from the node flags that `server` and `agent` share plus
// the cluster's network settings. Every path the agent touches is decided here.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { FlagValues } from '../cli/flag-spec';
import type { nodeFlags } from '../cli/common-flags';
import type { DataDirPaths } from '../datadir/datadir';
import { nthAddress, parseCidr } from '../network/cidr';
import { AgentError } from './errors';

export const DEFAULT_DATA_DIR = '/var/lib/rancher/k3ts';
export const KUBELET_PORT = 10250;

export type NodeFlagValues = FlagValues<typeof nodeFlags>;

export interface ClusterNetwork {
  readonly clusterCidr: string;
  readonly serviceCidr: string;
  readonly clusterDns: string;
  readonly clusterDomain: string;
  /** Serve the built-in cluster DNS on the node address (default true; false with --cluster-dns-provider coredns). */
  readonly builtinDns?: boolean;
  /** --flannel-backend of the server (vxlan when unset). */
  readonly flannelBackend?: string;
}

export interface AgentConfig {
  readonly nodeName: string;
  readonly hostname: string;
  readonly nodeIPs: readonly string[];
  readonly externalIPs: readonly string[];
  /** --node-label values (key=value) plus role labels of a server's agent. */
  readonly labels: readonly string[];
  readonly taints: readonly string[];
  readonly paths: {
    readonly agentDir: string;
    readonly containerdConfig: string;
    readonly containerdRoot: string;
    readonly containerdLog: string;
    readonly cniConfDir: string;
    readonly images: string;
    /** Volatile state: containerd state and socket, runc state, CNI leases. */
    readonly runDir: string;
    readonly podLogsDir: string;
    readonly kubeletDir: string;
  };
  readonly containerd: {
    readonly binary?: string;
    /** An existing CRI socket to use instead of supervising containerd. */
    readonly endpoint?: string;
    readonly snapshotter: string;
    readonly pauseImage: string;
    /** registries.yaml (K3s format), rendered into `registryHostsDir`; absent file: no mirrors. */
    readonly privateRegistry: string;
    /** containerd's config_path: one `<registry>/hosts.toml` per registry. */
    readonly registryHostsDir: string;
  };
  readonly network: ClusterNetwork & {
    /** The `kubernetes` Service's ClusterIP (first address of the service CIDR). */
    readonly apiServiceIP: string;
    readonly bridge: string;
    readonly resolvConf: string;
    /** --flannel-iface: the pod network's interface between nodes. */
    readonly flannelIface?: string;
  };
  readonly kubeletPort: number;
  readonly cgroupRoot: string;
  readonly searchPath: string;
  /** The embedded registry mirror (pkg/mirror): on when the server runs with --embedded-registry. */
  readonly embeddedRegistry?: boolean;
}

/** Volatile directory: /run/k3ts for the default data dir, /run/k3ts-<hash> for others (tests, several agents). */
export function runDirFor(dataDir: string): string {
  return path.resolve(dataDir) === DEFAULT_DATA_DIR ? '/run/k3ts' : `/run/k3ts-${dataDirHash(dataDir)}`;
}

/** The agent's cgroup parent: /k3ts for the default data dir, /k3ts-<hash> for others, so two agents on one host never share pod or containerd groups. */
export function cgroupRootFor(dataDir: string): string {
  return path.resolve(dataDir) === DEFAULT_DATA_DIR ? '/k3ts' : `/k3ts-${dataDirHash(dataDir)}`;
}

function dataDirHash(dataDir: string): string {
  return createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 8);
}

export interface AgentConfigInput {
  readonly flags: NodeFlagValues;
  readonly paths: DataDirPaths;
  readonly network: ClusterNetwork;
  readonly nodeName: string;
  readonly hostname: string;
  readonly nodeIPs: readonly string[];
  /** A server's own agent carries the control-plane role labels, as K3s does. */
  readonly controlPlane: boolean;
  readonly searchPath?: string;
  /** --embedded-registry of the server (its own flag, or /v1-k3ts/config for a joined agent). */
  readonly embeddedRegistry?: boolean;
}

const STANDARD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Where the agent looks for containerd, runc, ctr…: the caller's PATH first (so a bundled runtime
 * in the install dir wins, as K3s's own bin dir does), then the standard directories.
 */
export function agentSearchPath(envPath: string | undefined): string {
  const dirs = [...(envPath ?? '').split(':'), ...STANDARD_PATH.split(':')].filter((d) => d.startsWith('/'));
  return [...new Set(dirs)].join(':');
}

export function agentConfig(input: AgentConfigInput): AgentConfig {
  const { flags, paths } = input;
  let apiServiceIP: string;
  try {
    parseCidr(input.network.clusterCidr);
    apiServiceIP = nthAddress(parseCidr(input.network.serviceCidr), 1);
  } catch (e) {
    throw new AgentError('invalid-config', `invalid cluster network: ${(e as Error).message}`);
  }
  const isDefault = paths.root === DEFAULT_DATA_DIR;
  const agentDir = paths.agent.root;
  const roles = input.controlPlane ? ['node-role.kubernetes.io/control-plane=true', 'node-role.kubernetes.io/master=true'] : [];
  return Object.freeze({
    nodeName: input.nodeName,
    hostname: input.hostname,
    nodeIPs: input.nodeIPs,
    externalIPs: flags.nodeExternalIp,
    labels: [...roles, ...flags.nodeLabel],
    taints: flags.nodeTaint,
    paths: Object.freeze({
      agentDir,
      containerdConfig: paths.agent.containerdConfig,
      containerdRoot: paths.agent.containerdRoot,
      containerdLog: path.join(paths.agent.containerdRoot, 'containerd.log'),
      cniConfDir: paths.agent.cniConfDir,
      images: paths.agent.images,
      runDir: runDirFor(paths.root),
      podLogsDir: isDefault ? '/var/log/pods' : path.join(agentDir, 'pod-logs'),
      kubeletDir: path.join(agentDir, 'kubelet'),
    }),
    containerd: Object.freeze({ binary: flags.containerd, endpoint: flags.containerRuntimeEndpoint, snapshotter: flags.snapshotter, pauseImage: flags.pauseImage, privateRegistry: flags.privateRegistry, registryHostsDir: path.join(path.dirname(paths.agent.containerdConfig), 'certs.d') }),
    network: Object.freeze({ ...input.network, apiServiceIP, bridge: 'k3ts0', resolvConf: flags.resolvConf ?? '/etc/resolv.conf', flannelIface: flags.flannelIface }),
    kubeletPort: kubeletPortOf(flags.kubeletArg),
    cgroupRoot: cgroupRootFor(paths.root),
    searchPath: agentSearchPath(input.searchPath),
    embeddedRegistry: input.embeddedRegistry === true,
  });
}

/** `--kubelet-arg port=N` (K3s passes kubelet flags this way); 0 picks a free port. */
export function kubeletPortOf(args: readonly string[]): number {
  for (const a of args) {
    const m = /^-{0,2}port=(\d+)$/.exec(a.trim());
    if (m) return Number(m[1]);
  }
  return KUBELET_PORT;
}

/** The first /24 of the cluster CIDR: the pod range used while the Node has no spec.podCIDR (no node IPAM yet). */
export function fallbackPodCidr(clusterCidr: string): string {
  const c = parseCidr(clusterCidr);
  return `${nthAddress(c, 0)}/${Math.max(c.prefix, 24)}`;
}
