// The core group, version v1 (served under /api/v1). componentstatuses is not served.
import type { ResourceDef } from '../resource-def';
import { NAMESPACE_VERBS, PROXY_VERBS, actionSubresource, defineResource, scaleSubresource, statusSubresource, updateSubresource } from './define';
import { configMapStrategy, secretStrategy, serviceAccountStrategy } from './strategies/config-map';
import { endpointsStrategy } from './strategies/endpoints';
import { coreEventStrategy } from './strategies/event';
import { limitRangeStrategy, resourceQuotaStatusStrategy, resourceQuotaStrategy } from './strategies/limit-range';
import { namespaceFinalizeStrategy, namespaceStatusStrategy, namespaceStrategy } from './strategies/namespace';
import { nodeStatusStrategy, nodeStrategy } from './strategies/node';
import {
  persistentVolumeClaimStatusStrategy,
  persistentVolumeClaimStrategy,
  persistentVolumeStatusStrategy,
  persistentVolumeStrategy,
} from './strategies/persistent-volume';
import { podStrategy } from './strategies/pod';
import { bindingStrategy, podEphemeralContainersStrategy, podResizeStrategy, podStatusStrategy } from './strategies/pod-subresources';
import { podTemplateStrategy, replicationControllerStatusStrategy, replicationControllerStrategy } from './strategies/pod-template';
import { scaleStrategy } from './strategies/scale';
import { serviceStatusStrategy, serviceStrategy } from './strategies/service';

/** Events expire one hour after their last write. */
export const EVENT_TTL_SECONDS = 3600;

const core = { group: '', version: 'v1' } as const;

export const coreV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ ...core, kind: 'Binding', resource: 'bindings', singular: 'binding', namespaced: true, verbs: ['create'], strategy: bindingStrategy }),
  defineResource({ ...core, kind: 'ConfigMap', resource: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'], strategy: configMapStrategy }),
  defineResource({ ...core, kind: 'Endpoints', resource: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'], strategy: endpointsStrategy }),
  defineResource({ ...core, kind: 'Event', resource: 'events', singular: 'event', namespaced: true, shortNames: ['ev'], strategy: coreEventStrategy, ttlSeconds: EVENT_TTL_SECONDS }),
  defineResource({ ...core, kind: 'LimitRange', resource: 'limitranges', singular: 'limitrange', namespaced: true, shortNames: ['limits'], strategy: limitRangeStrategy }),
  defineResource({
    ...core,
    kind: 'Namespace',
    resource: 'namespaces',
    singular: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
    verbs: NAMESPACE_VERBS,
    strategy: namespaceStrategy,
    subresources: [
      { name: 'finalize', kind: 'Namespace', verbs: ['update'], strategy: namespaceFinalizeStrategy },
      statusSubresource('Namespace', namespaceStatusStrategy),
    ],
  }),
  defineResource({
    ...core,
    kind: 'Node',
    resource: 'nodes',
    singular: 'node',
    namespaced: false,
    shortNames: ['no'],
    strategy: nodeStrategy,
    subresources: [actionSubresource('proxy', 'NodeProxyOptions', PROXY_VERBS), statusSubresource('Node', nodeStatusStrategy)],
  }),
  defineResource({
    ...core,
    kind: 'PersistentVolumeClaim',
    resource: 'persistentvolumeclaims',
    singular: 'persistentvolumeclaim',
    namespaced: true,
    shortNames: ['pvc'],
    strategy: persistentVolumeClaimStrategy,
    subresources: [statusSubresource('PersistentVolumeClaim', persistentVolumeClaimStatusStrategy)],
  }),
  defineResource({
    ...core,
    kind: 'PersistentVolume',
    resource: 'persistentvolumes',
    singular: 'persistentvolume',
    namespaced: false,
    shortNames: ['pv'],
    strategy: persistentVolumeStrategy,
    subresources: [statusSubresource('PersistentVolume', persistentVolumeStatusStrategy)],
  }),
  defineResource({
    ...core,
    kind: 'Pod',
    resource: 'pods',
    singular: 'pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    strategy: podStrategy,
    subresources: [
      actionSubresource('attach', 'PodAttachOptions', ['create', 'get']),
      { name: 'binding', kind: 'Binding', verbs: ['create'], strategy: bindingStrategy },
      updateSubresource('ephemeralcontainers', 'Pod', podEphemeralContainersStrategy),
      actionSubresource('eviction', 'Eviction', ['create'], { group: 'policy', version: 'v1' }),
      actionSubresource('exec', 'PodExecOptions', ['create', 'get']),
      actionSubresource('log', 'Pod', ['get']),
      actionSubresource('portforward', 'PodPortForwardOptions', ['create', 'get']),
      actionSubresource('proxy', 'PodProxyOptions', PROXY_VERBS),
      updateSubresource('resize', 'Pod', podResizeStrategy),
      statusSubresource('Pod', podStatusStrategy),
    ],
  }),
  defineResource({ ...core, kind: 'PodTemplate', resource: 'podtemplates', singular: 'podtemplate', namespaced: true, strategy: podTemplateStrategy }),
  defineResource({
    ...core,
    kind: 'ReplicationController',
    resource: 'replicationcontrollers',
    singular: 'replicationcontroller',
    namespaced: true,
    shortNames: ['rc'],
    categories: ['all'],
    strategy: replicationControllerStrategy,
    subresources: [scaleSubresource(scaleStrategy), statusSubresource('ReplicationController', replicationControllerStatusStrategy)],
  }),
  defineResource({
    ...core,
    kind: 'ResourceQuota',
    resource: 'resourcequotas',
    singular: 'resourcequota',
    namespaced: true,
    shortNames: ['quota'],
    strategy: resourceQuotaStrategy,
    subresources: [statusSubresource('ResourceQuota', resourceQuotaStatusStrategy)],
  }),
  defineResource({ ...core, kind: 'Secret', resource: 'secrets', singular: 'secret', namespaced: true, strategy: secretStrategy }),
  defineResource({
    ...core,
    kind: 'ServiceAccount',
    resource: 'serviceaccounts',
    singular: 'serviceaccount',
    namespaced: true,
    shortNames: ['sa'],
    strategy: serviceAccountStrategy,
    subresources: [actionSubresource('token', 'TokenRequest', ['create'], { group: 'authentication.k8s.io', version: 'v1' })],
  }),
  defineResource({
    ...core,
    kind: 'Service',
    resource: 'services',
    singular: 'service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    strategy: serviceStrategy,
    subresources: [actionSubresource('proxy', 'ServiceProxyOptions', PROXY_VERBS), statusSubresource('Service', serviceStatusStrategy)],
  }),
]);
