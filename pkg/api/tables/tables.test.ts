import { describe, expect, it } from 'vitest';
import type { TableDef } from '../resource-def';
import type { KubeObject } from '../types';
import { buildTable, parseIncludeObject } from './build-table';
import { defaultTable } from './default-table';
import { IncludeObjectError } from './errors';
import { tableFor, tableKeys } from './table-registry';

const now = new Date('2024-05-01T12:00:00Z');
const created = '2024-04-30T12:00:00Z'; // 24h before now

/** Headers as kubectl prints them; `*` marks a column shown only with -o wide. */
function headers(def: TableDef): string[] {
  return def.columns.map((c) => `${c.priority === 1 ? '*' : ''}${c.name.toUpperCase()}`);
}

const NAME_AGE = (...middle: string[]) => ['NAME', ...middle, 'AGE'];
const TEMPLATE = ['*CONTAINERS', '*IMAGES', '*SELECTOR'];

const EXPECTED: Record<string, string[]> = {
  '/pods': ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', '*IP', '*NODE', '*NOMINATED NODE', '*READINESS GATES'],
  '/namespaces': NAME_AGE('STATUS'),
  '/services': [...NAME_AGE('TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)'), '*SELECTOR'],
  '/endpoints': NAME_AGE('ENDPOINTS'),
  '/configmaps': NAME_AGE('DATA'),
  '/secrets': NAME_AGE('TYPE', 'DATA'),
  '/serviceaccounts': NAME_AGE('SECRETS'),
  '/nodes': ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', '*INTERNAL-IP', '*EXTERNAL-IP', '*OS-IMAGE', '*KERNEL-VERSION', '*CONTAINER-RUNTIME'],
  '/events': ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', '*SUBOBJECT', '*SOURCE', 'MESSAGE', '*FIRST SEEN', '*COUNT', '*NAME'],
  '/persistentvolumes': [
    ...NAME_AGE('CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON'),
    '*VOLUMEMODE',
  ],
  '/persistentvolumeclaims': [...NAME_AGE('STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS'), '*VOLUMEMODE'],
  '/limitranges': ['NAME', 'CREATED AT'],
  '/resourcequotas': NAME_AGE('REQUEST', 'LIMIT'),
  '/podtemplates': ['NAME', 'CONTAINERS', 'IMAGES', 'POD LABELS'],
  '/replicationcontrollers': [...NAME_AGE('DESIRED', 'CURRENT', 'READY'), ...TEMPLATE],
  'apps/deployments': [...NAME_AGE('READY', 'UP-TO-DATE', 'AVAILABLE'), ...TEMPLATE],
  'apps/replicasets': [...NAME_AGE('DESIRED', 'CURRENT', 'READY'), ...TEMPLATE],
  'apps/statefulsets': [...NAME_AGE('READY'), '*CONTAINERS', '*IMAGES'],
  'apps/daemonsets': [...NAME_AGE('DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR'), ...TEMPLATE],
  'apps/controllerrevisions': NAME_AGE('CONTROLLER', 'REVISION'),
  'batch/jobs': [...NAME_AGE('STATUS', 'COMPLETIONS', 'DURATION'), ...TEMPLATE],
  'batch/cronjobs': [...NAME_AGE('SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE'), ...TEMPLATE],
  'coordination.k8s.io/leases': NAME_AGE('HOLDER'),
  'discovery.k8s.io/endpointslices': NAME_AGE('ADDRESSTYPE', 'PORTS', 'ENDPOINTS'),
  'events.k8s.io/events': ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', '*SUBOBJECT', '*SOURCE', 'MESSAGE', '*FIRST SEEN', '*COUNT', '*NAME'],
  'rbac.authorization.k8s.io/roles': ['NAME', 'CREATED AT'],
  'rbac.authorization.k8s.io/clusterroles': ['NAME', 'CREATED AT'],
  'rbac.authorization.k8s.io/rolebindings': [...NAME_AGE('ROLE'), '*USERS', '*GROUPS', '*SERVICEACCOUNTS'],
  'rbac.authorization.k8s.io/clusterrolebindings': [...NAME_AGE('ROLE'), '*USERS', '*GROUPS', '*SERVICEACCOUNTS'],
  'storage.k8s.io/storageclasses': NAME_AGE('PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION'),
  'networking.k8s.io/ingresses': NAME_AGE('CLASS', 'HOSTS', 'ADDRESS', 'PORTS'),
  'networking.k8s.io/ingressclasses': NAME_AGE('CONTROLLER', 'PARAMETERS'),
  'networking.k8s.io/networkpolicies': NAME_AGE('POD-SELECTOR'),
  'policy/poddisruptionbudgets': NAME_AGE('MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS'),
  'scheduling.k8s.io/priorityclasses': ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', '*PREEMPTIONPOLICY'],
  'apiextensions.k8s.io/customresourcedefinitions': ['NAME', 'CREATED AT'],
  'certificates.k8s.io/certificatesigningrequests': ['NAME', 'AGE', 'SIGNERNAME', 'REQUESTOR', 'REQUESTEDDURATION', 'CONDITION'],
  'certificates.k8s.io/clustertrustbundles': ['NAME', 'SIGNERNAME'],
  'certificates.k8s.io/podcertificaterequests': ['NAME', 'PODNAME', 'SERVICEACCOUNTNAME', 'SIGNERNAME', 'STATE', 'AGE'],
  'storage.k8s.io/csidrivers': ['NAME', 'ATTACHREQUIRED', 'PODINFOONMOUNT', 'STORAGECAPACITY', 'TOKENREQUESTS', 'REQUIRESREPUBLISH', 'MODES', 'AGE'],
  'storage.k8s.io/csinodes': ['NAME', 'DRIVERS', 'AGE'],
  'storage.k8s.io/volumeattachments': ['NAME', 'ATTACHER', 'PV', 'NODE', 'ATTACHED', 'AGE'],
  'storage.k8s.io/csistoragecapacities': ['NAME', 'STORAGECLASSNAME', 'CAPACITY', 'AGE'],
  'storage.k8s.io/volumeattributesclasses': ['NAME', 'DRIVERNAME', 'AGE'],
  'networking.k8s.io/ipaddresses': ['NAME', 'PARENTREF', 'AGE'],
  'networking.k8s.io/servicecidrs': ['NAME', 'CIDRS', 'AGE'],
  'node.k8s.io/runtimeclasses': ['NAME', 'HANDLER', 'AGE'],
  'autoscaling/horizontalpodautoscalers': ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'],
  'admissionregistration.k8s.io/validatingwebhookconfigurations': ['NAME', 'WEBHOOKS', 'AGE'],
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': ['NAME', 'WEBHOOKS', 'AGE'],
  'admissionregistration.k8s.io/validatingadmissionpolicies': ['NAME', 'VALIDATIONS', 'PARAMKIND', 'AGE'],
  'admissionregistration.k8s.io/validatingadmissionpolicybindings': ['NAME', 'POLICYNAME', 'PARAMREF', 'AGE'],
  'admissionregistration.k8s.io/mutatingadmissionpolicies': ['NAME', 'MUTATIONS', 'PARAMKIND', 'AGE'],
  'admissionregistration.k8s.io/mutatingadmissionpolicybindings': ['NAME', 'POLICYNAME', 'PARAMREF', 'AGE'],
  'flowcontrol.apiserver.k8s.io/flowschemas': ['NAME', 'PRIORITYLEVEL', 'MATCHINGPRECEDENCE', 'DISTINGUISHERMETHOD', 'AGE', 'MISSINGPL'],
  'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations': ['NAME', 'TYPE', 'NOMINALCONCURRENCYSHARES', 'QUEUES', 'HANDSIZE', 'QUEUELENGTHLIMIT', 'AGE'],
  'resource.k8s.io/deviceclasses': ['NAME', 'AGE'],
  'resource.k8s.io/resourceclaims': ['NAME', 'STATE', 'AGE'],
  'resource.k8s.io/resourceclaimtemplates': ['NAME', 'AGE'],
  'resource.k8s.io/resourceslices': ['NAME', 'NODE', 'DRIVER', 'POOL', 'AGE'],
  'apiregistration.k8s.io/apiservices': ['NAME', 'SERVICE', 'AVAILABLE', 'AGE'],
  '/componentstatuses': ['NAME', 'STATUS', 'MESSAGE', 'ERROR'],
  'coordination.k8s.io/leasecandidates': ['NAME', 'LEASENAME', 'BINARYVERSION', 'EMULATIONVERSION', 'AGE', '*RENEWTIME'],
  'k3ts.io/addons': ['NAME', 'SOURCE', 'CHECKSUM', 'AGE'],
  'resource.k8s.io/devicetaintrules': ['NAME', 'CREATED AT'],
  'resource.k8s.io/resourcepoolstatusrequests': ['NAME', 'CREATED AT'],
  'scheduling.k8s.io/podgroups': ['NAME', 'CREATED AT'],
  'internal.apiserver.k8s.io/storageversions': ['NAME', 'COMMONENCODINGVERSION', 'STORAGEVERSIONS', 'AGE'],
  'storagemigration.k8s.io/storageversionmigrations': ['NAME', 'RESOURCE'],
};

