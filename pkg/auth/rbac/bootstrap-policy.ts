// The default RBAC policy every k3ts server reconciles at start (facts from upstream's bootstrap
// policy; K3s adds its own roles for its controllers): the cluster roles, the aggregated
// admin/edit/view family, the system component roles and their bindings.
import type { KubeObject } from '../../api/types';
import { ruleToJson, type PolicyRule } from './policy-rule';
import { READ, READ_WRITE, WRITE, eventsRule, rule, urls } from './rule-builders';
import { RBAC_GROUP } from './rbac-objects';
import { AGGREGATE_TO_CONTROLLER_MANAGER, CONTROLLER_ROLES } from './bootstrap-controller-roles';

export const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
export const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `rbac.authorization.k8s.io/aggregate-to-${role}`;

export interface RoleSpec {
  readonly name: string;
  readonly rules?: readonly PolicyRule[];
  readonly labels?: Readonly<Record<string, string>>;
  /** Label sets; the role then gets the union of every ClusterRole matching one of them. */
  readonly aggregateFrom?: readonly Readonly<Record<string, string>>[];
}

export interface SubjectSpec {
  readonly kind: 'User' | 'Group' | 'ServiceAccount';
  readonly name: string;
  readonly namespace?: string;
}

export interface BindingSpec {
  readonly name: string;
  readonly role: string;
  readonly subjects: readonly SubjectSpec[];
}

const user = (name: string): SubjectSpec => ({ kind: 'User', name });
const group = (name: string): SubjectSpec => ({ kind: 'Group', name });
const serviceAccount = (namespace: string, name: string): SubjectSpec => ({ kind: 'ServiceAccount', namespace, name });

/** What a kubelet (group system:nodes) may do at all; the node authorizer narrows the object-scoped parts. */
export const NODE_RULES: readonly PolicyRule[] = Object.freeze([
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews']),
  rule(READ, [''], ['services']),
  rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
  rule(['patch', 'update'], [''], ['nodes/status']),
  rule(['patch', 'update'], [''], ['nodes']),
  rule(['create', 'patch', 'update'], [''], ['events']),
  rule(READ, [''], ['pods']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['patch', 'update'], [''], ['pods/status']),
  rule(['create'], [''], ['pods/eviction']),
  rule(READ, [''], ['configmaps', 'secrets']),
  rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['get'], [''], ['endpoints']),
  rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
  rule(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
  rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['get', 'patch', 'update'], [''], ['persistentvolumeclaims/status']),
  rule(READ, ['storage.k8s.io'], ['csidrivers']),
  rule(['create', 'delete', 'get', 'patch', 'update'], ['storage.k8s.io'], ['csinodes']),
  rule(READ, ['node.k8s.io'], ['runtimeclasses']),
]);

const AGGREGATE_TO_EDIT_RULES: readonly PolicyRule[] = [
  rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
  rule(['create'], [''], ['pods/eviction']),
  rule(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
  rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale']),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
  rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
];

const AGGREGATE_TO_VIEW_RULES: readonly PolicyRule[] = [
  rule(READ, [''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
  rule(READ, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale']),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
];

const leaderLease = (name: string) => [rule(['create'], ['coordination.k8s.io'], ['leases']), rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], [name])];
const reviewRules = [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])];

