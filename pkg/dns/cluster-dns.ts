// The built-in cluster DNS as the agent runs it: informers on Services, EndpointSlices and Nodes feed a
// ClusterRecords snapshot (rebuilt on the first query after a change), served by a DnsServer on the
// node's address. The server's cluster-dns controller points the kube-dns Service's EndpointSlices
// at that address, one per node, and the Service's internalTrafficPolicy Local keeps every pod's
// queries on its own node.
import type { KubeObject } from '../api/types';
import type { Clock } from '../client/clock';
import { SharedInformerFactory } from '../client/informer-factory';
import { RESOURCES } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';
import { ClusterRecords } from './cluster-records';
import { DnsServer } from './dns-server';
import { Forwarder, upstreamsOf } from './forwarder';

/** Where each node's built-in DNS answers (the kube-dns EndpointSlices point here). */
export const NODE_DNS_PORT = 53;
export const NODE_DNS_METRICS_PORT = 9153;
/** Least time between two rebuilds of the records (answers may lag a change by this much). */
const REBUILD_MS = 100;

export interface ClusterDnsConfig {
  readonly domain: string;
  /** The node's address to listen on. */
  readonly host: string;
  readonly port?: number;
  readonly metricsPort?: number;
  /** Client ranges answered: the cluster CIDR and the node's own addresses. */
  readonly allowedSources: readonly string[];
  /** The node's resolvers (nameserver lines of its resolv.conf) for names outside the cluster. */
  readonly upstreams: readonly string[];
}

export interface ClusterDnsDeps {
  readonly client: RestClient;
  readonly clock: Clock;
  readonly log: Logger;
}

export class ClusterDns {
  #records: ClusterRecords | undefined;
  #dirty = true;
  #builtAt = 0;
  #server: DnsServer | undefined;
  #lists: { services(): readonly KubeObject[]; slices(): readonly KubeObject[]; nodes(): readonly KubeObject[] } | undefined;
  #done: Promise<void> = Promise.resolve();

  constructor(
    private readonly cfg: ClusterDnsConfig,
    private readonly deps: ClusterDnsDeps,
  ) {}

  get server(): DnsServer | undefined {
    return this.#server;
  }

  get done(): Promise<void> {
    return this.#done;
  }

  /**
   * The current records, rebuilt when something changed — at most every REBUILD_MS, so a burst of
   * endpoint changes under a stream of queries costs one rebuild per interval, not one per query.
   */
  records(): ClusterRecords | undefined {
    if (!this.#lists) return undefined;
    const now = this.deps.clock.now();
    if (!this.#records || (this.#dirty && now - this.#builtAt >= REBUILD_MS)) {
      this.#dirty = false;
      this.#builtAt = now;
      this.#records = new ClusterRecords(this.cfg.domain, this.#lists.services(), this.#lists.slices(), this.#lists.nodes());
    }
    return this.#records;
  }

  /** Listens at once (answering SERVFAIL until the caches sync); resolves once listening. */
  async start(signal: AbortSignal): Promise<void> {
    const factory = new SharedInformerFactory({ client: this.deps.client, clock: this.deps.clock, log: this.deps.log });
    const services = factory.informerFor(RESOURCES.services);
    const slices = factory.informerFor(RESOURCES.endpointslices);
    const nodes = factory.informerFor(RESOURCES.nodes);
    const mark = () => {
      this.#dirty = true;
    };
    const handler = { add: mark, update: mark, delete: mark };
    services.addEventHandler(handler);
    slices.addEventHandler(handler);
    // Node status heartbeats change nothing DNS serves unless the addresses change.
    nodes.addEventHandler({ add: mark, delete: mark, update: (a, b) => JSON.stringify((a.status as { addresses?: unknown } | undefined)?.addresses) !== JSON.stringify((b.status as { addresses?: unknown } | undefined)?.addresses) && mark() });
    const upstreams = upstreamsOf(this.cfg.upstreams);
    const server = new DnsServer(
      { host: this.cfg.host, port: this.cfg.port ?? NODE_DNS_PORT, metricsPort: this.cfg.metricsPort, allowedSources: this.cfg.allowedSources },
      { records: () => this.records(), forwarder: new Forwarder({ upstreams }), log: this.deps.log },
    );
    await server.start();
    this.#server = server;
    factory.start(signal);
    const stop = async () => {
      await server.stop();
      await factory.stopped();
    };
    this.#done = new Promise<void>((resolve) => signal.addEventListener('abort', () => void stop().then(resolve), { once: true }));
    this.deps.log.info('cluster DNS listening', { address: `${this.cfg.host}:${server.port}`, domain: this.cfg.domain, upstreams: upstreams.map((u) => u.host).join(',') || 'none' });
    void factory.waitForCacheSync(signal).then((ok) => {
      if (!ok) return;
      this.#lists = { services: () => services.indexer.list(), slices: () => slices.indexer.list(), nodes: () => nodes.indexer.list() };
      this.#records = undefined;
      this.deps.log.info('cluster DNS caches synced', { services: this.records()?.serviceCount ?? 0 });
    });
  }
}
