// The ClusterRole K3s's metrics-server addon installs so that view/edit/admin (through aggregation)
// may read metrics.k8s.io: created once at server start when missing, never overwritten.
import type { KubeObject } from '../api/types';
import { ApiError } from '../apiserver/errors';
import type { Store } from '../apiserver/registry/store';
import { METRICS_GROUP } from './metrics-resources';

export const AGGREGATED_METRICS_READER = 'system:aggregated-metrics-reader';

export function aggregatedMetricsReader(): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name: AGGREGATED_METRICS_READER,
      labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' },
    },
    rules: [{ apiGroups: [METRICS_GROUP], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }],
  } as KubeObject;
}

/** Creates the ClusterRole; true when it was created, false when it already existed. */
export async function ensureMetricsReaderRole(clusterRoles: Store): Promise<boolean> {
  try {
    await clusterRoles.create(undefined, aggregatedMetricsReader());
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.reason === 'AlreadyExists') return false;
    throw e;
  }
}
