// apiregistration.k8s.io/v1 (APIService).
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import { apiServiceStatusStrategy, apiServiceStrategy } from './strategies/api-service';

export const apiregistrationV1: readonly ResourceDef[] = Object.freeze([
  defineResource({
    group: 'apiregistration.k8s.io',
    version: 'v1',
    kind: 'APIService',
    resource: 'apiservices',
    singular: 'apiservice',
    namespaced: false,
    categories: ['api-extensions'],
    strategy: apiServiceStrategy,
    subresources: [statusSubresource('APIService', apiServiceStatusStrategy)],
  }),
]);
