// Tables of core/v1 kinds other than pods, events and storage (see pod-table, event-table,
// storage-tables). Cells are computed the way upstream's printers compute them, always in their
// `-o wide` form (kubectl hides priority-1 columns itself).
import type { TableDef } from '../resource-def';
import { formatLabels } from '../selectors/label-selector';
import { age, ageColumn, col, containerCells, int, list, name, nameColumn, quantity, record, str, stringMap, wide } from './internal/read';

export const namespaceTable: TableDef = {
  columns: [nameColumn, col('Status'), ageColumn],
  row: (o, now) => [name(o), str(o, 'status', 'phase'), age(o, now)],
};

/** Load-balancer ingress points: unique IPs (or host names when no IP), sorted, comma-joined. */
export function loadBalancerIngress(status: unknown): string {
  const points = new Set<string>();
  for (const ing of list(status, 'loadBalancer', 'ingress')) {
    const point = str(ing, 'ip') || str(ing, 'hostname');
    if (point !== '') points.add(point);
  }
  return [...points].sort().join(',');
}

function serviceExternalIP(svc: unknown): string {
  const externalIPs = list(svc, 'spec', 'externalIPs').filter((x): x is string => typeof x === 'string');
  switch (str(svc, 'spec', 'type')) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(record(svc, 'status'));
      if (externalIPs.length > 0) return [...(lb === '' ? [] : lb.split(',')), ...externalIPs].join(',');
      return lb !== '' ? lb : '<pending>';
    }
    case 'ExternalName':
      return str(svc, 'spec', 'externalName');
    default:
      return '<unknown>';
  }
}

