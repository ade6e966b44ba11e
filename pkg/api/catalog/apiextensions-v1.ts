// apiextensions.k8s.io/v1 (CustomResourceDefinition). The strategy and the serving of custom
// resources live in pkg/apiextensions.
import { crdStatusStrategy, crdStrategy } from '../../apiextensions/crd-strategy';
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';

export const apiextensionsV1: readonly ResourceDef[] = Object.freeze([
  defineResource({
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    resource: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    strategy: crdStrategy,
    subresources: [statusSubresource('CustomResourceDefinition', crdStatusStrategy)],
  }),
]);
