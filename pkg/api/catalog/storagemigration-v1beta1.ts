// storagemigration.k8s.io/v1beta1: storage version migrations (carried out by
// pkg/controllers/storageversionmigration).
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import { storageVersionMigrationStatusStrategy, storageVersionMigrationStrategy } from './strategies/storage-versions';

export const storagemigrationV1beta1: readonly ResourceDef[] = Object.freeze([
  defineResource({
    group: 'storagemigration.k8s.io',
    version: 'v1beta1',
    kind: 'StorageVersionMigration',
    resource: 'storageversionmigrations',
    singular: 'storageversionmigration',
    namespaced: false,
    strategy: storageVersionMigrationStrategy,
    subresources: [statusSubresource('StorageVersionMigration', storageVersionMigrationStatusStrategy)],
  }),
]);
