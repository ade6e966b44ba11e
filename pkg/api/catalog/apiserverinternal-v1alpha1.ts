// internal.apiserver.k8s.io/v1alpha1: the storage version each API server encodes a resource in.
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import { storageVersionStatusStrategy, storageVersionStrategy } from './strategies/storage-versions';

export const apiserverinternalV1alpha1: readonly ResourceDef[] = Object.freeze([
  defineResource({
    group: 'internal.apiserver.k8s.io',
    version: 'v1alpha1',
    kind: 'StorageVersion',
    resource: 'storageversions',
    singular: 'storageversion',
    namespaced: false,
    strategy: storageVersionStrategy,
    subresources: [statusSubresource('StorageVersion', storageVersionStatusStrategy)],
  }),
]);
