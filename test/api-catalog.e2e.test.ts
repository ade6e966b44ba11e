// The cluster-infrastructure API kinds against the built binary with the real kubectl: each is
// listed by `kubectl api-resources` as upstream 1.36 lists it, explained by `kubectl explain`, and
// goes through create → get → list → delete; the printers of StorageClass, Ingress, NetworkPolicy,
// HorizontalPodAutoscaler and CertificateSigningRequest show upstream's columns; autoscaling/v1 and
// v2 read the same object; an approved CSR comes back signed by the cluster's client CA.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateRequest } from '../pkg/certs';
import { eventually, startTestServer, type TestServer } from './helpers/cluster';

const NS = 'e2e';

interface KindCase {
  /** As `kubectl api-resources` prints it: name, short names, APIVERSION, NAMESPACED, KIND. */
  readonly resource: string;
  readonly shortNames: string;
  readonly apiVersion: string;
  readonly namespaced: boolean;
  readonly kind: string;
  readonly name: string;
  /** The object without apiVersion/kind/metadata.name. */
  readonly body: Record<string, unknown>;
  /** Fields the server defaults, checked on the object read back. */
  readonly defaulted?: (obj: Record<string, any>) => void;
}

const SELECTOR_RULE = { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] };

function keyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
}

function csrBody(commonName: string, organizations: string[]): string {
  return Buffer.from(createCertificateRequest({ keyPem: keyPem(), commonName, organizations })).toString('base64');
}

