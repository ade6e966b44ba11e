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
import { horizontalPodAutoscalerTable } from './autoscaling-tables';
import {
  admissionPolicyBindingTable,
  apiServiceTable,
  clusterTrustBundleTable,
  componentStatusTable,
  csiDriverTable,
  csiNodeTable,
  csiStorageCapacityTable,
  deviceClassTable,
  flowSchemaTable,
  ipAddressTable,
  leaseCandidateTable,
  mutatingAdmissionPolicyTable,
  podCertificateRequestTable,
  priorityLevelConfigurationTable,
  resourceClaimTable,
  resourceSliceTable,
  runtimeClassTable,
  serviceCIDRTable,
  validatingAdmissionPolicyTable,
  volumeAttachmentTable,
  volumeAttributesClassTable,
  webhookConfigurationTable,
} from './infrastructure-tables';
import { addonTable } from '../catalog/k3ts-v1';
import { storageVersionMigrationTable, storageVersionTable } from './storage-version-tables';

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
  ['certificates.k8s.io/clustertrustbundles', clusterTrustBundleTable],
  ['certificates.k8s.io/podcertificaterequests', podCertificateRequestTable],
  ['storage.k8s.io/csidrivers', csiDriverTable],
  ['storage.k8s.io/csinodes', csiNodeTable],
  ['storage.k8s.io/volumeattachments', volumeAttachmentTable],
  ['storage.k8s.io/csistoragecapacities', csiStorageCapacityTable],
  ['storage.k8s.io/volumeattributesclasses', volumeAttributesClassTable],
  ['networking.k8s.io/ipaddresses', ipAddressTable],
  ['networking.k8s.io/servicecidrs', serviceCIDRTable],
  ['node.k8s.io/runtimeclasses', runtimeClassTable],
  ['autoscaling/horizontalpodautoscalers', horizontalPodAutoscalerTable],
  ['admissionregistration.k8s.io/validatingwebhookconfigurations', webhookConfigurationTable],
  ['admissionregistration.k8s.io/mutatingwebhookconfigurations', webhookConfigurationTable],
  ['admissionregistration.k8s.io/validatingadmissionpolicies', validatingAdmissionPolicyTable],
  ['admissionregistration.k8s.io/validatingadmissionpolicybindings', admissionPolicyBindingTable],
  ['admissionregistration.k8s.io/mutatingadmissionpolicies', mutatingAdmissionPolicyTable],
  ['admissionregistration.k8s.io/mutatingadmissionpolicybindings', admissionPolicyBindingTable],
  ['flowcontrol.apiserver.k8s.io/flowschemas', flowSchemaTable],
  ['flowcontrol.apiserver.k8s.io/prioritylevelconfigurations', priorityLevelConfigurationTable],
  ['resource.k8s.io/deviceclasses', deviceClassTable],
  ['resource.k8s.io/resourceclaims', resourceClaimTable],
  ['resource.k8s.io/resourceclaimtemplates', deviceClassTable],
  ['resource.k8s.io/resourceslices', resourceSliceTable],
  ['coordination.k8s.io/leasecandidates', leaseCandidateTable],
  ['apiregistration.k8s.io/apiservices', apiServiceTable],
  ['/componentstatuses', componentStatusTable],
  ['k3ts.io/addons', addonTable],
  ['resource.k8s.io/devicetaintrules', defaultTable],
  ['resource.k8s.io/resourcepoolstatusrequests', defaultTable],
  ['scheduling.k8s.io/podgroups', defaultTable],
  ['internal.apiserver.k8s.io/storageversions', storageVersionTable],
  ['storagemigration.k8s.io/storageversionmigrations', storageVersionMigrationTable],
]);

/** The table for `group` ('' for core) / `resource` (plural), or undefined: then use defaultTable. */
export function tableFor(group: string, resource: string): TableDef | undefined {
  return TABLES.get(`${group}/${resource}`);
}

/** Every registered group/resource key (`/pods`, `apps/deployments`…), for tests and diagnostics. */
export function tableKeys(): string[] {
  return [...TABLES.keys()];
}
