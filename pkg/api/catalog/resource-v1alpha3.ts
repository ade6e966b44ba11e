// resource.k8s.io/v1alpha3: resource pool status requests.
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import { resourcePoolStatusRequestStatusStrategy, resourcePoolStatusRequestStrategy } from './strategies/device-taints';

export const resourceV1alpha3: readonly ResourceDef[] = Object.freeze([
  defineResource({
    group: 'resource.k8s.io',
    version: 'v1alpha3',
    kind: 'ResourcePoolStatusRequest',
    resource: 'resourcepoolstatusrequests',
    singular: 'resourcepoolstatusrequest',
    namespaced: false,
    strategy: resourcePoolStatusRequestStrategy,
    subresources: [statusSubresource('ResourcePoolStatusRequest', resourcePoolStatusRequestStatusStrategy)],
  }),
]);
