// The controller manager inside `k3ts server`: a client of the server's own API (HTTPS, the
// system:kube-controller-manager client certificate), campaigning for the kube-system Lease
// `k3ts-controller-manager` so that among several servers on one datastore only the holder runs
// the controllers; losing the lease stops them, and this server campaigns again.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RestClient, systemClock, type Clock } from '../client';
import { componentTransport, type LoopbackConnector } from './component-transport';
import { ControllerManager, LeaderElector } from '../controller';
import { builtinControllers } from '../controllers';
import type { NodeLifecycleOptions } from '../controllers/node-lifecycle/node-lifecycle-controller';
import type { Logger } from '../log/logger';
import { networkAddonControllers, type NetworkAddonsConfig } from '../servicelb/network-addons';

export const CONTROLLER_MANAGER_LEASE = 'k3ts-controller-manager';
export const LEADER_ELECTION_NAMESPACE = 'kube-system';

export interface ControllersConfig {
  /** server/tls: server-ca.crt and client-controller.crt/.key are read from here. */
  readonly tlsDir: string;
  /** `https://127.0.0.1:6443`: where this server's API answers locally. */
  readonly apiServer: string;
  /** holderIdentity in the Lease (default `<node name>_<uuid>`, as upstream's hostname_uuid). */
  readonly identity: string;
  /** --cluster-cidr for node IPAM (default 10.42.0.0/16). */
  readonly clusterCidr?: string;
  /** Grace periods of the node lifecycle controller (from --kube-controller-manager-arg). */
  readonly nodeLifecycle?: NodeLifecycleOptions;
  /** Built-in cluster DNS and ServiceLB controllers (they write as the supervisor, client-supervisor.crt). */
  readonly networkAddons?: NetworkAddonsConfig;
  /** The local-path provisioner's default path; undefined with --disable local-storage. */
  readonly localStorage?: { readonly defaultPath: string };
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** The API server's in-process connections, when it runs in this process. */
  readonly loopback?: LoopbackConnector;
}

export interface RunningControllers {
  readonly identity: string;
  isLeader(): boolean;
  stop(): Promise<void>;
}

export function controllerIdentity(nodeName: string): string {
  return `${nodeName}_${randomUUID()}`;
}

export async function startControllers(cfg: ControllersConfig, log: Logger, clock: Clock = systemClock): Promise<RunningControllers> {
  const [caPem, certPem, keyPem] = await Promise.all(['server-ca.crt', 'client-controller.crt', 'client-controller.key'].map((f) => readFile(join(cfg.tlsDir, f), 'utf8')));
  const [serverCaKey, clientCaPem, clientCaKey] = await Promise.all(['server-ca.key', 'client-ca.crt', 'client-ca.key'].map((f) => readFile(join(cfg.tlsDir, f), 'utf8')));
  const csrSigning = { clientCa: { certPem: clientCaPem, keyPem: clientCaKey }, serverCa: { certPem: caPem, keyPem: serverCaKey } };
  const client = new RestClient({ transport: componentTransport({ apiServer: cfg.apiServer, caPem, certPem, keyPem }, cfg.loopback), userAgent: 'kube-controller-manager' });
  const addonKeys = cfg.networkAddons ? await Promise.all(['client-supervisor.crt', 'client-supervisor.key'].map((f) => readFile(join(cfg.tlsDir, f), 'utf8'))) : undefined;
  const addonWriter = addonKeys ? new RestClient({ transport: componentTransport({ apiServer: cfg.apiServer, caPem, certPem: addonKeys[0]!, keyPem: addonKeys[1]! }, cfg.loopback), userAgent: 'k3ts-supervisor' }) : undefined;
  const controllers = new Map([...builtinControllers({ rootCaPem: caPem, clusterCidr: cfg.clusterCidr, nodeLifecycle: cfg.nodeLifecycle, csrSigning, localStorage: cfg.localStorage }), ...networkAddonControllers(cfg.networkAddons, addonWriter)]);
  const manager = new ControllerManager({ client, clock, log, controllers });
  const elector = new LeaderElector({
    client,
    clock,
    log: log.child('leader-election'),
    namespace: LEADER_ELECTION_NAMESPACE,
    name: CONTROLLER_MANAGER_LEASE,
    identity: cfg.identity,
    leaseDurationMs: cfg.leaseDurationMs,
    renewDeadlineMs: cfg.renewDeadlineMs,
    retryPeriodMs: cfg.retryPeriodMs,
  });
  const abort = new AbortController();
  log.info('controller manager campaigning for leadership', { lease: `${LEADER_ELECTION_NAMESPACE}/${CONTROLLER_MANAGER_LEASE}`, identity: cfg.identity });
  const running = elector.run(abort.signal, {
    onStartedLeading: (signal) => manager.run(signal),
    onNewLeader: (id) => {
      if (id !== cfg.identity) log.info('another server leads the controllers', { leader: id });
    },
  });
  return {
    identity: cfg.identity,
    isLeader: () => elector.isLeader(),
    async stop() {
      abort.abort();
      await running;
      client.close();
      addonWriter?.close();
    },
  };
}
