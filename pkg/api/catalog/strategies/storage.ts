// storage.k8s.io/v1: storage classes, CSI drivers and nodes, volume attachments, storage capacity
// and volume attributes classes. Facts from upstream: a class's provisioner, parameters and
// reclaim policy never change; reclaimPolicy defaults to Delete and volumeBindingMode to
// Immediate; CSIDriver defaults attachRequired true, podInfoOnMount false, fsGroupPolicy
// ReadWriteOnceWithFSType and volumeLifecycleModes [Persistent]; a VolumeAttachment's spec is
// immutable and names exactly one source.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, duplicate, index, invalid, invalidEach, required } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { asArray, asObject, asString, objectsOf } from '../../validation/json';
import { validateLabelSelector } from '../../validation/labels';
import { isDNS1123Subdomain, isQualifiedName } from '../../validation/names';
import { isQuantity } from '../../validation/quantity';
import { specOf } from './common';
import { declarativeStatusStrategy, declarativeStrategy } from './declarative';

export const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const RECLAIM_POLICIES = ['Delete', 'Retain'] as const;
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'] as const;
const FS_GROUP_POLICIES = ['None', 'File', 'ReadWriteOnceWithFSType'] as const;
const LIFECYCLE_MODES = ['Persistent', 'Ephemeral'] as const;

function validateProvisioner(value: unknown, path: string): FieldError[] {
  const s = asString(value) ?? '';
  if (s === '') return [required(path)];
  return invalidEach(path, s, isQualifiedName(s.toLowerCase()));
}

export const storageClassStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  defaults(obj) {
    if (obj.reclaimPolicy === undefined || obj.reclaimPolicy === null) obj.reclaimPolicy = 'Delete';
    if (obj.volumeBindingMode === undefined || obj.volumeBindingMode === null) obj.volumeBindingMode = 'Immediate';
  },
  enums: { reclaimPolicy: RECLAIM_POLICIES, volumeBindingMode: BINDING_MODES },
  validate: (obj) => validateProvisioner(obj.provisioner, 'provisioner'),
  forbiddenUpdates: { parameters: 'updates to parameters are forbidden.', provisioner: 'updates to provisioner are forbidden.', reclaimPolicy: 'updates to reclaimPolicy are forbidden.' },
  immutable: ['volumeBindingMode'],
});

function csiDriverDefaults(obj: KubeObject): void {
  const spec = specOf(obj);
  if (spec.attachRequired === undefined) spec.attachRequired = true;
  if (spec.podInfoOnMount === undefined) spec.podInfoOnMount = false;
  if (spec.storageCapacity === undefined) spec.storageCapacity = false;
  if (spec.fsGroupPolicy === undefined) spec.fsGroupPolicy = 'ReadWriteOnceWithFSType';
  if (spec.volumeLifecycleModes === undefined || (Array.isArray(spec.volumeLifecycleModes) && spec.volumeLifecycleModes.length === 0)) spec.volumeLifecycleModes = ['Persistent'];
  if (spec.requiresRepublish === undefined) spec.requiresRepublish = false;
  if (spec.seLinuxMount === undefined) spec.seLinuxMount = false;
}

function validateCsiDriverSpec(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs: FieldError[] = [];
  (asArray(spec.volumeLifecycleModes) ?? []).forEach((m, i) => errs.push(...validateEnum(m, LIFECYCLE_MODES, index('spec.volumeLifecycleModes', i))));
  const audiences = new Set<string>();
  for (const [t, i] of objectsOf(spec.tokenRequests)) {
    const a = asString(t.audience) ?? '';
    if (audiences.has(a)) errs.push(duplicate(child(index('spec.tokenRequests', i), 'audience'), a));
    audiences.add(a);
    if (typeof t.expirationSeconds === 'number' && t.expirationSeconds < 600) errs.push(invalid(child(index('spec.tokenRequests', i), 'expirationSeconds'), t.expirationSeconds, 'may not specify a duration less than 10 minutes'));
  }
  return errs;
}

export const csiDriverStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  defaults: csiDriverDefaults,
  required: ['spec'],
  enums: { 'spec.fsGroupPolicy': FS_GROUP_POLICIES },
  validate: validateCsiDriverSpec,
  immutable: ['spec.attachRequired', 'spec.fsGroupPolicy'],
});

function validateCsiNode(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const [d, i] of objectsOf(asObject(obj.spec)?.drivers)) {
    const p = index('spec.drivers', i);
    const name = asString(d.name) ?? '';
    if (name === '') errs.push(required(child(p, 'name')));
    else if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    names.add(name);
    if ((asString(d.nodeID) ?? '') === '') errs.push(required(child(p, 'nodeID')));
  }
  return errs;
}

export const csiNodeStrategy: Strategy = declarativeStrategy({ namespaced: false, validate: validateCsiNode });

function validateVolumeAttachmentSpec(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asObject(obj.spec) ?? {};
  errs.push(...validateProvisioner(spec.attacher, 'spec.attacher'));
  const source = asObject(spec.source) ?? {};
  const set = ['persistentVolumeName', 'inlineVolumeSpec'].filter((k) => source[k] !== undefined && source[k] !== null && source[k] !== '');
  if (set.length !== 1) errs.push(required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  return errs;
}

export const volumeAttachmentStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  required: ['spec.nodeName'],
  validate: validateVolumeAttachmentSpec,
  immutable: ['spec'],
  hasStatus: true,
});
export const volumeAttachmentStatusStrategy: Strategy = declarativeStatusStrategy();

function validateCapacity(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const sc = asString(obj.storageClassName) ?? '';
  if (sc === '') errs.push(required('storageClassName'));
  else errs.push(...invalidEach('storageClassName', sc, isDNS1123Subdomain(sc)));
  if (obj.nodeTopology !== undefined && obj.nodeTopology !== null) errs.push(...validateLabelSelector(obj.nodeTopology, 'nodeTopology'));
  for (const f of ['capacity', 'maximumVolumeSize']) {
    const q = obj[f];
    if (q !== undefined && q !== null && !isQuantity(q)) errs.push(invalid(f, q, 'must be a quantity'));
  }
  return errs;
}

export const csiStorageCapacityStrategy: Strategy = declarativeStrategy({
  namespaced: true,
  validate: validateCapacity,
  immutable: ['storageClassName', 'nodeTopology'],
});

export const volumeAttributesClassStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  validate: (obj) => validateProvisioner(obj.driverName, 'driverName'),
  forbiddenUpdates: { parameters: 'updates to parameters are forbidden.' },
  immutable: ['driverName'],
});
