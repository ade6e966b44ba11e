// Service cluster-IP and node-port allocation of the API server: allocators over the datastore,
// the services store hooks, and the repair loop.
import type { KubeObject } from '../../api/types';
import type { Clock } from '../../client/clock';
import type { Logger } from '../../log/logger';
import type { Backend } from '../../storage/backend';
import { AllocationRepair } from './allocation-repair';
import { NodePortAllocator } from './node-port-allocator';
import { ServiceAllocation } from './service-allocation';
import { ServiceIPAllocator } from './service-ip-allocator';

export { AllocationRepair, type AllocationRepairConfig, type RepairReport } from './allocation-repair';
export { AllocationError, isAllocationError, type AllocationErrorCode } from './errors';
export { MarkerRange, type MarkerOwner, type RangeMarker } from './marker-range';
export { NODE_PORTS_PREFIX, NodePortAllocator, parsePortRange } from './node-port-allocator';
export { ServiceAllocation, clusterIPsOf, nodePortsOf } from './service-allocation';
export { SERVICE_IPS_PREFIX, ServiceIPAllocator } from './service-ip-allocator';

export interface ServiceNetworkConfig {
  /** --service-cidr (10.43.0.0/16). */
  readonly serviceCidr: string;
  /** --service-node-port-range (30000-32767). */
  readonly nodePortRange: string;
}

export const DEFAULT_SERVICE_NETWORK: ServiceNetworkConfig = Object.freeze({ serviceCidr: '10.43.0.0/16', nodePortRange: '30000-32767' });

export interface ServiceAllocationDeps {
  readonly backend: Backend;
  readonly clock: Clock;
  readonly log: Logger;
  readonly random?: () => number;
}

export function createServiceAllocation(cfg: ServiceNetworkConfig, deps: ServiceAllocationDeps): ServiceAllocation {
  const now = () => deps.clock.now();
  return new ServiceAllocation({
    ips: new ServiceIPAllocator({ backend: deps.backend, cidr: cfg.serviceCidr, now, random: deps.random }),
    ports: new NodePortAllocator({ backend: deps.backend, range: cfg.nodePortRange, now, random: deps.random }),
    log: deps.log,
  });
}

export function createAllocationRepair(allocation: ServiceAllocation, listServices: () => Promise<readonly KubeObject[]>, deps: Pick<ServiceAllocationDeps, 'clock' | 'log'>, opts: { intervalMs?: number; leakGraceMs?: number } = {}): AllocationRepair {
  return new AllocationRepair({ allocation, listServices, clock: deps.clock, log: deps.log, ...opts });
}
