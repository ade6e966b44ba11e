// The volume objects the scheduler reads for VolumeBinding (not among the client's shared refs).
import type { ResourceRef } from '../client/resource-ref';

const ref = (group: string, version: string, resource: string, kind: string, namespaced: boolean): ResourceRef => Object.freeze({ group, version, resource, kind, namespaced });

export const VOLUME_RESOURCES = Object.freeze({
  claims: ref('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true),
  volumes: ref('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
  storageClasses: ref('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false),
});