export const CLUSTER_ROLES: readonly RoleSpec[] = Object.freeze([
  { name: 'cluster-admin', rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  { name: 'admin', aggregateFrom: [{ [AGGREGATE_TO('admin')]: 'true' }] },
  { name: 'edit', labels: { [AGGREGATE_TO('admin')]: 'true' }, aggregateFrom: [{ [AGGREGATE_TO('edit')]: 'true' }] },
  { name: 'view', labels: { [AGGREGATE_TO('edit')]: 'true' }, aggregateFrom: [{ [AGGREGATE_TO('view')]: 'true' }] },
  {
    name: 'system:aggregate-to-admin',
    labels: { [AGGREGATE_TO('admin')]: 'true' },
    rules: [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(READ_WRITE, [RBAC_GROUP], ['rolebindings', 'roles'])],
  },
  { name: 'system:aggregate-to-edit', labels: { [AGGREGATE_TO('edit')]: 'true' }, rules: AGGREGATE_TO_EDIT_RULES },
  { name: 'system:aggregate-to-view', labels: { [AGGREGATE_TO('view')]: 'true' }, rules: AGGREGATE_TO_VIEW_RULES },
  { name: 'system:auth-delegator', rules: reviewRules },
  {
    name: 'system:basic-user',
    rules: [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])],
  },
  { name: 'system:discovery', rules: [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])] },
  { name: 'system:public-info-viewer', rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])] },
  { name: 'system:monitoring', rules: [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])] },
  { name: 'system:service-account-issuer-discovery', rules: [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])] },
  {
    name: 'system:kube-controller-manager',
    rules: [
      eventsRule,
      ...leaderLease('kube-controller-manager'),
      rule(['create'], [''], ['secrets', 'serviceaccounts']),
      rule(['delete'], [''], ['secrets']),
      rule(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      rule(['update'], [''], ['secrets', 'serviceaccounts']),
      ...reviewRules,
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [''], ['serviceaccounts/token']),
    ],
  },
  {
    name: 'system:kube-scheduler',
    rules: [
      eventsRule,
      ...leaderLease('kube-scheduler'),
      rule(READ, [''], ['nodes']),
      rule(['delete', 'get', 'list', 'watch'], [''], ['pods']),
      rule(['create'], [''], ['bindings', 'pods/binding']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(READ, [''], ['replicationcontrollers', 'services']),
      rule(READ, ['apps', 'extensions'], ['replicasets']),
      rule(READ, ['apps'], ['statefulsets']),
      rule(READ, ['policy'], ['poddisruptionbudgets']),
      rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
      ...reviewRules,
      rule(READ, ['storage.k8s.io'], ['csinodes']),
      rule(READ, [''], ['namespaces']),
      rule(READ, ['storage.k8s.io'], ['csidrivers']),
      rule(READ, ['storage.k8s.io'], ['csistoragecapacities']),
    ],
  },
  {
    name: 'system:volume-scheduler',
    rules: [rule([...READ, 'patch', 'update'], [''], ['persistentvolumes']), rule(READ, ['storage.k8s.io'], ['storageclasses']), rule([...READ, 'patch', 'update'], [''], ['persistentvolumeclaims'])],
  },
  { name: 'system:kube-dns', rules: [rule(['list', 'watch'], [''], ['endpoints', 'services'])] },
  { name: 'system:node', rules: NODE_RULES },
  { name: 'system:node-bootstrapper', rules: [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])] },
  {
    name: 'system:node-proxier',
    rules: [rule(['list', 'watch'], [''], ['endpoints', 'services']), rule(READ, [''], ['nodes']), eventsRule, rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])],
  },
  {
    name: 'system:kubelet-api-admin',
    rules: [rule(READ, [''], ['nodes']), rule(['proxy'], [''], ['nodes']), rule(['*'], [''], ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats'])],
  },
  {
    name: 'system:persistent-volume-provisioner',
    rules: [
      rule(['create', 'delete', 'get', 'list', 'watch'], [''], ['persistentvolumes']),
      rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
      rule(READ, ['storage.k8s.io'], ['storageclasses']),
      rule(['watch'], [''], ['events']),
      eventsRule,
    ],
  },
  // k3ts: the agent-side network controllers (flannel, network policy, the load-balancer tunnel)
  // run as system:k3ts-controller, as K3s's run as system:k3s-controller.
  {
    name: 'system:k3ts-controller',
    rules: [
      rule(['get', 'list', 'watch', 'patch'], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['list', 'watch'], [''], ['namespaces']),
      rule(['list', 'watch'], ['networking.k8s.io'], ['networkpolicies']),
      rule(READ, [''], ['endpoints', 'pods', 'services']),
      rule(READ, ['discovery.k8s.io'], ['endpointslices']),
      // The node half of the local-path provisioner: its volumes' directories, and deleting a
      // reclaimed volume once its directory is gone.
      rule(['get', 'list', 'watch', 'delete'], [''], ['persistentvolumes']),
      rule(['get'], [''], ['configmaps'], ['local-path-config']),
      eventsRule,
    ],
  },
  { name: 'k3ts:controller-manager', aggregateFrom: [{ [AGGREGATE_TO_CONTROLLER_MANAGER]: 'true' }] },
  // The leader election lease of k3ts's controller manager (upstream's is kube-controller-manager).
  {
    name: 'k3ts:controller-manager:leader-election',
    labels: { [AGGREGATE_TO_CONTROLLER_MANAGER]: 'true' },
    rules: [rule(['create'], ['coordination.k8s.io'], ['leases']), rule(['get', 'update', 'patch'], ['coordination.k8s.io'], ['leases'], ['k3ts-controller-manager'])],
  },
  ...CONTROLLER_ROLES,
]);

