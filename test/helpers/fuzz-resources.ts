// The resources the API fuzz suite aims at: a minimal valid object of each kind, the namespaces it
// works in, and how their paths are built.

export interface Res {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly subresources: readonly string[];
  /** A minimal valid object of this kind (name filled in later). */
  readonly base: (name: string) => Record<string, unknown>;
}

const podSpec = (nodeName?: string) => ({ ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] }] });
const template = { metadata: { labels: { app: 'f' } }, spec: podSpec() };

export const RESOURCES: readonly Res[] = [
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, subresources: [], base: (name) => ({ metadata: { name, labels: { app: 'f' } }, data: { a: '1' } }) },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true, subresources: [], base: (name) => ({ metadata: { name }, type: 'Opaque', data: { a: 'MQ==' }, stringData: { b: '2' } }) },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, subresources: ['status', 'log', 'binding', 'eviction', 'ephemeralcontainers', 'resize'], base: (name) => ({ metadata: { name, labels: { app: 'f' } }, spec: podSpec('node-a') }) },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true, subresources: ['status'], base: (name) => ({ metadata: { name }, spec: { selector: { app: 'f' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } }) },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, subresources: ['token'], base: (name) => ({ metadata: { name } }) },
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, subresources: ['status', 'finalize'], base: (name) => ({ metadata: { name } }) },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, subresources: ['status'], base: (name) => ({ metadata: { name, labels: { 'kubernetes.io/os': 'linux' } }, spec: { podCIDR: '10.42.0.0/24' } }) },
  { group: '', version: 'v1', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true, subresources: ['status'], base: (name) => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }) },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, subresources: [], base: (name) => ({ metadata: { name }, involvedObject: { kind: 'Pod', name: 'x', namespace: TARGET_NS }, reason: 'R', message: 'm', type: 'Normal' }) },
  { group: '', version: 'v1', resource: 'limitranges', kind: 'LimitRange', namespaced: true, subresources: [], base: (name) => ({ metadata: { name }, spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] } }) },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, subresources: ['status', 'scale'], base: (name) => ({ metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { app: 'f' } }, template } }) },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true, subresources: ['status', 'scale'], base: (name) => ({ metadata: { name }, spec: { serviceName: 's', selector: { matchLabels: { app: 'f' } }, template } }) },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true, subresources: ['status'], base: (name) => ({ metadata: { name }, spec: { selector: { matchLabels: { app: 'f' } }, template } }) },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true, subresources: ['status'], base: (name) => ({ metadata: { name }, spec: { template: { spec: { ...podSpec(), restartPolicy: 'Never' } } } }) },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true, subresources: ['status'], base: (name) => ({ metadata: { name }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { ...podSpec(), restartPolicy: 'OnFailure' } } } } } }) },
  { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', namespaced: true, subresources: [], base: (name) => ({ metadata: { name }, spec: { holderIdentity: 'x', leaseDurationSeconds: 10 } }) },
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', namespaced: true, subresources: [], base: (name) => ({ metadata: { name }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ port: 80 }] }) },
  { group: 'events.k8s.io', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, subresources: [], base: (name) => ({ metadata: { name }, eventTime: '2024-01-01T00:00:00.000000Z', reportingController: 'x/y', reportingInstance: 'i', action: 'A', reason: 'R', type: 'Normal', regarding: { kind: 'Pod', name: 'x', namespace: TARGET_NS } }) },
];

/** Namespace holding the long-lived patch targets (never deleted by the fuzzer). */
export const TARGET_NS = 'fuzz';
/** Namespace for creates and deletes. */
export const SCRATCH_NS = 'fuzz-scratch';
export const TARGET_NAME = 'target';
/** A namespace the fuzzer may break (status, finalize) without hurting the others. */
export const VICTIM_NS = 'fuzz-victim';

export function apiVersionOf(r: Pick<Res, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function collectionPath(r: Res, ns?: string): string {
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespaced && ns ? `${root}/namespaces/${ns}/${r.resource}` : `${root}/${r.resource}`;
}

/** The full, valid object of `r` named `name` (what the suite creates as patch targets). */
export function baseObject(r: Res, name: string): Record<string, unknown> {
  return { apiVersion: apiVersionOf(r), kind: r.kind, ...r.base(name) };
}
