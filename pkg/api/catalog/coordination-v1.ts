// coordination.k8s.io/v1.
import type { ResourceDef } from '../resource-def';
import { defineResource } from './define';
import { leaseStrategy } from './strategies/lease';

export const coordinationV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', resource: 'leases', singular: 'lease', namespaced: true, strategy: leaseStrategy }),
]);
