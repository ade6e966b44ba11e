// Tables of the smaller groups: coordination (leases), discovery (endpointslices), rbac (bindings),
// networking (ingresses, ingressclasses, networkpolicies), policy (poddisruptionbudgets), scheduling
// (priorityclasses) and certificates (certificatesigningrequests).
import type { TableDef } from '../resource-def';
import type { KubeObject } from '../types';
import { formatLabelSelector } from './apps-tables';
import { loadBalancerIngress } from './core-tables';
import { humanDuration } from './human-duration';
import { age, ageColumn, at, col, int, intOrString, list, name, nameColumn, optInt, record, str, wide } from './internal/read';

export const leaseTable: TableDef = {
  columns: [nameColumn, col('Holder'), ageColumn],
  row: (o, now) => [name(o), str(o, 'spec', 'holderIdentity'), age(o, now)],
};

/** Up to three items, then "+ N more..."; `<unset>` for none. */
function listWithMore(items: string[], max = 3): string {
  if (items.length === 0) return '<unset>';
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}

export const endpointSliceTable: TableDef = {
  columns: [nameColumn, col('AddressType'), col('Ports'), col('Endpoints'), ageColumn],
  row: (o, now) => {
    const ports = list(o, 'ports').map((p) => {
      const port = optInt(p, 'port');
      if (port !== undefined) return String(port);
      return typeof at(p, 'name') === 'string' ? str(p, 'name') : '*';
    });
    const addresses = list(o, 'endpoints').flatMap((e) => list(e, 'addresses').map((a) => (typeof a === 'string' ? a : '')));
    return [name(o), str(o, 'addressType'), listWithMore(ports), listWithMore(addresses), age(o, now)];
  },
};

function subjectCells(binding: KubeObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of list(binding, 'subjects')) {
    switch (str(s, 'kind')) {
      case 'User':
        users.push(str(s, 'name'));
        break;
      case 'Group':
        groups.push(str(s, 'name'));
        break;
      case 'ServiceAccount':
        serviceAccounts.push(`${str(s, 'namespace')}/${str(s, 'name')}`);
        break;
    }
  }
  return [users.join(', '), groups.join(', '), serviceAccounts.join(', ')];
}

/** RoleBindings and ClusterRoleBindings share their columns. */
export const roleBindingTable: TableDef = {
  columns: [nameColumn, col('Role'), ageColumn, wide('Users'), wide('Groups'), wide('ServiceAccounts')],
  row: (o, now) => [name(o), `${str(o, 'roleRef', 'kind')}/${str(o, 'roleRef', 'name')}`, age(o, now), ...subjectCells(o)],
};

function ingressHosts(o: KubeObject): string {
  const rules = list(o, 'spec', 'rules');
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === max) more = true;
    if (!more && str(rule, 'host') !== '') hosts.push(str(rule, 'host'));
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${rules.length - max} more...` : hosts.join(',');
}

export const ingressTable: TableDef = {
  columns: [nameColumn, col('Class'), col('Hosts'), col('Address'), col('Ports'), ageColumn],
  row: (o, now) => [
    name(o),
    typeof at(o, 'spec', 'ingressClassName') === 'string' ? str(o, 'spec', 'ingressClassName') : '<none>',
    ingressHosts(o),
    loadBalancerIngress(record(o, 'status')),
    list(o, 'spec', 'tls').length > 0 ? '80, 443' : '80',
    age(o, now),
  ],
};

export const ingressClassTable: TableDef = {
  columns: [nameColumn, col('Controller'), col('Parameters'), ageColumn],
  row: (o, now) => {
    const params = record(o, 'spec').parameters;
    let parameters = '<none>';
    if (params !== undefined && params !== null) {
      const group = at(params, 'apiGroup');
      parameters = `${str(params, 'kind')}${typeof group === 'string' ? `.${group}` : ''}/${str(params, 'name')}`;
    }
    return [name(o), str(o, 'spec', 'controller'), parameters, age(o, now)];
  },
};

export const networkPolicyTable: TableDef = {
  columns: [nameColumn, col('Pod-Selector'), ageColumn],
  // podSelector is not a pointer upstream: a missing one is the empty selector (everything).
  row: (o, now) => [name(o), formatLabelSelector(record(o, 'spec', 'podSelector')), age(o, now)],
};

export const podDisruptionBudgetTable: TableDef = {
  columns: [nameColumn, col('Min Available'), col('Max Unavailable'), col('Allowed Disruptions', 'integer'), ageColumn],
  row: (o, now) => {
    const spec = record(o, 'spec');
    const bound = (v: unknown): string => (v === undefined || v === null ? 'N/A' : intOrString(v));
    return [name(o), bound(spec.minAvailable), bound(spec.maxUnavailable), int(o, 'status', 'disruptionsAllowed'), age(o, now)];
  },
};

export const priorityClassTable: TableDef = {
  columns: [nameColumn, col('Value', 'integer'), col('Global-Default', 'boolean'), ageColumn, wide('PreemptionPolicy')],
  row: (o, now) => [name(o), int(o, 'value'), record(o).globalDefault === true, age(o, now), str(o, 'preemptionPolicy')],
};

function csrCondition(o: KubeObject): string {
  const types = new Set(list(o, 'status', 'conditions').map((c) => str(c, 'type')));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (str(o, 'status', 'certificate') !== '') status += ',Issued';
  return status;
}

export const certificateSigningRequestTable: TableDef = {
  columns: [nameColumn, ageColumn, col('SignerName'), col('Requestor'), col('RequestedDuration'), col('Condition')],
  row: (o, now) => {
    const seconds = optInt(o, 'spec', 'expirationSeconds');
    return [
      name(o),
      age(o, now),
      str(o, 'spec', 'signerName') || '<none>',
      str(o, 'spec', 'username'),
      seconds === undefined ? '<none>' : humanDuration(seconds * 1000),
      csrCondition(o),
    ];
  },
};
