// Tables of internal.apiserver.k8s.io StorageVersions and storagemigration.k8s.io
// StorageVersionMigrations, with upstream's columns.
import type { TableDef } from '../resource-def';
import { age, ageColumn, at, col, list, name, nameColumn, str } from './internal/read';

/** Up to three `apiServerID=encodingVersion` pairs, then `+ N more...`; `<unset>` for none. */
function formatStorageVersions(o: unknown): string {
  const pairs = list(o, 'status', 'storageVersions').map((v) => `${str(v, 'apiServerID')}=${str(v, 'encodingVersion')}`);
  if (pairs.length === 0) return '<unset>';
  const max = 3;
  return pairs.length > max ? `${pairs.slice(0, max).join(',')} + ${pairs.length - max} more...` : pairs.join(',');
}

export const storageVersionTable: TableDef = {
  columns: [nameColumn, col('CommonEncodingVersion'), col('StorageVersions'), ageColumn],
  row: (o, now) => [name(o), typeof at(o, 'status', 'commonEncodingVersion') === 'string' ? str(o, 'status', 'commonEncodingVersion') : '<unset>', formatStorageVersions(o), age(o, now)],
};

/** `resource.group` (just `resource` for the core group). */
function migratedResource(o: unknown): string {
  const resource = str(o, 'spec', 'resource', 'resource');
  const group = str(o, 'spec', 'resource', 'group');
  return group ? `${resource}.${group}` : resource;
}

export const storageVersionMigrationTable: TableDef = {
  columns: [nameColumn, col('Resource')],
  row: (o) => [name(o), migratedResource(o)],
};
