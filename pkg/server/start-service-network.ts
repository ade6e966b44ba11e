// The parts of the API server that keep Service networking right, started once the server listens:
// the repair loop of cluster-IP and node-port claims, and the `default/kubernetes` Service with
// endpoints listing the live API servers. Both write through this server's own stores.
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';
import { createAllocationRepair, type ServiceAllocation } from '../apiserver/allocation';
import { ApiError } from '../apiserver/errors';
import { listObjects } from '../apiserver/registry/list';
import type { Store } from '../apiserver/registry/store';
import type { Clock } from '../client/clock';
import { DatastoreApiServerRegistry, type ApiServerEndpoint } from '../controllers/kubernetes-service/apiserver-registry';
import { KubernetesServiceReconciler, type ObjectStore } from '../controllers/kubernetes-service/kubernetes-service-reconciler';
import type { Logger } from '../log/logger';
import { nthAddress, parseCidr } from '../network/cidr';
import type { Backend } from '../storage/backend';

export interface ServiceNetworkDeps {
  readonly stores: ReadonlyMap<ResourceDef, Store>;
  readonly backend: Backend;
  readonly allocation: ServiceAllocation;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface ServiceNetworkOptions {
  readonly serviceCidr: string;
  /** This API server as pods reach it. */
  readonly self: ApiServerEndpoint;
  readonly repairIntervalMs?: number;
  readonly endpointIntervalMs?: number;
}

export interface RunningServiceNetwork {
  readonly reconciler: KubernetesServiceReconciler;
  stop(): Promise<void>;
}

/** A store seen as the reconciler's ObjectStore. */
export function storeObjectAccess(store: Store): ObjectStore {
  return {
    async get(namespace, name) {
      try {
        return await store.get(namespace, name);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return undefined;
        throw e;
      }
    },
    create: (obj) => store.create(obj.metadata.namespace, obj),
    update: async (obj) => (await store.update(obj.metadata.namespace, String(obj.metadata.name), () => obj)).object,
  };
}

function storeOf(stores: ReadonlyMap<ResourceDef, Store>, group: string, resource: string): Store {
  const s = [...stores].find(([d]) => d.group === group && d.resource === resource && !d.storageResource)?.[1];
  if (!s) throw new Error(`the API server has no ${resource}${group ? `.${group}` : ''} store; expected the built-in catalog`);
  return s;
}

/** Resolves after the first pass of the kubernetes Service (so it exists once the server reports ready). */
export async function startServiceNetwork(opts: ServiceNetworkOptions, deps: ServiceNetworkDeps): Promise<RunningServiceNetwork> {
  const services = storeOf(deps.stores, '', 'services');
  const repair = createAllocationRepair(deps.allocation, async (): Promise<readonly KubeObject[]> => (await listObjects(services, {})).items, { clock: deps.clock, log: deps.log.child('allocation-repair') }, { intervalMs: opts.repairIntervalMs });
  const reconciler = new KubernetesServiceReconciler(
    { serviceIP: nthAddress(parseCidr(opts.serviceCidr), 1), self: opts.self, intervalMs: opts.endpointIntervalMs },
    {
      services: storeObjectAccess(services),
      endpoints: storeObjectAccess(storeOf(deps.stores, '', 'endpoints')),
      endpointSlices: storeObjectAccess(storeOf(deps.stores, 'discovery.k8s.io', 'endpointslices')),
      registry: new DatastoreApiServerRegistry(deps.backend),
      clock: deps.clock,
      log: deps.log.child('kubernetes-service'),
    },
  );
  await reconciler.reconcileOnce().catch((e: unknown) => deps.log.warn('the first pass over the kubernetes service failed; retrying', { error: e }));
  const abort = new AbortController();
  const runs = Promise.all([repair.run(abort.signal), reconciler.run(abort.signal)]);
  return {
    reconciler,
    async stop() {
      abort.abort();
      await runs;
    },
  };
}
