// resource.k8s.io/v1 (dynamic resource allocation).
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import { deviceClassStrategy, resourceClaimStatusStrategy, resourceClaimStrategy, resourceClaimTemplateStrategy, resourceSliceStrategy } from './strategies/dynamic-resources';

const group = 'resource.k8s.io';
const version = 'v1';

export const resourceV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group, version, kind: 'DeviceClass', resource: 'deviceclasses', singular: 'deviceclass', namespaced: false, strategy: deviceClassStrategy }),
  defineResource({
    group,
    version,
    kind: 'ResourceClaim',
    resource: 'resourceclaims',
    singular: 'resourceclaim',
    namespaced: true,
    strategy: resourceClaimStrategy,
    subresources: [statusSubresource('ResourceClaim', resourceClaimStatusStrategy)],
  }),
  defineResource({ group, version, kind: 'ResourceClaimTemplate', resource: 'resourceclaimtemplates', singular: 'resourceclaimtemplate', namespaced: true, strategy: resourceClaimTemplateStrategy }),
  defineResource({ group, version, kind: 'ResourceSlice', resource: 'resourceslices', singular: 'resourceslice', namespaced: false, strategy: resourceSliceStrategy }),
]);
