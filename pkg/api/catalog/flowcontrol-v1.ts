// flowcontrol.apiserver.k8s.io/v1.
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import { flowSchemaStatusStrategy, flowSchemaStrategy, priorityLevelConfigurationStatusStrategy, priorityLevelConfigurationStrategy } from './strategies/flow-control';

const group = 'flowcontrol.apiserver.k8s.io';
const version = 'v1';

export const flowcontrolV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group, version, kind: 'FlowSchema', resource: 'flowschemas', singular: 'flowschema', namespaced: false, strategy: flowSchemaStrategy, subresources: [statusSubresource('FlowSchema', flowSchemaStatusStrategy)] }),
  defineResource({
    group,
    version,
    kind: 'PriorityLevelConfiguration',
    resource: 'prioritylevelconfigurations',
    singular: 'prioritylevelconfiguration',
    namespaced: false,
    strategy: priorityLevelConfigurationStrategy,
    subresources: [statusSubresource('PriorityLevelConfiguration', priorityLevelConfigurationStatusStrategy)],
  }),
]);
