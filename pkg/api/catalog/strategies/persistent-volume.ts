// core/v1 persistentvolumes and persistentvolumeclaims.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, forbidden, index, invalid, invalidEach, key, notSupported, required } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { asArray, asObject, asString, clone, semanticEqual, type JsonRecord } from '../../validation/json';
import { isDNS1123Subdomain, nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { compareQuantities, formatQuantity, toQuantity } from '../../validation/quantity';
import { canonicalizeResourceList, validateResourceList } from '../../validation/resources';
import { presentSources } from '../../validation/volumes';
import { defaultPersistentVolumeClaimSpec } from '../defaults/pod-defaults';
import { metaValidator, preserveStatus, specOf, statusStrategy } from './common';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'] as const;
export const PV_PHASES = ['Pending', 'Available', 'Bound', 'Released', 'Failed'] as const;
export const PVC_PHASES = ['Pending', 'Bound', 'Lost'] as const;

/** PersistentVolumeSource fields. */
export const PV_SOURCES = [
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'hostPath',
  'glusterfs',
  'nfs',
  'rbd',
  'iscsi',
  'cinder',
  'cephfs',
  'fc',
  'flocker',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'local',
  'storageos',
  'csi',
] as const;

function validateAccessModes(modes: unknown, path: string, requiredDetail?: string): FieldError[] {
  const list = asArray(modes) ?? [];
  if (list.length === 0) return [required(path, requiredDetail)];
  const errs: FieldError[] = [];
  for (const m of list) if (!(ACCESS_MODES as readonly unknown[]).includes(m)) errs.push(notSupported(path, m, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.length > 1) errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validatePV(obj: KubeObject): FieldError[] {
  const errs = metaValidator(false, nameIsDNSSubdomain)(obj);
  const spec = asObject(obj.spec) ?? {};
  errs.push(...validateAccessModes(spec.accessModes, 'spec.accessModes'));
  const capacity = asObject(spec.capacity);
  if (!capacity || Object.keys(capacity).length === 0) errs.push(required('spec.capacity'));
  else {
    for (const k of Object.keys(capacity)) if (k !== 'storage') errs.push(notSupported(key('spec.capacity', k), k, ['storage']));
    errs.push(...validateResourceList(capacity, 'spec.capacity').errors);
  }
  const sources = presentSources(spec, PV_SOURCES);
  if (sources.length === 0) errs.push(required('spec', 'must specify a volume type'));
  for (const extra of sources.slice(1)) errs.push(forbidden(child('spec', extra), 'may not specify more than 1 volume type'));
  if (sources[0] === 'hostPath' && !asString(asObject(spec.hostPath)?.path)) errs.push(required('spec.hostPath.path'));
  if (sources[0] === 'local') {
    if (!asString(asObject(spec.local)?.path)) errs.push(required('spec.local.path'));
    if (!asObject(spec.nodeAffinity)) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  errs.push(...validateEnum(spec.persistentVolumeReclaimPolicy, ['Delete', 'Recycle', 'Retain'], 'spec.persistentVolumeReclaimPolicy'));
  errs.push(...validateEnum(spec.volumeMode, ['Block', 'Filesystem'], 'spec.volumeMode'));
  const sc = asString(spec.storageClassName);
  if (sc) errs.push(...invalidEach('spec.storageClassName', sc, isDNS1123Subdomain(sc)));
  return errs;
}

function validatePVUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const spec = asObject(obj.spec) ?? {};
  const oldSpec = asObject(old.spec) ?? {};
  const pick = (s: JsonRecord) => Object.fromEntries(PV_SOURCES.map((k) => [k, s[k]]));
  if (!semanticEqual(pick(spec), pick(oldSpec))) errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  if (!semanticEqual(spec.volumeMode, oldSpec.volumeMode)) errs.push(invalid('spec.volumeMode', spec.volumeMode ?? null, 'field is immutable'));
  if (asObject(oldSpec.nodeAffinity) && !semanticEqual(spec.nodeAffinity, oldSpec.nodeAffinity)) {
    errs.push(invalid('spec.nodeAffinity', spec.nodeAffinity ?? null, 'field is immutable'));
  }
  return errs;
}

export const persistentVolumeStrategy: Strategy = Object.freeze({
  defaults(obj: KubeObject) {
    const spec = specOf(obj);
    if (!asString(spec.persistentVolumeReclaimPolicy)) spec.persistentVolumeReclaimPolicy = 'Retain';
    if (!asString(spec.volumeMode)) spec.volumeMode = 'Filesystem';
    canonicalizeResourceList(spec.capacity);
    const status = asObject(obj.status) ?? {};
    if (!asString(status.phase)) status.phase = 'Pending';
    obj.status = status;
  },
  prepareForCreate(obj: KubeObject) {
    obj.status = { phase: 'Pending' };
  },
  prepareForUpdate: preserveStatus,
  validate: validatePV,
  validateUpdate: validatePVUpdate,
});

export const persistentVolumeStatusStrategy: Strategy = statusStrategy({
  validateStatus: (obj) => validateEnum(asObject(obj.status)?.phase, PV_PHASES, 'status.phase'),
});

/** A PersistentVolumeClaimSpec at `path` (claims, StatefulSet volumeClaimTemplates, ephemeral volumes). */
export function validatePVCSpec(specValue: unknown, path: string): FieldError[] {
  const spec = asObject(specValue) ?? {};
  const errs = validateAccessModes(spec.accessModes, child(path, 'accessModes'), 'at least 1 access mode is required');
  const resources = asObject(spec.resources) ?? {};
  const requests = asObject(resources.requests) ?? {};
  if (requests.storage === undefined) errs.push(required(key(child(path, 'resources'), 'storage')));
  else {
    const q = toQuantity(requests.storage);
    if (q && q.nanos <= 0n) errs.push(invalid(key(child(path, 'resources'), 'storage'), formatQuantity(q), 'must be greater than zero'));
  }
  errs.push(...validateResourceList(requests, child(path, 'resources', 'requests')).errors);
  errs.push(...validateResourceList(resources.limits, child(path, 'resources', 'limits')).errors);
  const sc = asString(spec.storageClassName);
  if (sc) errs.push(...invalidEach(child(path, 'storageClassName'), sc, isDNS1123Subdomain(sc)));
  errs.push(...validateEnum(spec.volumeMode, ['Block', 'Filesystem'], child(path, 'volumeMode')));
  return errs;
}

function validatePVCUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const spec = clone(asObject(obj.spec) ?? {});
  const oldSpec = clone(asObject(old.spec) ?? {});
  const bound = asObject(old.status)?.phase === 'Bound';
  // Binding fills volumeName once; bound claims may grow their storage request or change the attributes class.
  if (!asString(oldSpec.volumeName)) oldSpec.volumeName = spec.volumeName;
  // Retroactive default class assignment: a claim created without a class may get one.
  if (oldSpec.storageClassName === undefined && !asString(oldSpec.volumeName)) oldSpec.storageClassName = spec.storageClassName;
  if (bound) {
    const newReq = asObject(asObject(spec.resources)?.requests) ?? {};
    const oldRes = asObject(oldSpec.resources) ?? {};
    const capacity = toQuantity(asObject(asObject(old.status)?.capacity)?.storage);
    const wanted = toQuantity(newReq.storage);
    const before = toQuantity(asObject(oldRes.requests)?.storage);
    const changed = !(wanted && before && compareQuantities(wanted, before) === 0);
    if (changed && capacity && wanted && compareQuantities(wanted, capacity) < 0) {
      errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
    }
    oldSpec.resources = { ...oldRes, requests: newReq };
    oldSpec.volumeAttributesClassName = spec.volumeAttributesClassName;
  }
  if (!semanticEqual(spec, oldSpec)) {
    errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  return errs;
}

export const persistentVolumeClaimStrategy: Strategy = Object.freeze({
  defaults(obj: KubeObject) {
    defaultPersistentVolumeClaimSpec(specOf(obj));
    const status = asObject(obj.status) ?? {};
    if (!asString(status.phase)) status.phase = 'Pending';
    canonicalizeResourceList(status.capacity);
    obj.status = status;
  },
  prepareForCreate(obj: KubeObject) {
    obj.status = { phase: 'Pending' };
  },
  prepareForUpdate: preserveStatus,
  validate: (obj: KubeObject) => [...metaValidator(true, nameIsDNSSubdomain)(obj), ...validatePVCSpec(obj.spec, 'spec')],
  validateUpdate: validatePVCUpdate,
});

export const persistentVolumeClaimStatusStrategy: Strategy = statusStrategy({
  validateStatus(obj) {
    const status = asObject(obj.status) ?? {};
    const errs = validateEnum(status.phase, PVC_PHASES, 'status.phase');
    errs.push(...validateResourceList(status.capacity, 'status.capacity').errors);
    (asArray(status.accessModes) ?? []).forEach((m, i) => errs.push(...validateEnum(m, ACCESS_MODES, index('status.accessModes', i))));
    return errs;
  },
});
