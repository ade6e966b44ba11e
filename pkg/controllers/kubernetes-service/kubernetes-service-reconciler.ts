// The `default/kubernetes` Service and its Endpoints and EndpointSlice, kept by every API server
// (upstream's bootstrap controller with the lease endpoint reconciler): the Service gets the first
// service IP and port 443 → the API server's port; its endpoints list the API servers whose
// registrations are alive. Runs at start and every interval; on stop a server takes itself out.
import type { KubeObject } from '../../api/types';
import { specialIPProblem } from '../../api/validation/ip';
import { asArray, asObject } from '../../api/validation/json';
import { sleep, type Clock } from '../../client/clock';
import type { Logger } from '../../log/logger';
import type { ApiServerEndpoint, ApiServerRegistry } from './apiserver-registry';

export const KUBERNETES_SERVICE = 'kubernetes';
export const KUBERNETES_NAMESPACE = 'default';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';

/** Reads and writes of one resource, as the reconciler needs them (the server adapts its stores). */
export interface ObjectStore {
  /** undefined when missing. */
  get(namespace: string, name: string): Promise<KubeObject | undefined>;
  create(obj: KubeObject): Promise<KubeObject>;
  /** Conditional on metadata.resourceVersion. */
  update(obj: KubeObject): Promise<KubeObject>;
}

export interface KubernetesServiceConfig {
  /** The first address of the service CIDR (10.43.0.1). */
  readonly serviceIP: string;
  /** This API server as clients in pods reach it (node IP, listening port). */
  readonly self: ApiServerEndpoint;
  readonly servicePort?: number;
  /** Time to live of this server's registration (default 15 s, as upstream). */
  readonly leaseTtlSeconds?: number;
  /** Between passes (default 10 s). */
  readonly intervalMs?: number;
}

export interface KubernetesServiceDeps {
  readonly services: ObjectStore;
  readonly endpoints: ObjectStore;
  readonly endpointSlices: ObjectStore;
  readonly registry: ApiServerRegistry;
  readonly clock: Clock;
  readonly log: Logger;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class KubernetesServiceReconciler {
  #warnedAddress = false;

  constructor(private readonly cfg: KubernetesServiceConfig, private readonly deps: KubernetesServiceDeps) {}

  get #port(): number {
    return this.cfg.servicePort ?? 443;
  }

  #servicePorts(): unknown[] {
    return [{ name: 'https', protocol: 'TCP', port: this.#port, targetPort: this.cfg.self.port }];
  }

  /** Until `signal` aborts; then removes this server from the endpoints. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.reconcileOnce();
      } catch (e) {
        if (signal.aborted) break;
        this.deps.log.warn('reconciling the kubernetes service failed; retrying', { error: e });
      }
      await sleep(this.deps.clock, this.cfg.intervalMs ?? 10_000, signal);
    }
    try {
      await this.deps.registry.remove(this.cfg.self);
      await this.#endpoints(await this.#liveServers());
    } catch (e) {
      this.deps.log.warn('could not remove this server from the kubernetes endpoints', { error: e });
    }
  }

  async reconcileOnce(): Promise<void> {
    await this.deps.registry.renew(this.cfg.self, this.cfg.leaseTtlSeconds ?? 15);
    await this.#service();
    await this.#endpoints(await this.#liveServers());
  }

  async #liveServers(): Promise<ApiServerEndpoint[]> {
    const all = await this.deps.registry.list();
    const usable = all.filter((s) => specialIPProblem(s.ip) === undefined);
    if (usable.length < all.length && !this.#warnedAddress) {
      this.#warnedAddress = true;
      this.deps.log.warn('API server addresses that endpoints cannot hold are left out of the kubernetes endpoints', { addresses: all.filter((s) => !usable.includes(s)).map((s) => s.ip).join(',') });
    }
    return usable.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port));
  }

  async #service(): Promise<void> {
    const existing = await this.deps.services.get(KUBERNETES_NAMESPACE, KUBERNETES_SERVICE);
    if (!existing) {
      await this.deps.services.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: KUBERNETES_SERVICE, namespace: KUBERNETES_NAMESPACE, labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: this.cfg.serviceIP, clusterIPs: [this.cfg.serviceIP], ports: this.#servicePorts(), sessionAffinity: 'None', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] },
      });
      this.deps.log.info('created the kubernetes service', { clusterIP: this.cfg.serviceIP });
      return;
    }
    const spec = asObject(existing.spec) ?? {};
    if (spec.clusterIP !== this.cfg.serviceIP) this.deps.log.warn('the kubernetes service has another cluster IP than the service CIDR gives it', { clusterIP: String(spec.clusterIP), expected: this.cfg.serviceIP });
    const ports = this.#servicePorts().map((p, i) => ({ ...(asObject((asArray(spec.ports) ?? [])[i]) ?? {}), ...(p as object) }));
    if (spec.type === 'ClusterIP' && same(spec.ports, ports)) return;
    await this.deps.services.update({ ...existing, spec: { ...spec, type: 'ClusterIP', ports } });
  }

  async #endpoints(servers: readonly ApiServerEndpoint[]): Promise<void> {
    const byPort = new Map<number, string[]>();
    for (const s of servers) byPort.set(s.port, [...(byPort.get(s.port) ?? []), s.ip]);
    const subsets = [...byPort].map(([port, ips]) => ({ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'https', port, protocol: 'TCP' }] }));
    const labels = { [SKIP_MIRROR_LABEL]: 'true' };
    await this.#ensure(this.deps.endpoints, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: KUBERNETES_SERVICE, namespace: KUBERNETES_NAMESPACE, labels }, subsets }, (o) => ({ subsets: o.subsets ?? [], labels: o.metadata.labels ?? {} }));
    // One slice holds one port set: the servers listening where this one does.
    const mine = servers.filter((s) => s.port === this.cfg.self.port);
    await this.#ensure(
      this.deps.endpointSlices,
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: KUBERNETES_SERVICE, namespace: KUBERNETES_NAMESPACE, labels: { [SERVICE_NAME_LABEL]: KUBERNETES_SERVICE } },
        addressType: 'IPv4',
        endpoints: mine.map((s) => ({ addresses: [s.ip], conditions: { ready: true } })),
        ports: [{ name: 'https', port: this.cfg.self.port, protocol: 'TCP' }],
      },
      (o) => ({ endpoints: o.endpoints ?? [], ports: o.ports ?? [], labels: o.metadata.labels ?? {} }),
    );
  }

  async #ensure(store: ObjectStore, want: KubeObject, facts: (o: KubeObject) => unknown): Promise<void> {
    const have = await store.get(KUBERNETES_NAMESPACE, KUBERNETES_SERVICE);
    if (!have) {
      await store.create(want);
      return;
    }
    if (same(facts(have), facts(want))) return;
    const { metadata: _m, apiVersion: _a, kind: _k, ...body } = want;
    await store.update({ ...have, ...body, metadata: { ...have.metadata, labels: want.metadata.labels } });
  }
}
