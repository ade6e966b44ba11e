// The agent's entry point to the pod network: picks the backend and interface, starts flannel
// against the API (Node informer + merge patches of its own Node's annotations, with the kubelet's
// credentials) and tells the CNI config its MTU. Backend none removes what an earlier backend left.
import type { Clock } from '../client/clock';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';
import { detectIptablesMode } from '../proxy/iptables';
import { Flannel, parseBackend } from './flannel';
import { FlannelIptables } from './masquerade';
import { systemNetExec } from './net-exec';
import { KubeNodeSource } from './node-source';
import { subnetFileFor } from './subnet-env';

export interface PodNetworkSettings {
  /** --flannel-backend (vxlan when unset). */
  readonly backend?: string;
  readonly iface?: string;
  readonly nodeIPs: readonly string[];
  readonly nodeName: string;
  readonly clusterCidr: string;
  /** The agent's run dir: subnet.env goes under it for non-default data dirs. */
  readonly runDir: string;
  readonly searchPath?: string;
}

export interface RunningPodNetwork {
  /** The MTU for the pods' interfaces; undefined with backend none. */
  readonly mtu: number | undefined;
  readonly flannel: Flannel | undefined;
  stop(): Promise<void>;
}

export async function startPodNetwork(s: PodNetworkSettings, deps: { client: RestClient; clock: Clock; log: Logger }): Promise<RunningPodNetwork> {
  const backend = parseBackend(s.backend);
  const exec = systemNetExec({ path: s.searchPath });
  const flannel = new Flannel(
    { backend, nodeName: s.nodeName, clusterCidr: s.clusterCidr, iface: s.iface, nodeIp: s.nodeIPs.find((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip)), subnetFile: subnetFileFor(s.runDir) },
    { nodes: new KubeNodeSource(deps), exec, iptables: new FlannelIptables(exec, detectIptablesMode()), clock: deps.clock, log: deps.log },
  );
  await flannel.prepare();
  if (backend === 'none') {
    deps.log.info('pod network backend none: no routes between nodes');
    return { mtu: undefined, flannel: undefined, stop: async () => undefined };
  }
  const abort = new AbortController();
  const started = flannel.start(abort.signal).catch((e: unknown) => deps.log.error('pod network failed', { error: (e as Error).message }));
  return {
    mtu: flannel.mtu,
    flannel,
    async stop() {
      abort.abort();
      await started;
      await flannel.done;
    },
  };
}
