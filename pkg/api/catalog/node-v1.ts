// node.k8s.io/v1.
import type { ResourceDef } from '../resource-def';
import { defineResource } from './define';
import { runtimeClassStrategy } from './strategies/runtime-class';

export const nodeV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group: 'node.k8s.io', version: 'v1', kind: 'RuntimeClass', resource: 'runtimeclasses', singular: 'runtimeclass', namespaced: false, strategy: runtimeClassStrategy }),
]);
