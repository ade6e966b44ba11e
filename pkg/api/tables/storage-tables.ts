// Persistent volumes, claims (core/v1) and storage classes (storage.k8s.io/v1).
import type { TableDef } from '../resource-def';
import type { KubeObject } from '../types';
import { age, ageColumn, col, isDeleting, list, name, nameColumn, quantity, record, str, wide } from './internal/read';

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const DEFAULT_CLASS_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];

/** Access modes abbreviated in upstream's fixed order: RWO, ROX, RWX, RWOP. */
export function accessModes(modes: unknown[]): string {
  const has = new Set(modes);
  const order: [string, string][] = [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ];
  return order.filter(([mode]) => has.has(mode)).map(([, short]) => short).join(',');
}

function annotation(obj: KubeObject, key: string): string | undefined {
  const annotations = obj.metadata?.annotations;
  return annotations !== undefined && Object.prototype.hasOwnProperty.call(annotations, key) ? annotations[key] : undefined;
}

function unsetIfEmpty(v: string): string {
  return v === '' ? '<unset>' : v;
}

export const persistentVolumeTable: TableDef = {
  columns: [
    nameColumn,
    col('Capacity'),
    col('Access Modes'),
    col('Reclaim Policy'),
    col('Status'),
    col('Claim'),
    col('StorageClass'),
    col('VolumeAttributesClass'),
    col('Reason'),
    ageColumn,
    wide('VolumeMode'),
  ],
  row: (o, now) => {
    const claimRef = record(o, 'spec').claimRef;
    return [
      name(o),
      quantity(o, 'spec', 'capacity', 'storage'),
      accessModes(list(o, 'spec', 'accessModes')),
      str(o, 'spec', 'persistentVolumeReclaimPolicy'),
      isDeleting(o) ? 'Terminating' : str(o, 'status', 'phase'),
      claimRef === undefined || claimRef === null ? '' : `${str(claimRef, 'namespace')}/${str(claimRef, 'name')}`,
      annotation(o, BETA_STORAGE_CLASS_ANNOTATION) ?? str(o, 'spec', 'storageClassName'),
      unsetIfEmpty(str(o, 'spec', 'volumeAttributesClassName')),
      str(o, 'status', 'reason'),
      age(o, now),
      unsetIfEmpty(str(o, 'spec', 'volumeMode')),
    ];
  },
};

export const persistentVolumeClaimTable: TableDef = {
  columns: [
    nameColumn,
    col('Status'),
    col('Volume'),
    col('Capacity'),
    col('Access Modes'),
    col('StorageClass'),
    col('VolumeAttributesClass'),
    ageColumn,
    wide('VolumeMode'),
  ],
  row: (o, now) => {
    const bound = str(o, 'spec', 'volumeName') !== '';
    return [
      name(o),
      isDeleting(o) ? 'Terminating' : str(o, 'status', 'phase'),
      str(o, 'spec', 'volumeName'),
      bound ? quantity(o, 'status', 'capacity', 'storage') : '',
      bound ? accessModes(list(o, 'status', 'accessModes')) : '',
      annotation(o, BETA_STORAGE_CLASS_ANNOTATION) ?? str(o, 'spec', 'storageClassName'),
      unsetIfEmpty(str(o, 'spec', 'volumeAttributesClassName')),
      age(o, now),
      unsetIfEmpty(str(o, 'spec', 'volumeMode')),
    ];
  },
};

export const storageClassTable: TableDef = {
  columns: [nameColumn, col('Provisioner'), col('ReclaimPolicy'), col('VolumeBindingMode'), col('AllowVolumeExpansion'), ageColumn],
  row: (o, now) => {
    const isDefault = DEFAULT_CLASS_ANNOTATIONS.some((k) => annotation(o, k) === 'true');
    return [
      isDefault ? `${name(o)} (default)` : name(o),
      str(o, 'provisioner'),
      str(o, 'reclaimPolicy') || 'Delete',
      str(o, 'volumeBindingMode') || 'Immediate',
      record(o).allowVolumeExpansion === true,
      age(o, now),
    ];
  },
};