const CASES: readonly KindCase[] = [
  { resource: 'csidrivers', shortNames: '', apiVersion: 'storage.k8s.io/v1', namespaced: false, kind: 'CSIDriver', name: 'e2e.csi.k3ts.io', body: { spec: {} }, defaulted: (o) => expect(o.spec).toMatchObject({ attachRequired: true, podInfoOnMount: false, fsGroupPolicy: 'ReadWriteOnceWithFSType', volumeLifecycleModes: ['Persistent'] }) },
  { resource: 'csinodes', shortNames: '', apiVersion: 'storage.k8s.io/v1', namespaced: false, kind: 'CSINode', name: 'n1', body: { spec: { drivers: [{ name: 'e2e.csi.k3ts.io', nodeID: 'n1' }] } } },
  { resource: 'csistoragecapacities', shortNames: '', apiVersion: 'storage.k8s.io/v1', namespaced: true, kind: 'CSIStorageCapacity', name: 'cap', body: { storageClassName: 'local-path', capacity: '10Gi' } },
  { resource: 'storageclasses', shortNames: 'sc', apiVersion: 'storage.k8s.io/v1', namespaced: false, kind: 'StorageClass', name: 'e2e-sc', body: { provisioner: 'rancher.io/local-path' }, defaulted: (o) => expect(o).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' }) },
  { resource: 'volumeattachments', shortNames: '', apiVersion: 'storage.k8s.io/v1', namespaced: false, kind: 'VolumeAttachment', name: 'va', body: { spec: { attacher: 'e2e.csi.k3ts.io', nodeName: 'n1', source: { persistentVolumeName: 'pv1' } } } },
  { resource: 'volumeattributesclasses', shortNames: 'vac', apiVersion: 'storage.k8s.io/v1', namespaced: false, kind: 'VolumeAttributesClass', name: 'gold', body: { driverName: 'e2e.csi.k3ts.io', parameters: { iops: '100' } } },
  { resource: 'ingressclasses', shortNames: '', apiVersion: 'networking.k8s.io/v1', namespaced: false, kind: 'IngressClass', name: 'e2e-class', body: { spec: { controller: 'k3ts.io/ingress' } } },
  {
    resource: 'ingresses',
    shortNames: 'ing',
    apiVersion: 'networking.k8s.io/v1',
    namespaced: true,
    kind: 'Ingress',
    name: 'ing',
    body: { spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } },
  },
  { resource: 'ipaddresses', shortNames: 'ip', apiVersion: 'networking.k8s.io/v1', namespaced: false, kind: 'IPAddress', name: '10.43.200.5', body: { spec: { parentRef: { group: '', resource: 'services', namespace: NS, name: 'web' } } } },
  { resource: 'networkpolicies', shortNames: 'netpol', apiVersion: 'networking.k8s.io/v1', namespaced: true, kind: 'NetworkPolicy', name: 'np', body: { spec: { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] } }, defaulted: (o) => expect(o.spec).toMatchObject({ policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 80, protocol: 'TCP' }] }] }) },
  { resource: 'servicecidrs', shortNames: '', apiVersion: 'networking.k8s.io/v1', namespaced: false, kind: 'ServiceCIDR', name: 'e2e-cidr', body: { spec: { cidrs: ['10.250.0.0/24'] } } },
  { resource: 'runtimeclasses', shortNames: '', apiVersion: 'node.k8s.io/v1', namespaced: false, kind: 'RuntimeClass', name: 'gvisor', body: { handler: 'runsc' } },
  {
    resource: 'horizontalpodautoscalers',
    shortNames: 'hpa',
    apiVersion: 'autoscaling/v2',
    namespaced: true,
    kind: 'HorizontalPodAutoscaler',
    name: 'hpa',
    body: { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3 } },
    defaulted: (o) => expect(o.spec).toMatchObject({ minReplicas: 1, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] }),
  },
  {
    resource: 'certificatesigningrequests',
    shortNames: 'csr',
    apiVersion: 'certificates.k8s.io/v1',
    namespaced: false,
    kind: 'CertificateSigningRequest',
    name: 'table-csr',
    body: { spec: { request: csrBody('bob', []), signerName: 'example.com/e2e', usages: ['client auth'] } },
  },
  { resource: 'clustertrustbundles', shortNames: '', apiVersion: 'certificates.k8s.io/v1beta1', namespaced: false, kind: 'ClusterTrustBundle', name: 'e2e-bundle', body: { spec: { trustBundle: '__CA__' } } },
  {
    resource: 'podcertificaterequests',
    shortNames: '',
    apiVersion: 'certificates.k8s.io/v1beta1',
    namespaced: true,
    kind: 'PodCertificateRequest',
    name: 'pcr',
    body: {
      spec: {
        signerName: 'example.com/e2e',
        podName: 'p',
        podUID: 'a1',
        serviceAccountName: 'default',
        serviceAccountUID: 'a2',
        nodeName: 'n1',
        nodeUID: 'a3',
        pkixPublicKey: Buffer.from('key').toString('base64'),
        proofOfPossession: Buffer.from('pop').toString('base64'),
      },
    },
    defaulted: (o) => expect(o.spec.maxExpirationSeconds).toBe(86400),
  },
  { resource: 'leasecandidates', shortNames: '', apiVersion: 'coordination.k8s.io/v1beta1', namespaced: true, kind: 'LeaseCandidate', name: 'cand', body: { spec: { leaseName: 'l', binaryVersion: '1.36.0', emulationVersion: '1.36.0', strategy: 'OldestEmulationVersion' } } },
  {
    resource: 'validatingwebhookconfigurations',
    shortNames: '',
    apiVersion: 'admissionregistration.k8s.io/v1',
    namespaced: false,
    kind: 'ValidatingWebhookConfiguration',
    name: 'vwc',
    body: { webhooks: [{ name: 'check.e2e.k3ts.io', clientConfig: { url: 'https://webhook.invalid/validate' }, rules: [SELECTOR_RULE], sideEffects: 'None', admissionReviewVersions: ['v1'] }] },
    defaulted: (o) => expect(o.webhooks[0]).toMatchObject({ failurePolicy: 'Fail', matchPolicy: 'Equivalent', timeoutSeconds: 10, namespaceSelector: {}, objectSelector: {}, rules: [{ scope: '*' }] }),
  },
  {
    resource: 'mutatingwebhookconfigurations',
    shortNames: '',
    apiVersion: 'admissionregistration.k8s.io/v1',
    namespaced: false,
    kind: 'MutatingWebhookConfiguration',
    name: 'mwc',
    body: { webhooks: [{ name: 'label.e2e.k3ts.io', clientConfig: { service: { namespace: NS, name: 'hook' } }, rules: [SELECTOR_RULE], sideEffects: 'None', admissionReviewVersions: ['v1'] }] },
    defaulted: (o) => expect(o.webhooks[0]).toMatchObject({ reinvocationPolicy: 'Never', clientConfig: { service: { port: 443 } } }),
  },
  {
    resource: 'validatingadmissionpolicies',
    shortNames: '',
    apiVersion: 'admissionregistration.k8s.io/v1',
    namespaced: false,
    kind: 'ValidatingAdmissionPolicy',
    name: 'max-replicas',
    body: { spec: { matchConstraints: { resourceRules: [SELECTOR_RULE] }, validations: [{ expression: 'object.spec.replicas <= 5' }] } },
    defaulted: (o) => expect(o.spec).toMatchObject({ failurePolicy: 'Fail', matchConstraints: { matchPolicy: 'Equivalent' } }),
  },
  { resource: 'validatingadmissionpolicybindings', shortNames: '', apiVersion: 'admissionregistration.k8s.io/v1', namespaced: false, kind: 'ValidatingAdmissionPolicyBinding', name: 'max-replicas', body: { spec: { policyName: 'max-replicas', validationActions: ['Deny'] } } },
  {
    resource: 'mutatingadmissionpolicies',
    shortNames: '',
    apiVersion: 'admissionregistration.k8s.io/v1',
    namespaced: false,
    kind: 'MutatingAdmissionPolicy',
    name: 'add-label',
    body: { spec: { matchConstraints: { resourceRules: [SELECTOR_RULE] }, mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{metadata: Object.metadata{labels: {"e2e": "yes"}}}' } }] } },
  },
  { resource: 'mutatingadmissionpolicybindings', shortNames: '', apiVersion: 'admissionregistration.k8s.io/v1', namespaced: false, kind: 'MutatingAdmissionPolicyBinding', name: 'add-label', body: { spec: { policyName: 'add-label' } } },
  {
    resource: 'flowschemas',
    shortNames: '',
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    namespaced: false,
    kind: 'FlowSchema',
    name: 'e2e',
    body: { spec: { priorityLevelConfiguration: { name: 'e2e' }, rules: [{ subjects: [{ kind: 'Group', group: { name: 'e2e' } }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/e2e'] }] }] } },
    defaulted: (o) => expect(o.spec.matchingPrecedence).toBe(1000),
  },
  {
    resource: 'prioritylevelconfigurations',
    shortNames: '',
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    namespaced: false,
    kind: 'PriorityLevelConfiguration',
    name: 'e2e',
    body: { spec: { type: 'Limited', limited: { limitResponse: { type: 'Queue' } } } },
    defaulted: (o) => expect(o.spec.limited).toMatchObject({ nominalConcurrencyShares: 30, lendablePercent: 0, limitResponse: { queuing: { queues: 64, handSize: 8, queueLengthLimit: 50 } } }),
  },
  { resource: 'deviceclasses', shortNames: '', apiVersion: 'resource.k8s.io/v1', namespaced: false, kind: 'DeviceClass', name: 'e2e-gpu', body: { spec: { selectors: [{ cel: { expression: 'device.driver == "gpu.e2e.k3ts.io"' } }] } } },
  {
    resource: 'resourceclaims',
    shortNames: '',
    apiVersion: 'resource.k8s.io/v1',
    namespaced: true,
    kind: 'ResourceClaim',
    name: 'claim',
    body: { spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: 'e2e-gpu' } }] } } },
    defaulted: (o) => expect(o.spec.devices.requests[0].exactly).toMatchObject({ allocationMode: 'ExactCount', count: 1 }),
  },
  { resource: 'resourceclaimtemplates', shortNames: '', apiVersion: 'resource.k8s.io/v1', namespaced: true, kind: 'ResourceClaimTemplate', name: 'tmpl', body: { spec: { spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: 'e2e-gpu' } }] } } } } },
  { resource: 'resourceslices', shortNames: '', apiVersion: 'resource.k8s.io/v1', namespaced: false, kind: 'ResourceSlice', name: 'n1-gpu', body: { spec: { driver: 'gpu.e2e.k3ts.io', pool: { name: 'n1', generation: 1, resourceSliceCount: 1 }, nodeName: 'n1' } } },
  {
    resource: 'apiservices',
    shortNames: '',
    apiVersion: 'apiregistration.k8s.io/v1',
    namespaced: false,
    kind: 'APIService',
    name: 'v1.e2e.k3ts.io',
    body: { spec: { group: 'e2e.k3ts.io', version: 'v1', service: { namespace: NS, name: 'api' }, groupPriorityMinimum: 1000, versionPriority: 15 } },
    defaulted: (o) => expect(o.spec.service.port).toBe(443),
  },
  {
    resource: 'devicetaintrules',
    shortNames: '',
    apiVersion: 'resource.k8s.io/v1beta2',
    namespaced: false,
    kind: 'DeviceTaintRule',
    name: 'drain-gpu-0',
    body: { spec: { deviceSelector: { driver: 'gpu.e2e.k3ts.io', pool: 'n1', device: 'gpu-0' }, taint: { key: 'e2e.k3ts.io/maintenance', value: 'true', effect: 'NoSchedule' } } },
    defaulted: (o) => expect(o.spec.taint.timeAdded).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
  },
  {
    resource: 'resourcepoolstatusrequests',
    shortNames: '',
    apiVersion: 'resource.k8s.io/v1alpha3',
    namespaced: false,
    kind: 'ResourcePoolStatusRequest',
    name: 'gpu-pools',
    body: { spec: { driver: 'gpu.e2e.k3ts.io' } },
    defaulted: (o) => expect(o.spec.limit).toBe(100),
  },
  { resource: 'podgroups', shortNames: '', apiVersion: 'scheduling.k8s.io/v1alpha2', namespaced: true, kind: 'PodGroup', name: 'trainers', body: { spec: { schedulingPolicy: { gang: { minCount: 4 } } } } },
  { resource: 'storageversions', shortNames: '', apiVersion: 'internal.apiserver.k8s.io/v1alpha1', namespaced: false, kind: 'StorageVersion', name: 'e2e.k3ts.io.widgets', body: {}, defaulted: (o) => expect(o).toMatchObject({ spec: {}, status: {} }) },
  { resource: 'storageversionmigrations', shortNames: '', apiVersion: 'storagemigration.k8s.io/v1beta1', namespaced: false, kind: 'StorageVersionMigration', name: 'e2e-configmaps', body: { spec: { resource: { group: '', resource: 'configmaps' } } } },
];

