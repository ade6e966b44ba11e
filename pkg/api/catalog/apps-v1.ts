// apps/v1.
import type { ResourceDef } from '../resource-def';
import { defineResource, scaleSubresource, statusSubresource } from './define';
import { deploymentStatusStrategy, deploymentStrategy, replicaSetStatusStrategy, replicaSetStrategy } from './strategies/deployment';
import { scaleStrategy } from './strategies/scale';
import { controllerRevisionStrategy, daemonSetStatusStrategy, daemonSetStrategy, statefulSetStatusStrategy, statefulSetStrategy } from './strategies/stateful-set';

const apps = { group: 'apps', version: 'v1', namespaced: true } as const;

export const appsV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ ...apps, kind: 'ControllerRevision', resource: 'controllerrevisions', singular: 'controllerrevision', strategy: controllerRevisionStrategy }),
  defineResource({
    ...apps,
    kind: 'DaemonSet',
    resource: 'daemonsets',
    singular: 'daemonset',
    shortNames: ['ds'],
    categories: ['all'],
    strategy: daemonSetStrategy,
    subresources: [statusSubresource('DaemonSet', daemonSetStatusStrategy)],
  }),
  defineResource({
    ...apps,
    kind: 'Deployment',
    resource: 'deployments',
    singular: 'deployment',
    shortNames: ['deploy'],
    categories: ['all'],
    strategy: deploymentStrategy,
    subresources: [scaleSubresource(scaleStrategy), statusSubresource('Deployment', deploymentStatusStrategy)],
  }),
  defineResource({
    ...apps,
    kind: 'ReplicaSet',
    resource: 'replicasets',
    singular: 'replicaset',
    shortNames: ['rs'],
    categories: ['all'],
    strategy: replicaSetStrategy,
    subresources: [scaleSubresource(scaleStrategy), statusSubresource('ReplicaSet', replicaSetStatusStrategy)],
  }),
  defineResource({
    ...apps,
    kind: 'StatefulSet',
    resource: 'statefulsets',
    singular: 'statefulset',
    shortNames: ['sts'],
    categories: ['all'],
    strategy: statefulSetStrategy,
    subresources: [scaleSubresource(scaleStrategy), statusSubresource('StatefulSet', statefulSetStatusStrategy)],
  }),
]);
