// resource.k8s.io/v1beta2: device taint rules (the group's other kinds are served as v1, its
// preferred version).
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import { deviceTaintRuleStatusStrategy, deviceTaintRuleStrategy } from './strategies/device-taints';

export const resourceV1beta2: readonly ResourceDef[] = Object.freeze([
  defineResource({
    group: 'resource.k8s.io',
    version: 'v1beta2',
    kind: 'DeviceTaintRule',
    resource: 'devicetaintrules',
    singular: 'devicetaintrule',
    namespaced: false,
    strategy: deviceTaintRuleStrategy,
    subresources: [statusSubresource('DeviceTaintRule', deviceTaintRuleStatusStrategy)],
  }),
]);