function def(key: string): TableDef {
  const [group, resource] = key.split('/');
  const d = tableFor(group, resource);
  if (d === undefined) throw new Error(`no table for ${key}`);
  return d;
}

describe('table registry', () => {
  it('registers exactly the expected resources', () => {
    expect(tableKeys().sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(tableFor('example.com', 'widgets')).toBeUndefined();
  });

  for (const [key, want] of Object.entries(EXPECTED)) {
    it(`${key}: headers`, () => expect(headers(def(key))).toEqual(want));
    it(`${key}: one cell per column, even for a bare object`, () => {
      const d = def(key);
      expect(d.row({ metadata: { name: 'x', creationTimestamp: created } }, now)).toHaveLength(d.columns.length);
    });
  }

  it('every table has exactly one column formatted as name', () => {
    for (const key of tableKeys()) expect(def(key).columns.filter((c) => c.format === 'name'), key).toHaveLength(1);
  });
});

const row = (key: string, obj: Omit<KubeObject, 'metadata'> & { metadata?: KubeObject['metadata'] }) =>
  def(key).row({ ...obj, metadata: { name: 'x', namespace: 'default', creationTimestamp: created, ...obj.metadata } }, now);

describe('rows', () => {
  it('deployment', () => {
    const cells = row('apps/deployments', {
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'log', image: 'busybox' }] } },
      },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    });
    expect(cells).toEqual(['web', '2/3', 3, 2, '24h', 'nginx,log', 'nginx:1.25,busybox', 'app=web']);
    expect(row('apps/deployments', { spec: {} }).slice(1, 4)).toEqual(['0/1', 0, 0]);
  });

  it('replicaset and daemonset selectors, node selector', () => {
    const rs = row('apps/replicasets', {
      spec: { replicas: 2, selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }, template: { spec: { containers: [] } } },
      status: { replicas: 2, readyReplicas: 1 },
    });
    expect(rs).toEqual(['x', 2, 2, 1, '24h', '', '', 'tier in (a,b)']);
    const ds = row('apps/daemonsets', {
      spec: { selector: {}, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
      status: { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1 },
    });
    expect(ds).toEqual(['x', 1, 1, 1, 1, 1, 'kubernetes.io/os=linux', '24h', '', '', '<none>']);
  });

  it('service: cluster IP, external IP by type, ports, selector', () => {
    const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => row('/services', { spec, status });
    expect(svc({ type: 'ClusterIP', clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], selector: { k8s: 'dns' } })).toEqual([
      'x',
      'ClusterIP',
      '10.43.0.10',
      '<none>',
      '53/UDP,53/TCP',
      '24h',
      'k8s=dns',
    ]);
    expect(svc({ type: 'NodePort', clusterIPs: ['10.43.0.2'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] }).slice(3, 5)).toEqual(['<none>', '80:30080/TCP']);
    expect(svc({ type: 'LoadBalancer', clusterIPs: ['10.43.0.3'] })[3]).toBe('<pending>');
    expect(svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '192.168.1.9' }, { hostname: 'lb.example' }] } })[3]).toBe('192.168.1.9,lb.example');
    expect(svc({ type: 'ExternalName', externalName: 'db.example.com' })[2]).toBe('<none>');
    expect(svc({ type: 'ExternalName', externalName: 'db.example.com' })[3]).toBe('db.example.com');
    expect(svc({ type: 'ClusterIP', clusterIPs: ['None'] }).slice(2, 5)).toEqual(['None', '<none>', '<none>']);
  });

  it('node: status, roles, addresses', () => {
    const cells = row('/nodes', {
      metadata: { labels: { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true' } },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '192.168.1.5' }, { type: 'Hostname', address: 'n1' }],
        nodeInfo: { kubeletVersion: 'v1.36.0+k3ts1', osImage: 'Ubuntu 24.04', kernelVersion: '6.8.0', containerRuntimeVersion: 'containerd://2.0.0' },
      },
    });
    expect(cells).toEqual([
      'x',
      'Ready,SchedulingDisabled',
      'control-plane,master',
      '24h',
      'v1.36.0+k3ts1',
      '192.168.1.5',
      '<none>',
      'Ubuntu 24.04',
      '6.8.0',
      'containerd://2.0.0',
    ]);
    expect(row('/nodes', {}).slice(1, 3)).toEqual(['Unknown', '<none>']);
    expect(row('/nodes', { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })[1]).toBe('NotReady');
  });

  it('core and events.k8s.io events', () => {
    const core = row('/events', {
      metadata: { name: 'p.17a' },
      involvedObject: { kind: 'Pod', name: 'p', fieldPath: 'spec.containers{c}' },
      reason: 'Pulled',
      type: 'Normal',
      message: ' pulled image \n',
      source: { component: 'kubelet', host: 'n1' },
      firstTimestamp: '2024-05-01T11:00:00Z',
      lastTimestamp: '2024-05-01T11:58:00Z',
      count: 4,
    });
    expect(core).toEqual(['2m', 'Normal', 'Pulled', 'pod/p', 'spec.containers{c}', 'kubelet, n1', 'pulled image', '60m', 4, 'p.17a']);
    const v1 = row('events.k8s.io/events', {
      metadata: { name: 'e' },
      regarding: { kind: 'Deployment', name: 'web' },
      note: 'Scaled up',
      reason: 'ScalingReplicaSet',
      type: 'Normal',
      reportingController: 'deployment-controller',
      eventTime: '2024-05-01T11:59:30.123456Z',
    });
    expect(v1).toEqual(['29s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up', '29s', 1, 'e']); // 29.877s truncates
    const series = row('/events', { involvedObject: { kind: 'Node' }, series: { count: 7, lastObservedTime: '2024-05-01T11:59:50.000000Z' }, eventTime: '2024-05-01T11:00:00.000000Z' });
    expect([series[0], series[3], series[7], series[8]]).toEqual(['10s', 'node', '60m', 7]);
  });

  it('job status, completions and duration', () => {
    const job = (spec: Record<string, unknown>, status: Record<string, unknown>, metadata: KubeObject['metadata'] = {}) =>
      row('batch/jobs', { metadata, spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } }, ...spec }, status }).slice(1, 4);
    expect(job({ completions: 1 }, { succeeded: 1, startTime: '2024-05-01T11:00:00Z', completionTime: '2024-05-01T11:00:42Z', conditions: [{ type: 'Complete', status: 'True' }] })).toEqual([
      'Complete',
      '1/1',
      '42s',
    ]);
    expect(job({ completions: 3 }, { succeeded: 1, startTime: '2024-05-01T11:55:00Z' })).toEqual(['Running', '1/3', '5m']);
    expect(job({ parallelism: 2 }, {})).toEqual(['Running', '0/1 of 2', '']);
    expect(job({}, { conditions: [{ type: 'Failed', status: 'True' }] })[0]).toBe('Failed');
    expect(job({}, { conditions: [{ type: 'Suspended', status: 'True' }] })[0]).toBe('Suspended');
    expect(job({}, {}, { deletionTimestamp: created })[0]).toBe('Terminating');
  });

  it('cronjob', () => {
    const cells = row('batch/cronjobs', {
      spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } },
      status: { active: [{ name: 'j' }], lastScheduleTime: '2024-05-01T11:55:00Z' },
    });
    expect(cells).toEqual(['x', '*/5 * * * *', '<none>', 'False', 1, '5m', '24h', 'c', 'busybox', '<none>']);
  });

  it('smaller kinds', () => {
    expect(row('/configmaps', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } })[1]).toBe(3);
    expect(row('/secrets', { type: 'Opaque', data: { a: 'MQ==' } }).slice(1, 3)).toEqual(['Opaque', 1]);
    expect(row('/namespaces', { status: { phase: 'Active' } })).toEqual(['x', 'Active', '24h']);
    expect(row('/endpoints', { subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }] })[1]).toBe(
      '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...',
    );
    expect(row('/endpoints', {})[1]).toBe('<none>');
    expect(row('/resourcequotas', { status: { hard: { pods: '10', 'limits.cpu': '2', 'requests.cpu': '1' }, used: { pods: '3', 'requests.cpu': '500m' } } }).slice(1, 3)).toEqual([
      'pods: 3/10, requests.cpu: 500m/1',
      'limits.cpu: 0/2',
    ]);
    expect(row('/persistentvolumeclaims', { spec: { volumeName: 'pv1', storageClassName: 'local-path' }, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } })).toEqual([
      'x',
      'Bound',
      'pv1',
      '1Gi',
      'RWO',
      'local-path',
      '<unset>',
      '24h',
      '<unset>',
    ]);
    expect(row('storage.k8s.io/storageclasses', { metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' })).toEqual([
      'x (default)',
      'rancher.io/local-path',
      'Delete',
      'WaitForFirstConsumer',
      false,
      '24h',
    ]);
    expect(row('rbac.authorization.k8s.io/clusterrolebindings', { roleRef: { kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'u' }, { kind: 'ServiceAccount', namespace: 'kube-system', name: 'sa' }, { kind: 'Group', name: 'g' }] })).toEqual([
      'x',
      'ClusterRole/admin',
      '24h',
      'u',
      'g',
      'kube-system/sa',
    ]);
    expect(row('apps/controllerrevisions', { metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }] }, revision: 2 })).toEqual([
      'x',
      'statefulset.apps/web',
      2,
      '24h',
    ]);
    expect(row('discovery.k8s.io/endpointslices', { addressType: 'IPv4', ports: [{ port: 80 }, { name: 'http' }, {}], endpoints: [{ addresses: ['10.0.0.1'] }] }).slice(1, 4)).toEqual(['IPv4', '80,http,*', '10.0.0.1']);
    expect(row('discovery.k8s.io/endpointslices', {}).slice(2, 4)).toEqual(['<unset>', '<unset>']);
    expect(row('policy/poddisruptionbudgets', { spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 1 } }).slice(1, 4)).toEqual(['50%', 'N/A', 1]);
    expect(row('networking.k8s.io/networkpolicies', { spec: { podSelector: {} } })[1]).toBe('<none>');
    expect(row('networking.k8s.io/ingresses', { spec: { ingressClassName: 'traefik', rules: [{ host: 'a.example' }, {}], tls: [{}] }, status: { loadBalancer: { ingress: [{ ip: '192.168.1.5' }] } } }).slice(1, 5)).toEqual([
      'traefik',
      'a.example',
      '192.168.1.5',
      '80, 443',
    ]);
    expect(row('scheduling.k8s.io/priorityclasses', { value: 2000000000, globalDefault: false, preemptionPolicy: 'PreemptLowerPriority' })).toEqual(['x', 2000000000, false, '24h', 'PreemptLowerPriority']);
    expect(row('coordination.k8s.io/leases', { spec: { holderIdentity: 'n1' } })).toEqual(['x', 'n1', '24h']);
    expect(row('rbac.authorization.k8s.io/roles', {})).toEqual(['x', '2024-04-30T12:00:00Z']);
  });
});

