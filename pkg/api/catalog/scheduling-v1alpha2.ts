// scheduling.k8s.io/v1alpha2: pod groups (gang scheduling units).
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import { podGroupStatusStrategy, podGroupStrategy } from './strategies/pod-group';

export const schedulingV1alpha2: readonly ResourceDef[] = Object.freeze([
  defineResource({
    group: 'scheduling.k8s.io',
    version: 'v1alpha2',
    kind: 'PodGroup',
    resource: 'podgroups',
    singular: 'podgroup',
    namespaced: true,
    strategy: podGroupStrategy,
    subresources: [statusSubresource('PodGroup', podGroupStatusStrategy)],
  }),
]);