export const CLUSTER_ROLE_BINDINGS: readonly BindingSpec[] = Object.freeze([
  { name: 'cluster-admin', role: 'cluster-admin', subjects: [group('system:masters')] },
  { name: 'system:basic-user', role: 'system:basic-user', subjects: [group('system:authenticated')] },
  { name: 'system:discovery', role: 'system:discovery', subjects: [group('system:authenticated')] },
  { name: 'system:public-info-viewer', role: 'system:public-info-viewer', subjects: [group('system:authenticated'), group('system:unauthenticated')] },
  { name: 'system:monitoring', role: 'system:monitoring', subjects: [group('system:monitoring')] },
  { name: 'system:service-account-issuer-discovery', role: 'system:service-account-issuer-discovery', subjects: [group('system:serviceaccounts')] },
  { name: 'system:kube-controller-manager', role: 'system:kube-controller-manager', subjects: [user('system:kube-controller-manager')] },
  { name: 'system:kube-scheduler', role: 'system:kube-scheduler', subjects: [user('system:kube-scheduler')] },
  { name: 'system:volume-scheduler', role: 'system:volume-scheduler', subjects: [user('system:kube-scheduler')] },
  { name: 'system:kube-dns', role: 'system:kube-dns', subjects: [serviceAccount('kube-system', 'kube-dns')] },
  // Kubelets are authorized by the node authorizer; this binding exists without subjects, as upstream's.
  { name: 'system:node', role: 'system:node', subjects: [] },
  { name: 'system:node-proxier', role: 'system:node-proxier', subjects: [user('system:kube-proxy')] },
  { name: 'system:k3ts-controller', role: 'system:k3ts-controller', subjects: [user('system:k3ts-controller')] },
  { name: 'kube-apiserver-kubelet-admin', role: 'system:kubelet-api-admin', subjects: [user('system:kube-apiserver')] },
  { name: 'k3ts:controller-manager', role: 'k3ts:controller-manager', subjects: [user('system:kube-controller-manager')] },
  // Each controller of the controller manager runs as a service account of kube-system with its own role.
  ...CONTROLLER_ROLES.map((r) => ({ name: r.name, role: r.name, subjects: [serviceAccount('kube-system', r.name.slice('system:controller:'.length))] })),
]);

function metadata(name: string, labels?: Readonly<Record<string, string>>): KubeObject['metadata'] {
  return { name, labels: { [BOOTSTRAP_LABEL]: 'rbac-defaults', ...labels }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } };
}

export function clusterRoleObject(spec: RoleSpec): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: metadata(spec.name, spec.labels),
    ...(spec.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: spec.aggregateFrom.map((m) => ({ matchLabels: { ...m } })) } } : {}),
    ...(spec.rules ? { rules: spec.rules.map(ruleToJson) } : {}),
  };
}

export function clusterRoleBindingObject(spec: BindingSpec): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: metadata(spec.name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: spec.role },
    subjects: spec.subjects.map((s) => (s.kind === 'ServiceAccount' ? { kind: s.kind, name: s.name, namespace: s.namespace } : { kind: s.kind, apiGroup: RBAC_GROUP, name: s.name })),
  };
}
