// discovery.k8s.io/v1.
import type { ResourceDef } from '../resource-def';
import { defineResource } from './define';
import { endpointSliceStrategy } from './strategies/endpoint-slice';

export const discoveryV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', resource: 'endpointslices', singular: 'endpointslice', namespaced: true, strategy: endpointSliceStrategy }),
]);
