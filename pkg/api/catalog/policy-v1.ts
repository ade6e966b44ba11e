// policy/v1.
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import { podDisruptionBudgetStatusStrategy, podDisruptionBudgetStrategy } from './strategies/pod-disruption-budget';

export const policyV1: readonly ResourceDef[] = Object.freeze([
  defineResource({
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    resource: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    namespaced: true,
    shortNames: ['pdb'],
    strategy: podDisruptionBudgetStrategy,
    subresources: [statusSubresource('PodDisruptionBudget', podDisruptionBudgetStatusStrategy)],
  }),
]);
