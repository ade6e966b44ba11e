// scheduling.k8s.io/v1.
import type { ResourceDef } from '../resource-def';
import { defineResource } from './define';
import { priorityClassStrategy } from './strategies/priority-class';

export const schedulingV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', resource: 'priorityclasses', singular: 'priorityclass', namespaced: false, shortNames: ['pc'], strategy: priorityClassStrategy }),
]);
