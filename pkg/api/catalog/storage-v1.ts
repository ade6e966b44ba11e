// storage.k8s.io/v1.
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import {
  csiDriverStrategy,
  csiNodeStrategy,
  csiStorageCapacityStrategy,
  storageClassStrategy,
  volumeAttachmentStatusStrategy,
  volumeAttachmentStrategy,
  volumeAttributesClassStrategy,
} from './strategies/storage';

const group = 'storage.k8s.io';
const version = 'v1';

export const storageV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group, version, kind: 'CSIDriver', resource: 'csidrivers', singular: 'csidriver', namespaced: false, strategy: csiDriverStrategy }),
  defineResource({ group, version, kind: 'CSINode', resource: 'csinodes', singular: 'csinode', namespaced: false, strategy: csiNodeStrategy }),
  defineResource({ group, version, kind: 'CSIStorageCapacity', resource: 'csistoragecapacities', singular: 'csistoragecapacity', namespaced: true, strategy: csiStorageCapacityStrategy }),
  defineResource({ group, version, kind: 'StorageClass', resource: 'storageclasses', singular: 'storageclass', namespaced: false, shortNames: ['sc'], strategy: storageClassStrategy }),
  defineResource({
    group,
    version,
    kind: 'VolumeAttachment',
    resource: 'volumeattachments',
    singular: 'volumeattachment',
    namespaced: false,
    strategy: volumeAttachmentStrategy,
    subresources: [statusSubresource('VolumeAttachment', volumeAttachmentStatusStrategy)],
  }),
  defineResource({ group, version, kind: 'VolumeAttributesClass', resource: 'volumeattributesclasses', singular: 'volumeattributesclass', namespaced: false, shortNames: ['vac'], strategy: volumeAttributesClassStrategy }),
]);