describe('API catalog: cluster-infrastructure kinds', () => {
  let s: TestServer;
  let caPem = '';
  const ok = async (args: string[], input?: string) => {
    const r = await s.kubectl(args, { input });
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const json = async (args: string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as Record<string, any>;
  const manifest = (c: KindCase) =>
    JSON.stringify({ apiVersion: c.apiVersion, kind: c.kind, metadata: { name: c.name, ...(c.namespaced ? { namespace: NS } : {}) }, ...JSON.parse(JSON.stringify(c.body).replace('"__CA__"', JSON.stringify(caPem))) });
  const typed = (c: KindCase) => `${c.resource}.${c.apiVersion.split('/')[1]}.${c.apiVersion.split('/')[0]}`;
  const nsArgs = (c: KindCase) => (c.namespaced ? ['-n', NS] : []);

  beforeAll(async () => {
    s = await startTestServer();
    await ok(['create', 'namespace', NS]);
    caPem = fs.readFileSync(path.join(s.dataDir, 'server', 'tls', 'server-ca.crt'), 'utf8');
  }, 120_000);
  afterAll(async () => s?.stop());

  it('kubectl api-resources lists every kind with its group/version, scope and short names', async () => {
    const rows = (await ok(['api-resources', '--no-headers'])).split('\n').map((l) => l.trim().split(/\s+/));
    for (const c of CASES) {
      const row = rows.find((r) => r[0] === c.resource && r.includes(c.apiVersion));
      expect(row, c.resource).toEqual([c.resource, ...(c.shortNames ? c.shortNames.split(',') : []), c.apiVersion, String(c.namespaced), c.kind]);
    }
    const versions = (await ok(['api-versions'])).split('\n');
    expect(versions).toEqual(expect.arrayContaining(['autoscaling/v1', 'autoscaling/v2', 'certificates.k8s.io/v1', 'certificates.k8s.io/v1beta1', 'coordination.k8s.io/v1beta1']));
    expect(versions).toEqual(expect.arrayContaining(['resource.k8s.io/v1beta2', 'resource.k8s.io/v1alpha3', 'scheduling.k8s.io/v1alpha2', 'internal.apiserver.k8s.io/v1alpha1', 'storagemigration.k8s.io/v1beta1']));
    // Kinds served only in older versions leave the groups' preferred versions (what kubectl picks) at v1.
    const groups = JSON.parse(await ok(['get', '--raw', '/apis'])).groups as { name: string; preferredVersion: { version: string } }[];
    expect(groups.find((g) => g.name === 'resource.k8s.io')?.preferredVersion.version).toBe('v1');
    expect(groups.find((g) => g.name === 'scheduling.k8s.io')?.preferredVersion.version).toBe('v1');
    expect(await ok(['explain', 'resourceclaims'])).toContain('VERSION:    v1\n');
  });

  it('the API priority and fairness bootstrap objects exist from the start', async () => {
    const levels = (await json(['get', 'prioritylevelconfigurations'])).items.map((i: Record<string, any>) => i.metadata.name);
    expect(levels).toEqual(expect.arrayContaining(['exempt', 'catch-all', 'system', 'node-high', 'leader-election', 'workload-high', 'workload-low', 'global-default']));
    const schemas = (await json(['get', 'flowschemas'])).items;
    expect(schemas.map((i: Record<string, any>) => i.metadata.name)).toEqual(expect.arrayContaining(['exempt', 'probes', 'system-nodes', 'service-accounts', 'global-default', 'catch-all']));
    const catchAll = schemas.find((i: Record<string, any>) => i.metadata.name === 'catch-all');
    expect(catchAll.spec).toMatchObject({ priorityLevelConfiguration: { name: 'catch-all' }, matchingPrecedence: 10000, distinguisherMethod: { type: 'ByUser' } });
    expect(catchAll.status.conditions).toMatchObject([{ type: 'Dangling', status: 'False' }]);
    const fsRow = (await ok(['get', 'flowschemas', 'catch-all', '--no-headers'])).trim().split(/\s+/);
    expect([fsRow[0], fsRow[1], fsRow[2], fsRow[3], fsRow[5]]).toEqual(['catch-all', 'catch-all', '10000', 'ByUser', 'False']);
    const table = (await ok(['get', 'prioritylevelconfigurations', 'workload-low'])).trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(table[0]).toEqual(['NAME', 'TYPE', 'NOMINALCONCURRENCYSHARES', 'QUEUES', 'HANDSIZE', 'QUEUELENGTHLIMIT', 'AGE']);
    expect(table[1]!.slice(0, 6)).toEqual(['workload-low', 'Limited', '100', '128', '6', '50']);
  });

  it('the default ServiceCIDR `kubernetes` holds the service network and is Ready', async () => {
    const row = (await ok(['get', 'servicecidrs', 'kubernetes', '--no-headers'])).trim().split(/\s+/);
    expect(row.slice(0, 2)).toEqual(['kubernetes', '10.43.0.0/16']);
    const cidr = await json(['get', 'servicecidr', 'kubernetes']);
    expect(cidr.status.conditions).toMatchObject([{ type: 'Ready', status: 'True' }]);
  });

  it('kubectl get apiservices lists a Local, available entry for every built-in group version', async () => {
    const rows = (await ok(['get', 'apiservices', '--no-headers'])).trim().split('\n').map((l) => l.trim().split(/\s+/));
    const byName = new Map(rows.map((r) => [r[0], r]));
    for (const gv of (await ok(['api-versions'])).trim().split('\n')) {
      const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
      expect(byName.get(`${version}.${group}`)?.slice(1, 3), gv).toEqual(['Local', 'True']);
    }
    const apps = await json(['get', 'apiservice', 'v1.apps']);
    expect(apps.spec).toEqual({ group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 });
  });

  it('kubectl get componentstatuses reports the embedded datastore, controller manager and scheduler', async () => {
    const rows = await eventually(async () => {
      const r = await s.kubectl(['get', 'componentstatuses']);
      const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
      return lines.length === 4 && lines.slice(1).every((l) => l[1] === 'Healthy') ? lines : undefined;
    }, 'every component to report Healthy');
    expect(rows[0]).toEqual(['NAME', 'STATUS', 'MESSAGE', 'ERROR']);
    expect((await s.kubectl(['get', 'cs'])).stderr).toContain('Warning: v1 ComponentStatus is deprecated in v1.19+');
    expect(rows.slice(1).map((r) => r.slice(0, 3))).toEqual([
      ['controller-manager', 'Healthy', 'ok'],
      ['etcd-0', 'Healthy', 'ok'],
      ['scheduler', 'Healthy', 'ok'],
    ]);
    const one = await json(['get', 'cs', 'etcd-0']);
    expect(one).toMatchObject({ kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] });
    const write = await s.kubectl(['delete', 'cs', 'etcd-0']);
    expect(write.stderr).toContain('MethodNotAllowed');
    expect((await ok(['api-resources', '--no-headers'])).split('\n').map((l) => l.trim().split(/\s+/))).toContainEqual(['componentstatuses', 'cs', 'v1', 'false', 'ComponentStatus']);
  });

  it('kubectl explain works for each kind', async () => {
    for (const c of CASES) {
      const out = await ok(['explain', c.resource, `--api-version=${c.apiVersion}`]);
      expect(out, c.resource).toContain(`KIND:       ${c.kind}`);
    }
    expect(await ok(['explain', 'ingress.spec.rules.http.paths.pathType', '--api-version=networking.k8s.io/v1'])).toContain('FIELD: pathType <string>');
    expect(await ok(['explain', 'storageversionmigrations.spec.resource', '--api-version=storagemigration.k8s.io/v1beta1'])).toContain('FIELD: resource <GroupResource>');
    expect(await ok(['explain', 'podgroups.spec.schedulingPolicy.gang.minCount', '--api-version=scheduling.k8s.io/v1alpha2'])).toContain('FIELD: minCount <integer>');
    expect(await ok(['explain', 'devicetaintrules.spec.taint.effect', '--api-version=resource.k8s.io/v1beta2'])).toContain('FIELD: effect <string>');
  });

  for (const c of CASES) {
    it(`${c.kind}: create, get, list, delete`, async () => {
      await ok(['create', '-f', '-'], manifest(c));
      const got = await json(['get', typed(c), c.name, ...nsArgs(c)]);
      expect(got).toMatchObject({ apiVersion: c.apiVersion, kind: c.kind, metadata: { name: c.name } });
      c.defaulted?.(got);
      const listed = await json(['get', typed(c), ...nsArgs(c)]);
      expect(listed.items.map((i: Record<string, any>) => i.metadata.name)).toContain(c.name);
      const table = await ok(['get', typed(c), ...nsArgs(c)]);
      expect(table.split('\n')[0]).toMatch(/^NAME\s/);
      await ok(['delete', typed(c), c.name, ...nsArgs(c)]);
      const gone = await s.kubectl(['get', typed(c), c.name, ...nsArgs(c)]);
      expect(gone.stderr).toContain('NotFound');
    });
  }

  it('refuses invalid objects with field errors and keeps immutable fields', async () => {
    const noPathType = await s.kubectl(['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bad', namespace: NS }, spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } }),
    });
    expect(noPathType.exitCode).not.toBe(0);
    expect(noPathType.stderr).toContain('spec.rules[0].http.paths[0].pathType: Required value');
    const noProvisioner = await s.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'bad' } }) });
    expect(noProvisioner.stderr).toContain('provisioner: Required value');
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fixed' }, provisioner: 'rancher.io/local-path' }));
    const changed = await s.kubectl(['patch', 'storageclass', 'fixed', '--type=merge', '-p', '{"parameters":{"a":"b"}}']);
    expect(changed.stderr).toContain('parameters: Forbidden: updates to parameters are forbidden.');
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'rc' }, handler: 'runc' }));
    const handler = await s.kubectl(['patch', 'runtimeclass', 'rc', '--type=merge', '-p', '{"handler":"crun"}']);
    expect(handler.stderr).toContain('handler: Invalid value: "crun": field is immutable');
    await ok(['delete', 'storageclass', 'fixed']);
    await ok(['delete', 'runtimeclass', 'rc']);
  });

  it('server-side apply and strategic-merge status patches work for PodGroup and DeviceTaintRule', async () => {
    const group = { apiVersion: 'scheduling.k8s.io/v1alpha2', kind: 'PodGroup', metadata: { name: 'ssa', namespace: NS }, spec: { schedulingPolicy: { gang: { minCount: 2 } } } };
    await ok(['apply', '--server-side', '-f', '-'], JSON.stringify(group));
    const changed = await s.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify({ ...group, spec: { schedulingPolicy: { gang: { minCount: 3 } } } }) });
    expect(changed.stderr).toContain('field is immutable');
    const condition = (type: string) => ({ type, status: 'True', reason: 'Testing', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' });
    await ok(['patch', 'podgroup', 'ssa', '-n', NS, '--subresource=status', '--type=strategic', '-p', JSON.stringify({ status: { conditions: [condition('PodGroupScheduled')] } })]);
    await ok(['patch', 'podgroup', 'ssa', '-n', NS, '--subresource=status', '--type=strategic', '-p', JSON.stringify({ status: { conditions: [condition('DisruptionTarget')] } })]);
    expect((await json(['get', 'podgroup', 'ssa', '-n', NS])).status.conditions.map((c: Record<string, any>) => c.type).sort()).toEqual(['DisruptionTarget', 'PodGroupScheduled']);

    await ok(['apply', '--server-side', '-f', '-'], JSON.stringify({ apiVersion: 'resource.k8s.io/v1beta2', kind: 'DeviceTaintRule', metadata: { name: 'ssa' }, spec: { taint: { key: 'k', effect: 'None' } } }));
    const bad = await s.kubectl(['patch', 'devicetaintrule', 'ssa', '--type=merge', '-p', '{"spec":{"taint":{"effect":"PreferNoSchedule"}}}']);
    expect(bad.stderr).toContain('spec.taint.effect: Unsupported value: "PreferNoSchedule": supported values: "NoExecute", "NoSchedule", "None"');
    const gen = (await json(['get', 'devicetaintrule', 'ssa'])).metadata.generation;
    await ok(['patch', 'devicetaintrule', 'ssa', '--type=merge', '-p', '{"spec":{"taint":{"effect":"NoSchedule"}}}']);
    expect((await json(['get', 'devicetaintrule', 'ssa'])).metadata.generation).toBe(gen + 1);
    await ok(['patch', 'devicetaintrule', 'ssa', '--subresource=status', '--type=strategic', '-p', JSON.stringify({ status: { conditions: [condition('EvictionInProgress')] } })]);
    expect((await json(['get', 'devicetaintrule', 'ssa'])).status.conditions).toMatchObject([{ type: 'EvictionInProgress', status: 'True' }]);
    await ok(['delete', 'podgroup', 'ssa', '-n', NS]);
    await ok(['delete', 'devicetaintrule', 'ssa']);
  });

  it('kubectl get prints upstream columns for StorageClass, Ingress, NetworkPolicy, HPA and CSR', async () => {
    const items = [
        { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'web', namespace: NS },
          spec: { ingressClassName: 'traefik', tls: [{ hosts: ['a.example.com'] }], rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
        },
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web', namespace: NS }, spec: { podSelector: { matchLabels: { app: 'web' } } } },
        { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 7 } },
        { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'cols' }, spec: { request: csrBody('carol', []), signerName: 'example.com/e2e', expirationSeconds: 3600, usages: ['client auth'] } },
    ];
    // JSON documents in a YAML stream (a leading `---` makes kubectl read it as YAML).
    await ok(['apply', '-f', '-'], items.map((o) => `---\n${JSON.stringify(o)}\n`).join(''));
    const lines = (out: string) => out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    const sc = lines(await ok(['get', 'sc', 'local-path']));
    expect(sc[0]).toEqual(['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']);
    expect(sc[1]!.slice(0, 5)).toEqual(['local-path (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', 'false']);
    const ing = lines(await ok(['get', 'ing', 'web', '-n', NS]));
    expect(ing[0]).toEqual(['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
    expect(ing[1]!.slice(0, 3)).toEqual(['web', 'traefik', 'a.example.com']);
    expect(ing[1]![3]).toBe('80, 443');
    const np = lines(await ok(['get', 'netpol', 'web', '-n', NS]));
    expect(np[0]).toEqual(['NAME', 'POD-SELECTOR', 'AGE']);
    expect(np[1]!.slice(0, 2)).toEqual(['web', 'app=web']);
    const hpa = lines(await ok(['get', 'hpa', 'web', '-n', NS]));
    expect(hpa[0]).toEqual(['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
    expect(hpa[1]!.slice(0, 6)).toEqual(['web', 'Deployment/web', 'cpu: <unknown>/80%', '2', '7', '0']);
    const csr = lines(await ok(['get', 'csr', 'cols']));
    expect(csr[0]).toEqual(['NAME', 'AGE', 'SIGNERNAME', 'REQUESTOR', 'REQUESTEDDURATION', 'CONDITION']);
    expect(csr[1]![0]).toBe('cols');
    expect(csr[1]!.slice(2)).toContain('example.com/e2e');
    expect(csr[1]!.slice(2)).toContain('60m');
    expect(csr[1]!.slice(2)).toContain('system:admin'); // REQUESTOR: the creating user, whatever the client sent
    expect(csr[1]![csr[1]!.length - 1]).toBe('Pending');
  });

  it('kubectl autoscale and kubectl create ingress (protobuf request bodies) create working objects', async () => {
    await ok(['create', 'deployment', 'pb', '-n', NS, '--image=busybox']);
    const scaled = await s.kubectl(['autoscale', 'deployment', 'pb', '-n', NS, '--max=5', '--cpu-percent=60', '-v=8']);
    expect(scaled.exitCode).toBe(0);
    expect(scaled.stderr).toMatch(/POST https:\/\/[^ ]+\/apis\/autoscaling\/v[12]\/namespaces\/e2e\/horizontalpodautoscalers[\s\S]*Content-Type: application\/vnd\.kubernetes\.protobuf/);
    const hpa = await json(['get', 'hpa', 'pb', '-n', NS]);
    expect(hpa.spec).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: 'pb' }, minReplicas: 1, maxReplicas: 5, metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 60 } } }] });
    await ok(['create', 'ingress', 'pb', '-n', NS, '--class=traefik', '--rule=pb.example.com/api*=pb:8080,tls=pb-cert']);
    const ing = await json(['get', 'ingress', 'pb', '-n', NS]);
    expect(ing.spec).toMatchObject({ ingressClassName: 'traefik', tls: [{ hosts: ['pb.example.com'], secretName: 'pb-cert' }], rules: [{ host: 'pb.example.com', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'pb', port: { number: 8080 } } } }] } }] });
  });

  it('autoscaling/v1 and autoscaling/v2 read and write the same HorizontalPodAutoscaler', async () => {
    await ok(
      ['create', '-f', '-'],
      JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'v1hpa', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 4, targetCPUUtilizationPercentage: 55 } }),
    );
    const v2 = JSON.parse(await ok(['get', '--raw', `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/v1hpa`]));
    expect(v2.apiVersion).toBe('autoscaling/v2');
    expect(v2.spec).toMatchObject({ minReplicas: 1, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 55 } } }] });
    // A v2-only metric survives a v1 read-modify-write (it rides in an annotation on the v1 form).
    await ok(['patch', 'hpa', 'v1hpa', '-n', NS, '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/metrics/-', value: { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } } }])]);
    const v1 = JSON.parse(await ok(['get', '--raw', `/apis/autoscaling/v1/namespaces/${NS}/horizontalpodautoscalers/v1hpa`]));
    expect(v1.spec.targetCPUUtilizationPercentage).toBe(55);
    expect(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics']).toContain('memory');
    const v1Updated = { ...v1, spec: { ...v1.spec, maxReplicas: 6 } };
    await ok(['replace', '-f', '-'], JSON.stringify(v1Updated));
    const after = JSON.parse(await ok(['get', '--raw', `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/v1hpa`]));
    expect(after.spec.maxReplicas).toBe(6);
    expect(after.spec.metrics.map((m: Record<string, any>) => m.resource.name)).toEqual(['cpu', 'memory']);
    expect(after.metadata.annotations?.['autoscaling.alpha.kubernetes.io/metrics']).toBeUndefined();
    const table = await ok(['get', 'hpa', 'v1hpa', '-n', NS]);
    expect(table).toContain('cpu: <unknown>/55%, memory: <unknown>/100Mi');
  });

  it('kubectl certificate approve → the CSR signer issues a client certificate the API accepts; deny marks Denied', async () => {
    const key = keyPem();
    const request = Buffer.from(createCertificateRequest({ keyPem: key, commonName: 'alice', organizations: ['dev'] })).toString('base64');
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'alice' }, spec: { request, signerName: 'kubernetes.io/kube-apiserver-client', expirationSeconds: 7200, usages: ['client auth'] } }));
    await ok(['certificate', 'approve', 'alice']);
    const issued = await eventually(async () => {
      const csr = await json(['get', 'csr', 'alice']);
      return typeof csr.status?.certificate === 'string' && csr.status.certificate !== '' ? csr : undefined;
    }, 'the signer to issue alice a certificate');
    expect(issued.status.conditions.map((c: Record<string, any>) => c.type)).toEqual(['Approved']);
    expect(issued.spec.username).toBe('system:admin');
    expect(issued.spec.groups).toContain('system:masters');
    const certPem = Buffer.from(issued.status.certificate, 'base64').toString();
    const cert = new X509Certificate(certPem);
    expect(cert.subject).toContain('CN=alice');
    expect(cert.issuer).toContain('k3ts-client-ca');
    const hours = (Date.parse(cert.validTo) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(1.9);
    expect(hours).toBeLessThanOrEqual(2.01);
    expect(cert.verify(new X509Certificate(fs.readFileSync(path.join(s.dataDir, 'server', 'tls', 'client-ca.crt'))).publicKey)).toBe(true);
    expect((await ok(['get', 'csr', 'alice'])).split('\n')[1]).toMatch(/Approved,Issued$/);
    // The certificate authenticates as alice in group dev.
    fs.writeFileSync(path.join(s.dir, 'alice.crt'), certPem);
    fs.writeFileSync(path.join(s.dir, 'alice.key'), key);
    const whoami = await s.kubectl([
      '--kubeconfig=/dev/null',
      `--server=https://127.0.0.1:${s.port}`,
      `--certificate-authority=${path.join(s.dataDir, 'server', 'tls', 'server-ca.crt')}`,
      `--client-certificate=${path.join(s.dir, 'alice.crt')}`,
      `--client-key=${path.join(s.dir, 'alice.key')}`,
      'auth',
      'whoami',
    ]);
    expect(whoami.stdout).toMatch(/Username\s+alice/);
    expect(whoami.stdout).toMatch(/Groups\s+\[dev system:authenticated\]/);

    // kubelet-serving: a node's serving certificate with its SANs, issued by the server CA.
    const serving = Buffer.from(createCertificateRequest({ keyPem: keyPem(), commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: ['n1'], ipAddresses: ['10.0.0.5'] })).toString('base64');
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'n1-serving' }, spec: { request: serving, signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] } }));
    await ok(['certificate', 'approve', 'n1-serving']);
    const servingCsr = await eventually(async () => {
      const csr = await json(['get', 'csr', 'n1-serving']);
      return csr.status?.certificate ? csr : undefined;
    }, 'the kubelet-serving signer to issue n1 a certificate');
    const servingCert = new X509Certificate(Buffer.from(servingCsr.status.certificate, 'base64'));
    expect(servingCert.subjectAltName).toBe('DNS:n1, IP Address:10.0.0.5');
    expect(servingCert.verify(new X509Certificate(fs.readFileSync(path.join(s.dataDir, 'server', 'tls', 'server-ca.crt'))).publicKey)).toBe(true);

    // A kubelet client request with the wrong subject fails; a denied request is never signed.
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'not-a-node' }, spec: { request: csrBody('mallory', []), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['client auth'] } }));
    await ok(['certificate', 'approve', 'not-a-node']);
    const failed = await eventually(async () => {
      const csr = await json(['get', 'csr', 'not-a-node']);
      return csr.status?.conditions?.find((c: Record<string, any>) => c.type === 'Failed');
    }, 'the kubelet client signer to refuse a non-node subject');
    expect(failed.message).toContain('system:nodes');
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'denied' }, spec: { request: csrBody('dave', []), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] } }));
    await ok(['certificate', 'deny', 'denied']);
    const denied = await json(['get', 'csr', 'denied']);
    expect(denied.status.conditions.map((c: Record<string, any>) => c.type)).toEqual(['Denied']);
    expect(denied.status.certificate).toBeUndefined();
    const both = await s.kubectl(['certificate', 'approve', 'denied']);
    expect(both.exitCode).not.toBe(0);
  });
});
