// coordination.k8s.io/v1beta1: lease candidates (coordinated leader election).
import type { ResourceDef } from '../resource-def';
import { defineResource } from './define';
import { leaseCandidateStrategy } from './strategies/lease';

export const coordinationV1beta1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group: 'coordination.k8s.io', version: 'v1beta1', kind: 'LeaseCandidate', resource: 'leasecandidates', singular: 'leasecandidate', namespaced: true, strategy: leaseCandidateStrategy }),
]);
