// Tables of the cluster-infrastructure kinds: CSI objects and volume attachments, IP addresses and
// service CIDRs, runtime classes, admission configuration, flow control, dynamic resources and
// lease candidates — the columns upstream's printers show.
import type { TableDef } from '../resource-def';
import type { KubeObject } from '../types';
import { age, ageColumn, at, col, int, list, name, nameColumn, quantity, record, str, wide } from './internal/read';

export const csiDriverTable: TableDef = {
  columns: [nameColumn, col('AttachRequired', 'boolean'), col('PodInfoOnMount', 'boolean'), col('StorageCapacity', 'boolean'), col('TokenRequests'), col('RequiresRepublish', 'boolean'), col('Modes'), ageColumn],
  row: (o, now) => {
    const spec = record(o, 'spec');
    const tokens = list(o, 'spec', 'tokenRequests').map((t) => str(t, 'audience'));
    const modes = list(o, 'spec', 'volumeLifecycleModes').map(String);
    return [name(o), spec.attachRequired === true, spec.podInfoOnMount === true, spec.storageCapacity === true, tokens.length ? tokens.join(',') : '<unset>', spec.requiresRepublish === true, modes.length ? modes.join(',') : '<none>', age(o, now)];
  },
};

export const csiNodeTable: TableDef = {
  columns: [nameColumn, col('Drivers', 'integer'), ageColumn],
  row: (o, now) => [name(o), list(o, 'spec', 'drivers').length, age(o, now)],
};

export const volumeAttachmentTable: TableDef = {
  columns: [nameColumn, col('Attacher'), col('PV'), col('Node'), col('Attached', 'boolean'), ageColumn],
  row: (o, now) => [name(o), str(o, 'spec', 'attacher'), str(o, 'spec', 'source', 'persistentVolumeName'), str(o, 'spec', 'nodeName'), at(o, 'status', 'attached') === true, age(o, now)],
};

export const csiStorageCapacityTable: TableDef = {
  columns: [nameColumn, col('StorageClassName'), col('Capacity'), ageColumn],
  row: (o, now) => [name(o), str(o, 'storageClassName'), at(o, 'capacity') === undefined ? '<unset>' : quantity(o, 'capacity'), age(o, now)],
};

export const volumeAttributesClassTable: TableDef = {
  columns: [nameColumn, col('DriverName'), ageColumn],
  row: (o, now) => [name(o), str(o, 'driverName'), age(o, now)],
};

export const ipAddressTable: TableDef = {
  columns: [nameColumn, col('ParentRef'), ageColumn],
  row: (o, now) => {
    const ref = record(o, 'spec', 'parentRef');
    const group = str(ref, 'group');
    const resource = group ? `${str(ref, 'resource')}.${group}` : str(ref, 'resource');
    const ns = str(ref, 'namespace');
    return [name(o), ns ? `${resource}/${ns}/${str(ref, 'name')}` : `${resource}/${str(ref, 'name')}`, age(o, now)];
  },
};

export const serviceCIDRTable: TableDef = {
  columns: [nameColumn, col('CIDRs'), ageColumn],
  row: (o, now) => [name(o), list(o, 'spec', 'cidrs').map(String).join(','), age(o, now)],
};

export const runtimeClassTable: TableDef = {
  columns: [nameColumn, col('Handler'), ageColumn],
  row: (o, now) => [name(o), str(o, 'handler'), age(o, now)],
};

export const webhookConfigurationTable: TableDef = {
  columns: [nameColumn, col('Webhooks', 'integer'), ageColumn],
  row: (o, now) => [name(o), list(o, 'webhooks').length, age(o, now)],
};

function paramKind(o: KubeObject): string {
  const pk = record(o, 'spec', 'paramKind');
  return Object.keys(pk).length ? `${str(pk, 'apiVersion')}/${str(pk, 'kind')}` : '<unset>';
}

function paramRef(o: KubeObject): string {
  const ref = record(o, 'spec', 'paramRef');
  if (!Object.keys(ref).length) return '<unset>';
  const ns = str(ref, 'namespace');
  const n = str(ref, 'name') || '*';
  return ns ? `${ns}/${n}` : n;
}

export const validatingAdmissionPolicyTable: TableDef = {
  columns: [nameColumn, col('Validations', 'integer'), col('ParamKind'), ageColumn],
  row: (o, now) => [name(o), list(o, 'spec', 'validations').length, paramKind(o), age(o, now)],
};

export const mutatingAdmissionPolicyTable: TableDef = {
  columns: [nameColumn, col('Mutations', 'integer'), col('ParamKind'), ageColumn],
  row: (o, now) => [name(o), list(o, 'spec', 'mutations').length, paramKind(o), age(o, now)],
};

