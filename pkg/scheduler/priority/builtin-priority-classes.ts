// The two PriorityClasses every cluster has (system-node-critical, system-cluster-critical),
// created by the API server at start as upstream's scheduling storage does; existing ones are kept.
import { BUILTIN_PRIORITY_CLASSES } from '../../api/catalog/strategies/priority-class';
import type { KubeObject } from '../../api/types';
import { ApiError } from '../../apiserver/errors';
import type { Store } from '../../apiserver/registry/store';
import type { Logger } from '../../log/logger';

export const PRIORITY_CLASS_GROUP = 'scheduling.k8s.io';

/** The priorityclasses store among the control plane's stores, if served. */
export function priorityClassStore(stores: ReadonlyMap<{ readonly group: string; readonly resource: string }, Store>): Store | undefined {
  for (const [d, s] of stores) if (d.group === PRIORITY_CLASS_GROUP && d.resource === 'priorityclasses') return s;
  return undefined;
}

export async function ensureBuiltinPriorityClasses(store: Store | undefined, log: Logger): Promise<void> {
  if (!store) return;
  for (const c of BUILTIN_PRIORITY_CLASSES) {
    const obj: KubeObject = { apiVersion: `${PRIORITY_CLASS_GROUP}/v1`, kind: 'PriorityClass', metadata: { name: c.name }, value: c.value, description: c.description, preemptionPolicy: 'PreemptLowerPriority' };
    try {
      await store.create(undefined, obj);
      log.info('created priority class', { name: c.name, value: c.value });
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
    }
  }
}
