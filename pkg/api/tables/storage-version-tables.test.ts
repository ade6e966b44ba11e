import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types';
import { storageVersionMigrationTable, storageVersionTable } from './storage-version-tables';
import { tableFor } from './table-registry';

const now = new Date('2026-01-01T01:00:00Z');
const meta = { name: 'x', creationTimestamp: '2026-01-01T00:00:00Z' };

describe('storage version tables', () => {
  it('prints a StorageVersion with its common encoding version and up to three servers', () => {
    expect(storageVersionTable.columns.map((c) => c.name)).toEqual(['Name', 'CommonEncodingVersion', 'StorageVersions', 'Age']);
    expect(storageVersionTable.row({ metadata: meta, status: {} } as KubeObject, now)).toEqual(['x', '<unset>', '<unset>', '60m']);
    const servers = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ apiServerID: id, encodingVersion: 'apps/v1' }));
    expect(storageVersionTable.row({ metadata: meta, status: { storageVersions: servers, commonEncodingVersion: 'apps/v1' } } as KubeObject, now).slice(1, 3)).toEqual(['apps/v1', 'a=apps/v1,b=apps/v1,c=apps/v1 + 2 more...']);
  });

  it('prints a StorageVersionMigration with its resource.group', () => {
    expect(storageVersionMigrationTable.columns.map((c) => c.name)).toEqual(['Name', 'Resource']);
    expect(storageVersionMigrationTable.row({ metadata: meta, spec: { resource: { group: 'apps', resource: 'deployments' } } } as KubeObject, now)).toEqual(['x', 'deployments.apps']);
    expect(storageVersionMigrationTable.row({ metadata: meta, spec: { resource: { resource: 'secrets' } } } as KubeObject, now)).toEqual(['x', 'secrets']);
  });

  it('is registered for both resources', () => {
    expect(tableFor('internal.apiserver.k8s.io', 'storageversions')).toBe(storageVersionTable);
    expect(tableFor('storagemigration.k8s.io', 'storageversionmigrations')).toBe(storageVersionMigrationTable);
  });
});