function servicePorts(svc: unknown): string {
  const ports = list(svc, 'spec', 'ports').map((p) => {
    const protocol = str(p, 'protocol') || 'TCP';
    const nodePort = int(p, 'nodePort');
    return nodePort > 0 ? `${int(p, 'port')}:${nodePort}/${protocol}` : `${int(p, 'port')}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(',') : '<none>';
}

export const serviceTable: TableDef = {
  columns: [nameColumn, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), ageColumn, wide('Selector')],
  row: (o, now) => [
    name(o),
    str(o, 'spec', 'type'),
    str(o, 'spec', 'clusterIPs', 0) || str(o, 'spec', 'clusterIP') || '<none>',
    serviceExternalIP(o),
    servicePorts(o),
    age(o, now),
    formatLabels(stringMap(o, 'spec', 'selector')),
  ],
};

/** Up to three `ip:port` endpoints, then "+ N more...". */
function formatEndpoints(ep: unknown): string {
  const subsets = list(ep, 'subsets');
  if (subsets.length === 0) return '<none>';
  const shown: string[] = [];
  const max = 3;
  let count = 0;
  let more = false;
  for (const ss of subsets) {
    const addresses = list(ss, 'addresses').map((a) => str(a, 'ip'));
    const ports = list(ss, 'ports');
    // Headless services may have no ports: list bare addresses.
    const targets = ports.length === 0 ? [undefined] : ports.map((p) => int(p, 'port'));
    for (const port of targets) {
      count += addresses.length;
      for (const ip of addresses) {
        if (shown.length === max) {
          more = true;
          break;
        }
        shown.push(port === undefined ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
      }
    }
  }
  return more ? `${shown.join(',')} + ${count - max} more...` : shown.join(',');
}

export const endpointsTable: TableDef = {
  columns: [nameColumn, col('Endpoints'), ageColumn],
  row: (o, now) => [name(o), formatEndpoints(o), age(o, now)],
};

export const configMapTable: TableDef = {
  columns: [nameColumn, col('Data'), ageColumn],
  row: (o, now) => [name(o), Object.keys(record(o, 'data')).length + Object.keys(record(o, 'binaryData')).length, age(o, now)],
};

export const secretTable: TableDef = {
  columns: [nameColumn, col('Type'), col('Data'), ageColumn],
  row: (o, now) => [name(o), str(o, 'type'), Object.keys(record(o, 'data')).length, age(o, now)],
};

export const serviceAccountTable: TableDef = {
  columns: [nameColumn, col('Secrets'), ageColumn],
  row: (o, now) => [name(o), list(o, 'secrets').length, age(o, now)],
};

const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const ROLE_LABEL = 'kubernetes.io/role';

function nodeRoles(node: unknown): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(stringMap(node, 'metadata', 'labels'))) {
    if (k.startsWith(ROLE_LABEL_PREFIX) && k.length > ROLE_LABEL_PREFIX.length) roles.add(k.slice(ROLE_LABEL_PREFIX.length));
    else if (k === ROLE_LABEL && v !== '') roles.add(v);
  }
  return roles.size > 0 ? [...roles].sort().join(',') : '<none>';
}

function nodeStatus(node: unknown): string {
  const ready = list(node, 'status', 'conditions').filter((c) => str(c, 'type') === 'Ready').pop();
  const status = ready === undefined ? ['Unknown'] : [str(ready, 'status') === 'True' ? 'Ready' : 'NotReady'];
  if (record(node, 'spec').unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeAddress(node: unknown, type: string): string {
  const a = list(node, 'status', 'addresses').find((x) => str(x, 'type') === type);
  return a === undefined ? '<none>' : str(a, 'address');
}

export const nodeTable: TableDef = {
  columns: [
    nameColumn,
    col('Status'),
    col('Roles'),
    ageColumn,
    col('Version'),
    wide('Internal-IP'),
    wide('External-IP'),
    wide('OS-Image'),
    wide('Kernel-Version'),
    wide('Container-Runtime'),
  ],
  row: (o, now) => [
    name(o),
    nodeStatus(o),
    nodeRoles(o),
    age(o, now),
    str(o, 'status', 'nodeInfo', 'kubeletVersion'),
    nodeAddress(o, 'InternalIP'),
    nodeAddress(o, 'ExternalIP'),
    str(o, 'status', 'nodeInfo', 'osImage') || '<unknown>',
    str(o, 'status', 'nodeInfo', 'kernelVersion') || '<unknown>',
    str(o, 'status', 'nodeInfo', 'containerRuntimeVersion') || '<unknown>',
  ],
};

export const podTemplateTable: TableDef = {
  columns: [nameColumn, col('Containers'), col('Images'), col('Pod Labels')],
  row: (o) => {
    const [containers, images] = containerCells(record(o, 'template', 'spec'));
    return [name(o), containers, images, formatLabels(stringMap(o, 'template', 'metadata', 'labels'))];
  },
};

export const replicationControllerTable: TableDef = {
  columns: [
    nameColumn,
    col('Desired', 'integer'),
    col('Current', 'integer'),
    col('Ready', 'integer'),
    ageColumn,
    wide('Containers'),
    wide('Images'),
    wide('Selector'),
  ],
  row: (o, now) => {
    const [containers, images] = containerCells(record(o, 'spec', 'template', 'spec'));
    return [
      name(o),
      typeof record(o, 'spec').replicas === 'number' ? int(o, 'spec', 'replicas') : 1,
      int(o, 'status', 'replicas'),
      int(o, 'status', 'readyReplicas'),
      age(o, now),
      containers,
      images,
      formatLabels(stringMap(o, 'spec', 'selector')),
    ];
  },
};

/** `resource: used/hard` pairs sorted by resource name; `limits.*` go to the LIMIT column. */
function quotaCells(quota: unknown): [string, string] {
  const hard = record(quota, 'status', 'hard');
  const requests: string[] = [];
  const limits: string[] = [];
  for (const resource of Object.keys(hard).sort()) {
    const entry = `${resource}: ${quantity(quota, 'status', 'used', resource)}/${quantity(hard, resource)}`;
    const pieces = resource.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? limits : requests).push(entry);
  }
  return [requests.join(', '), limits.join(', ')];
}

export const resourceQuotaTable: TableDef = {
  columns: [nameColumn, col('Request'), col('Limit'), ageColumn],
  row: (o, now) => [name(o), ...quotaCells(o), age(o, now)],
};