describe('buildTable', () => {
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', creationTimestamp: created, labels: { team: 'x' }, resourceVersion: '5' }, status: { phase: 'Active' } },
  ];
  const nsTable = def('/namespaces');

  it('builds a meta.k8s.io/v1 Table with PartialObjectMetadata rows by default', () => {
    const t = buildTable(nsTable, objects, now, { resourceVersion: '42', continue: 'abc' });
    expect(t).toEqual({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '42', continue: 'abc' },
      columnDefinitions: [
        { name: 'Name', type: 'string', format: 'name', description: expect.any(String), priority: 0 },
        { name: 'Status', type: 'string', format: '', description: '', priority: 0 },
        { name: 'Age', type: 'string', format: '', description: expect.any(String), priority: 0 },
      ],
      rows: [
        {
          cells: ['a', 'Active', '24h'],
          object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: objects[0].metadata },
        },
      ],
    });
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });

  it('includeObject=Object embeds the object, None embeds null; noHeaders drops columns', () => {
    expect(buildTable(nsTable, objects, now, { includeObject: 'Object' }).rows[0].object).toBe(objects[0]);
    expect(buildTable(nsTable, objects, now, { includeObject: 'None' }).rows[0].object).toBeNull();
    expect(buildTable(nsTable, objects, now, { noHeaders: true }).columnDefinitions).toEqual([]);
    expect(buildTable(nsTable, [], now).metadata).toEqual({});
    expect(buildTable(defaultTable, objects, now, { apiVersion: 'meta.k8s.io/v1beta1' }).rows[0].object).toMatchObject({ apiVersion: 'meta.k8s.io/v1beta1' });
  });

  it('parses includeObject', () => {
    expect(parseIncludeObject(undefined)).toBe('Metadata');
    expect(parseIncludeObject('')).toBe('Metadata');
    expect(parseIncludeObject('Object')).toBe('Object');
    expect(() => parseIncludeObject('All')).toThrow(IncludeObjectError);
  });

  it('default table prints creation time as RFC 3339', () => {
    expect(headers(defaultTable)).toEqual(['NAME', 'CREATED AT']);
    expect(defaultTable.columns[1].type).toBe('date');
    expect(defaultTable.row({ metadata: { name: 'r', creationTimestamp: '2024-01-02T03:04:05Z' } }, now)).toEqual(['r', '2024-01-02T03:04:05Z']);
  });
});
