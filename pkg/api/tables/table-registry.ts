// Which table `kubectl get` sees for each served group/resource. Resources whose upstream table is
// the default one are listed too, so the registry says explicitly what each built-in kind prints.
import type { TableDef } from '../resource-def';
import { controllerRevisionTable, daemonSetTable, deploymentTable, replicaSetTable, statefulSetTable } from './apps-tables';
import { cronJobTable, jobTable } from './batch-tables';
import {
  certificateSigningRequestTable,
  endpointSliceTable,
  ingressClassTable,
  ingressTable,
  leaseTable,
  networkPolicyTable,
  podDisruptionBudgetTable,
  priorityClassTable,
  roleBindingTable,
} from './cluster-tables';
import {
  configMapTable,
  endpointsTable,
  namespaceTable,
  nodeTable,
  podTemplateTable,
  replicationControllerTable,
  resourceQuotaTable,
  secretTable,
  serviceAccountTable,
  serviceTable,
} from './core-tables';
import { defaultTable } from './default-table';
import { eventTable } from './event-table';
import { podTable } from './pod-table';
import { persistentVolumeClaimTable, persistentVolumeTable, storageClassTable } from './storage-tables';

const TABLES: ReadonlyMap<string, TableDef> = new Map<string, TableDef>([
  ['/pods', podTable],
  ['/namespaces', namespaceTable],
  ['/services', serviceTable],
  ['/endpoints', endpointsTable],
  ['/configmaps', configMapTable],
  ['/secrets', secretTable],
  ['/serviceaccounts', serviceAccountTable],
  ['/nodes', nodeTable],
  ['/events', eventTable],
  ['/persistentvolumes', persistentVolumeTable],
  ['/persistentvolumeclaims', persistentVolumeClaimTable],
  ['/limitranges', defaultTable],
  ['/resourcequotas', resourceQuotaTable],
  ['/podtemplates', podTemplateTable],
  ['/replicationcontrollers', replicationControllerTable],
  ['apps/deployments', deploymentTable],
  ['apps/replicasets', replicaSetTable],
  ['apps/statefulsets', statefulSetTable],
  ['apps/daemonsets', daemonSetTable],
  ['apps/controllerrevisions', controllerRevisionTable],
  ['batch/jobs', jobTable],
  ['batch/cronjobs', cronJobTable],
  ['coordination.k8s.io/leases', leaseTable],
  ['discovery.k8s.io/endpointslices', endpointSliceTable],
  ['events.k8s.io/events', eventTable],
  ['rbac.authorization.k8s.io/roles', defaultTable],
  ['rbac.authorization.k8s.io/clusterroles', defaultTable],
  ['rbac.authorization.k8s.io/rolebindings', roleBindingTable],
  ['rbac.authorization.k8s.io/clusterrolebindings', roleBindingTable],
  ['storage.k8s.io/storageclasses', storageClassTable],
  ['networking.k8s.io/ingresses', ingressTable],
  ['networking.k8s.io/ingressclasses', ingressClassTable],
  ['networking.k8s.io/networkpolicies', networkPolicyTable],
  ['policy/poddisruptionbudgets', podDisruptionBudgetTable],
  ['scheduling.k8s.io/priorityclasses', priorityClassTable],
  ['apiextensions.k8s.io/customresourcedefinitions', defaultTable],
  ['certificates.k8s.io/certificatesigningrequests', certificateSigningRequestTable],
]);

/** The table for `group` ('' for core) / `resource` (plural), or undefined: then use defaultTable. */
export function tableFor(group: string, resource: string): TableDef | undefined {
  return TABLES.get(`${group}/${resource}`);
}

/** Every registered group/resource key (`/pods`, `apps/deployments`…), for tests and diagnostics. */
export function tableKeys(): string[] {
  return [...TABLES.keys()];
}
