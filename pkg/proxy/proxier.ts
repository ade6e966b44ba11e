// The service proxy inside the agent (kube-proxy's iptables mode): informers on Services and
// EndpointSlices feed ONE debounced sync loop that rewrites every K3TS-* chain atomically with
// iptables-restore --noflush. Rules stay in place when the proxier stops (like kube-proxy);
// k3ts-killall removes them.
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { KubeObject } from '../api/types';
import type { Clock } from '../client/clock';
import { SharedInformerFactory } from '../client/informer-factory';
import { RESOURCES } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';
import type { Iptables } from './iptables';
import { serviceKeyOfSlice, servicePorts, type Json } from './proxy-model';
import { JUMPS, buildRuleSet, chainsOf } from './proxy-rules';
import { HealthCheckServers, type HealthCheck } from './health-check-servers';
import { CoalescedSync } from '../controller/coalesced-sync';

export interface ProxierConfig {
  readonly clusterCidr: string;
  /** This node's name: endpoints with this nodeName are local (traffic policies Local). */
  readonly nodeName?: string;
  /** Serve healthCheckNodePorts (default true; off in tests without a host network). */
  readonly healthChecks?: boolean;
  /** Coalesce bursts of changes into one sync (default 100 ms). */
  readonly minSyncIntervalMs?: number;
  /** Full re-sync period even without changes (default 60 s). */
  readonly resyncMs?: number;
}

export interface ProxierDeps {
  readonly client: RestClient;
  readonly iptables: Iptables;
  readonly clock: Clock;
  readonly log: Logger;
}

/** Enables IPv4 forwarding, bridge netfilter (loads br_netfilter when needed) and localnet routing. */
export function enableProxySysctls(log: Logger): void {
  const set = (key: string, value: string) => {
    const file = `/proc/sys/${key.replace(/\./g, '/')}`;
    try {
      if (fs.readFileSync(file, 'utf8').trim() !== value) fs.writeFileSync(file, value);
    } catch (e) {
      log.warn('could not set sysctl', { key, value, error: (e as Error).message });
    }
  };
  if (!fs.existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) {
    try {
      execFileSync('modprobe', ['br_netfilter'], { stdio: 'ignore' });
    } catch {
      // reported by the sysctl write below
    }
  }
  set('net.ipv4.ip_forward', '1');
  set('net.bridge.bridge-nf-call-iptables', '1');
  // NodePorts on 127.0.0.1 (kube-proxy does the same; K3TS-SERVICES drops martian localnet traffic).
  set('net.ipv4.conf.all.route_localnet', '1');
}

export class Proxier {
  #resync: (() => void) | undefined;
  #syncs = 0;
  #done: Promise<void> = Promise.resolve();
  #lists: { services(): readonly KubeObject[]; slices(): readonly KubeObject[] } | undefined;
  /** Per-chain rules last applied; undefined forces a full rewrite (first sync, resync, after a failure). */
  #previous: ReadonlyMap<string, string> | undefined;
  #fullNext = false;
  #health: HealthCheckServers | undefined;

  /** Coalesces change notifications into syncs (one in flight, ≥ minSyncIntervalMs apart). */
  readonly #loop: CoalescedSync;

  constructor(
    private readonly cfg: ProxierConfig,
    private readonly deps: ProxierDeps,
  ) {
    this.#loop = new CoalescedSync(deps.clock, { minIntervalMs: cfg.minSyncIntervalMs ?? 100 }, (signal) => this.#sync(signal));
  }

  get syncCount(): number {
    return this.#syncs;
  }

  /** Starts the informers; the first sync runs once both caches have synced. */
  async start(signal: AbortSignal): Promise<void> {
    const factory = new SharedInformerFactory({ client: this.deps.client, clock: this.deps.clock, log: this.deps.log });
    const services = factory.informerFor(RESOURCES.services);
    const slices = factory.informerFor(RESOURCES.endpointslices);
    const kick = () => this.#loop.notify(signal);
    const handler = { add: kick, update: (a: KubeObject, b: KubeObject) => a !== b && kick(), delete: kick };
    services.addEventHandler(handler);
    slices.addEventHandler(handler);
    factory.start(signal);
    signal.addEventListener('abort', () => {
      this.#loop.cancel();
      this.#resync?.();
    });
    if (this.cfg.healthChecks !== false) this.#health = new HealthCheckServers(this.deps.log);
    this.#done = factory.stopped().then(async () => {
      await this.#loop.inFlight;
      await this.#health?.close();
    });
    if (!(await factory.waitForCacheSync(signal))) return;
    this.#lists = { services: () => services.indexer.list(), slices: () => slices.indexer.list() };
    await this.#loop.runNow(signal);
    const every = this.cfg.resyncMs ?? 60_000;
    const loop = () => {
      this.#resync = this.deps.clock.setTimeout(() => {
        this.#fullNext = true;
        kick();
        loop();
      }, every);
    };
    if (!signal.aborted) loop();
  }

  get done(): Promise<void> {
    return this.#done;
  }

  /** One full sync: every Service port with its ready endpoints → one iptables-restore. */
  async #sync(signal: AbortSignal): Promise<boolean> {
    if (!this.#lists || signal.aborted) return true;
    const services = this.#lists.services();
    const slices = this.#lists.slices();
    const t0 = performance.now();
    try {
      const byService = new Map<string, Json[]>();
      for (const s of slices as unknown as Json[]) {
        const key = serviceKeyOfSlice(s);
        if (!key) continue;
        const list = byService.get(key);
        if (list) list.push(s);
        else byService.set(key, [s]);
      }
      const ports = (services as unknown as Json[]).flatMap((svc) => {
        const m = (svc.metadata ?? {}) as Json;
        return servicePorts(svc, byService.get(`${String(m.namespace ?? '')}/${String(m.name ?? '')}`) ?? [], this.cfg.nodeName);
      });
      const checks = new Map<number, HealthCheck>();
      for (const sp of ports) {
        if (sp.healthCheckNodePort) checks.set(sp.healthCheckNodePort, { service: sp.id.slice(0, sp.id.lastIndexOf(':')), localEndpoints: new Set(sp.endpoints.filter((e) => e.local).map((e) => e.ip)).size });
      }
      await this.#health?.sync(checks);
      const save = await this.deps.iptables.save();
      if (this.#fullNext) this.#previous = undefined;
      this.#fullNext = false;
      const rules = buildRuleSet({ ports, clusterCidr: this.cfg.clusterCidr, existing: { nat: chainsOf(save, 'nat'), filter: chainsOf(save, 'filter') }, previous: this.#previous });
      this.#previous = undefined;
      await this.deps.iptables.restore(rules.text);
      this.#previous = rules.chainRules;
      for (const [table, chain, target, comment] of JUMPS) await this.deps.iptables.ensureJump(table, chain, target, comment);
      this.#syncs++;
      this.deps.log.debug('synced service rules', { ports: ports.length, unchangedChains: rules.unchanged, ms: Math.round(performance.now() - t0) });
      return true;
    } catch (e) {
      this.deps.log.error('service rules sync failed; retrying', { error: (e as Error).message });
      return false;
    }
  }
}