export const admissionPolicyBindingTable: TableDef = {
  columns: [nameColumn, col('PolicyName'), col('ParamRef'), ageColumn],
  row: (o, now) => [name(o), str(o, 'spec', 'policyName'), paramRef(o), age(o, now)],
};

export const flowSchemaTable: TableDef = {
  columns: [nameColumn, col('PriorityLevel'), col('MatchingPrecedence', 'integer'), col('DistinguisherMethod'), ageColumn, col('MissingPL')],
  row: (o, now) => {
    const dangling = list(o, 'status', 'conditions').find((c) => str(c, 'type') === 'Dangling');
    return [name(o), str(o, 'spec', 'priorityLevelConfiguration', 'name'), int(o, 'spec', 'matchingPrecedence'), str(o, 'spec', 'distinguisherMethod', 'type') || '<none>', age(o, now), dangling ? str(dangling, 'status') : '?'];
  },
};

export const priorityLevelConfigurationTable: TableDef = {
  columns: [nameColumn, col('Type'), col('NominalConcurrencyShares'), col('Queues'), col('HandSize'), col('QueueLengthLimit'), ageColumn],
  row: (o, now) => {
    const limited = record(o, 'spec', 'limited');
    const queuing = record(limited, 'limitResponse', 'queuing');
    const q = (k: string) => (Object.keys(queuing).length ? String(int(queuing, k)) : '<none>');
    const ncs = Object.keys(limited).length ? String(int(limited, 'nominalConcurrencyShares')) : '<none>';
    return [name(o), str(o, 'spec', 'type'), ncs, q('queues'), q('handSize'), q('queueLengthLimit'), age(o, now)];
  },
};

export const deviceClassTable: TableDef = {
  columns: [nameColumn, ageColumn],
  row: (o, now) => [name(o), age(o, now)],
};

export const resourceClaimTable: TableDef = {
  columns: [nameColumn, col('State'), ageColumn],
  row: (o, now) => {
    const states: string[] = [];
    if (o.metadata.deletionTimestamp) states.push('deleted');
    states.push(at(o, 'status', 'allocation') ? 'allocated' : 'pending');
    if (list(o, 'status', 'reservedFor').length > 0) states.push('reserved');
    return [name(o), states.join(','), age(o, now)];
  },
};

export const resourceSliceTable: TableDef = {
  columns: [nameColumn, col('Node'), col('Driver'), col('Pool'), ageColumn],
  row: (o, now) => [name(o), str(o, 'spec', 'nodeName') || '<none>', str(o, 'spec', 'driver'), str(o, 'spec', 'pool', 'name'), age(o, now)],
};

export const leaseCandidateTable: TableDef = {
  columns: [nameColumn, col('LeaseName'), col('BinaryVersion'), col('EmulationVersion'), ageColumn, wide('RenewTime')],
  row: (o, now) => [name(o), str(o, 'spec', 'leaseName'), str(o, 'spec', 'binaryVersion'), str(o, 'spec', 'emulationVersion'), age(o, now), str(o, 'spec', 'renewTime')],
};

export const clusterTrustBundleTable: TableDef = {
  columns: [nameColumn, col('SignerName')],
  row: (o) => [name(o), str(o, 'spec', 'signerName') || '<none>'],
};

export const podCertificateRequestTable: TableDef = {
  columns: [nameColumn, col('PodName'), col('ServiceAccountName'), col('SignerName'), col('State'), ageColumn],
  row: (o, now) => {
    const conditions = list(o, 'status', 'conditions').filter((c) => str(c, 'status') === 'True').map((c) => str(c, 'type'));
    return [name(o), str(o, 'spec', 'podName'), str(o, 'spec', 'serviceAccountName'), str(o, 'spec', 'signerName'), conditions[0] ?? 'Pending', age(o, now)];
  },
};

export const apiServiceTable: TableDef = {
  columns: [nameColumn, col('Service'), col('Available'), ageColumn],
  row: (o, now) => {
    const service = record(o, 'spec', 'service');
    const available = list(o, 'status', 'conditions').find((c) => str(c, 'type') === 'Available');
    let status = 'Unknown';
    if (available) {
      status = str(available, 'status');
      if (status !== 'True') status = `${status} (${str(available, 'reason')})`;
    }
    return [name(o), Object.keys(service).length ? `${str(service, 'namespace')}/${str(service, 'name')}` : 'Local', status, age(o, now)];
  },
};

export const componentStatusTable: TableDef = {
  columns: [nameColumn, col('Status'), col('Message'), col('Error')],
  row: (o) => {
    const healthy = list(o, 'conditions').find((c) => str(c, 'type') === 'Healthy');
    const status = !healthy ? 'Unknown' : str(healthy, 'status') === 'True' ? 'Healthy' : 'Unhealthy';
    return [name(o), status, healthy ? str(healthy, 'message') : '', healthy ? str(healthy, 'error') : ''];
  },
};
