// The API-server side of disruption budgets: subresource handlers to register with the control
// plane (deps.subresources).
import type { SubresourceHandler } from '../../apiserver/api-server';
import { POD_EVICTION_SUBRESOURCE, createPodEvictionHandler } from './eviction-handler';

export { POD_EVICTION_SUBRESOURCE, createPodEvictionHandler };

/** pods/eviction, honouring PodDisruptionBudgets. */
export function disruptionSubresources(): ReadonlyMap<string, SubresourceHandler> {
  return new Map([[POD_EVICTION_SUBRESOURCE, createPodEvictionHandler()]]);
}
