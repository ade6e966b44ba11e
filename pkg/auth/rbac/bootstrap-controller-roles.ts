// Roles of the controllers the controller manager runs, one per controller, each bound to the
// kube-system service account of the same name (`system:controller:<name>`), as upstream.
import type { RoleSpec } from './bootstrap-policy';
import { READ, eventsRule, rule } from './rule-builders';

const apps = ['apps', 'extensions'];

/**
 * k3ts runs every controller in one controller manager under its own client certificate
 * (system:kube-controller-manager), not one service account each: this label aggregates all
 * controller roles into k3ts:controller-manager, which is bound to that user.
 */
export const AGGREGATE_TO_CONTROLLER_MANAGER = 'rbac.k3ts.io/aggregate-to-controller-manager';

function controller(name: string, rules: RoleSpec['rules']): RoleSpec {
  return { name: `system:controller:${name}`, labels: { [AGGREGATE_TO_CONTROLLER_MANAGER]: 'true' }, rules };
}

export const CONTROLLER_ROLES: readonly RoleSpec[] = Object.freeze([
  controller('certificate-controller', [
    rule(['delete', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
    rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/legacy-unknown', 'kubernetes.io/kube-apiserver-client-kubelet']),
    rule(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/legacy-unknown', 'kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    eventsRule,
  ]),
  controller('clusterrole-aggregation-controller', [rule(['escalate', 'get', 'list', 'patch', 'update', 'watch'], ['rbac.authorization.k8s.io'], ['clusterroles'])]),
  controller('cronjob-controller', [
    rule(['get', 'list', 'update', 'watch'], ['batch'], ['cronjobs']),
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['cronjobs/status']),
    rule(['update'], ['batch'], ['cronjobs/finalizers']),
    rule(['delete', 'list', 'watch'], [''], ['pods']),
    eventsRule,
  ]),
  controller('daemon-set-controller', [
    rule(READ, apps, ['daemonsets']),
    rule(['update'], apps, ['daemonsets/status']),
    rule(['update'], apps, ['daemonsets/finalizers']),
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']),
    eventsRule,
  ]),
  controller('deployment-controller', [
    rule(['get', 'list', 'update', 'watch'], apps, ['deployments']),
    rule(['update'], apps, ['deployments/status']),
    rule(['update'], apps, ['deployments/finalizers']),
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], apps, ['replicasets']),
    rule(['get', 'list', 'update', 'watch'], [''], ['pods']),
    eventsRule,
  ]),
  controller('disruption-controller', [
    rule(READ, apps, ['deployments']),
    rule(READ, apps, ['replicasets']),
    rule(READ, [''], ['replicationcontrollers']),
    rule(READ, ['policy'], ['poddisruptionbudgets']),
    rule(READ, ['apps'], ['statefulsets']),
    rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['get'], ['*'], ['*/scale']),
    eventsRule,
  ]),
  controller('endpoint-controller', [
    rule(READ, [''], ['pods', 'services']),
    rule(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['endpoints']),
    rule(['create'], [''], ['endpoints/restricted']),
    eventsRule,
  ]),
  controller('endpointslice-controller', [
    rule(READ, [''], ['nodes', 'pods', 'services']),
    rule(['update'], [''], ['services/finalizers']),
    rule(['create', 'delete', 'get', 'list', 'update', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    eventsRule,
  ]),
  controller('endpointslicemirroring-controller', [
    rule(READ, [''], ['endpoints', 'services']),
    rule(['update'], [''], ['services/finalizers']),
    rule(['update'], [''], ['endpoints/finalizers']),
    rule(['create', 'delete', 'get', 'list', 'update', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    eventsRule,
  ]),
  controller('ephemeral-volume-controller', [
    rule(READ, [''], ['pods']),
    rule(['update'], [''], ['pods/finalizers']),
    rule(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    eventsRule,
  ]),
  controller('generic-garbage-collector', [rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], ['*'], ['*']), eventsRule]),
  controller('job-controller', [
    rule(['get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['jobs/status']),
    rule(['update'], ['batch'], ['jobs/finalizers']),
    rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
    eventsRule,
  ]),
  controller('legacy-service-account-token-cleaner', [
    rule(['get'], [''], ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']),
    rule(['delete', 'patch'], [''], ['secrets']),
  ]),
  controller('namespace-controller', [
    rule(['delete', 'get', 'list', 'watch'], [''], ['namespaces']),
    rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
    rule(['delete', 'deletecollection', 'get', 'list', 'watch'], ['*'], ['*']),
  ]),
  controller('node-controller', [
    rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['delete', 'get', 'list', 'watch'], [''], ['pods']),
    eventsRule,
  ]),
  // k3ts's binder writes with merge patches (upstream's uses update): patch is added.
  controller('persistent-volume-binder', [
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
    rule(['patch', 'update'], [''], ['persistentvolumes/status']),
    rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['patch', 'update'], [''], ['persistentvolumeclaims/status']),
    rule(['create', 'delete', 'get', 'list', 'watch'], [''], ['pods']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
    rule(['list', 'watch'], [''], ['nodes']),
    eventsRule,
    rule(['watch'], [''], ['events']),
  ]),
  // k3ts: the built-in local-path provisioner (pkg/controllers/localpath), which also creates the
  // default StorageClass and its config map at start.
  controller('local-path-provisioner', [
    rule(['create', 'get', 'list', 'watch'], [''], ['persistentvolumes']),
    rule(['get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['create', 'get', 'list', 'watch'], [''], ['configmaps']),
    rule(['create', 'get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
    eventsRule,
  ]),
  controller('pod-garbage-collector', [rule(['delete', 'list', 'watch'], [''], ['pods']), rule(READ, [''], ['nodes']), rule(['patch'], [''], ['pods/status'])]),
  controller('pv-protection-controller', [rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumes']), eventsRule]),
  controller('pvc-protection-controller', [
    rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['persistentvolumeclaims/status']),
    rule(READ, [''], ['pods']),
    eventsRule,
  ]),
  controller('replicaset-controller', [
    rule(['get', 'list', 'update', 'watch'], apps, ['replicasets']),
    rule(['update'], apps, ['replicasets/status']),
    rule(['update'], apps, ['replicasets/finalizers']),
    rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
    eventsRule,
  ]),
  controller('replication-controller', [
    rule(['get', 'list', 'update', 'watch'], [''], ['replicationcontrollers']),
    rule(['update'], [''], ['replicationcontrollers/status']),
    rule(['update'], [''], ['replicationcontrollers/finalizers']),
    rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
    eventsRule,
  ]),
  controller('resourcequota-controller', [rule(['list', 'watch'], ['*'], ['*']), rule(['update'], [''], ['resourcequotas/status']), eventsRule]),
  controller('root-ca-cert-publisher', [rule(['create', 'update'], [''], ['configmaps']), eventsRule]),
  controller('service-account-controller', [rule(['create'], [''], ['serviceaccounts']), eventsRule]),
  controller('service-controller', [rule(READ, [''], ['services']), rule(['patch', 'update'], [''], ['services/status']), rule(['list', 'watch'], [''], ['nodes']), eventsRule]),
  controller('statefulset-controller', [
    rule(['list', 'watch'], [''], ['pods']),
    rule(READ, ['apps'], ['statefulsets']),
    rule(['update'], ['apps'], ['statefulsets/status']),
    rule(['update'], ['apps'], ['statefulsets/finalizers']),
    rule(['create', 'delete', 'get', 'patch', 'update'], [''], ['pods']),
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']),
    rule(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['delete', 'update'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['pods/finalizers']),
    eventsRule,
  ]),
  controller('ttl-after-finished-controller', [rule(['delete', 'get', 'list', 'watch'], ['batch'], ['jobs']), eventsRule]),
  controller('ttl-controller', [rule(['list', 'patch', 'update', 'watch'], [''], ['nodes']), eventsRule]),
]);
