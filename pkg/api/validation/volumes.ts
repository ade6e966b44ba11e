// Pod volumes: unique DNS-label names, exactly one source, and the required parts of the common
// sources (hostPath, secret, configMap, PVC, projected, downwardAPI, emptyDir, nfs, csi, image).
import type { FieldError } from '../types';
import { child, duplicate, forbidden, index, invalid, invalidEach, required } from './errors';
import { validateEnum } from './fields';
import { asObject, asString, objectsOf, type JsonRecord } from './json';
import { isConfigMapKey, isDNS1123Label, isDNS1123Subdomain } from './names';
import { validateLocalPath } from './containers';
import { QUANTITY_FORMAT_MESSAGE, toQuantity } from './quantity';

/** Every volume source field of core/v1 VolumeSource, in upstream's declaration order. */
export const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
] as const;

export const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'] as const;

/** Which of `sources` are set on `obj` (objects only). */
export function presentSources(obj: JsonRecord, sources: readonly string[]): string[] {
  return sources.filter((s) => asObject(obj[s]) !== undefined);
}

/** Validates the volumes and returns their names (for volumeMounts). */
export function validateVolumes(volumes: unknown, path: string): { errors: FieldError[]; names: Set<string> } {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  for (const [vol, i] of objectsOf(volumes)) {
    const p = index(path, i);
    const name = asString(vol.name) ?? '';
    if (name === '') errors.push(required(child(p, 'name')));
    else errors.push(...invalidEach(child(p, 'name'), name, isDNS1123Label(name)));
    if (name !== '' && names.has(name)) errors.push(duplicate(child(p, 'name'), name));
    names.add(name);
    errors.push(...validateVolumeSource(vol, p));
  }
  return { errors, names };
}

export function validateVolumeSource(vol: JsonRecord, path: string): FieldError[] {
  const present = presentSources(vol, VOLUME_SOURCES);
  if (present.length === 0) return [required(path, 'must specify a volume type')];
  const errs: FieldError[] = present.slice(1).map((s) => forbidden(child(path, s), 'may not specify more than 1 volume type'));
  const kind = present[0]!;
  const src = asObject(vol[kind])!;
  const p = child(path, kind);
  switch (kind) {
    case 'hostPath':
      if (!asString(src.path)) errs.push(required(child(p, 'path')));
      errs.push(...validateEnum(src.type, HOST_PATH_TYPES.filter((t) => t !== ''), child(p, 'type')));
      break;
    case 'emptyDir': {
      const medium = asString(src.medium) ?? '';
      if (medium !== '' && medium !== 'Memory' && !medium.startsWith('HugePages')) {
        errs.push(invalid(child(p, 'medium'), medium, 'must be one of "", "Memory", "HugePages" or "HugePages-<size>"'));
      }
      if (src.sizeLimit !== undefined && src.sizeLimit !== null && !toQuantity(src.sizeLimit)) {
        errs.push(invalid(child(p, 'sizeLimit'), src.sizeLimit, QUANTITY_FORMAT_MESSAGE));
      }
      break;
    }
    case 'secret':
      if (!asString(src.secretName)) errs.push(required(child(p, 'secretName')));
      errs.push(...validateMode(src.defaultMode, child(p, 'defaultMode')), ...validateKeyToPaths(src.items, child(p, 'items')));
      break;
    case 'configMap':
      if (!asString(src.name)) errs.push(required(child(p, 'name')));
      errs.push(...validateMode(src.defaultMode, child(p, 'defaultMode')), ...validateKeyToPaths(src.items, child(p, 'items')));
      break;
    case 'persistentVolumeClaim':
      if (!asString(src.claimName)) errs.push(required(child(p, 'claimName')));
      break;
    case 'downwardAPI':
      errs.push(...validateMode(src.defaultMode, child(p, 'defaultMode')), ...validateDownwardItems(src.items, child(p, 'items')));
      break;
    case 'projected':
      errs.push(...validateMode(src.defaultMode, child(p, 'defaultMode')), ...validateProjections(src.sources, child(p, 'sources')));
      break;
    case 'nfs':
      if (!asString(src.server)) errs.push(required(child(p, 'server')));
      if (!asString(src.path)) errs.push(required(child(p, 'path')));
      else if (!asString(src.path)!.startsWith('/')) errs.push(invalid(child(p, 'path'), src.path, 'must be an absolute path'));
      break;
    case 'csi':
      if (!asString(src.driver)) errs.push(required(child(p, 'driver')));
      else errs.push(...invalidEach(child(p, 'driver'), src.driver, isDNS1123Subdomain(asString(src.driver)!.toLowerCase())));
      break;
    case 'ephemeral':
      if (!asObject(src.volumeClaimTemplate)) errs.push(required(child(p, 'volumeClaimTemplate')));
      break;
    case 'image':
      if (!asString(src.reference)) errs.push(required(child(p, 'reference')));
      errs.push(...validateEnum(src.pullPolicy, ['Always', 'IfNotPresent', 'Never'], child(p, 'pullPolicy')));
      break;
    default:
      break;
  }
  return errs;
}

function validateMode(mode: unknown, path: string): FieldError[] {
  if (mode === undefined || mode === null) return [];
  if (typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode <= 0o777) return [];
  return [invalid(path, mode, 'must be a number between 0 and 0777 (octal), both inclusive')];
}

function validateKeyToPaths(items: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [item, i] of objectsOf(items)) {
    const p = index(path, i);
    const k = asString(item.key) ?? '';
    if (k === '') errs.push(required(child(p, 'key')));
    else errs.push(...invalidEach(child(p, 'key'), k, isConfigMapKey(k)));
    const rel = asString(item.path) ?? '';
    if (rel === '') errs.push(required(child(p, 'path')));
    else errs.push(...validateLocalPath(rel, child(p, 'path')));
    errs.push(...validateMode(item.mode, child(p, 'mode')));
  }
  return errs;
}

function validateDownwardItems(items: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [item, i] of objectsOf(items)) {
    const p = index(path, i);
    const rel = asString(item.path) ?? '';
    if (rel === '') errs.push(required(child(p, 'path')));
    else errs.push(...validateLocalPath(rel, child(p, 'path')));
    const refs = ['fieldRef', 'resourceFieldRef'].filter((r) => asObject(item[r]));
    if (refs.length !== 1) errs.push(invalid(p, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    errs.push(...validateMode(item.mode, child(p, 'mode')));
  }
  return errs;
}

const PROJECTIONS = ['secret', 'downwardAPI', 'configMap', 'serviceAccountToken', 'clusterTrustBundle', 'podCertificate'] as const;

function validateProjections(sources: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [src, i] of objectsOf(sources)) {
    const p = index(path, i);
    const present = presentSources(src, PROJECTIONS);
    if (present.length === 0) errs.push(required(p, 'must specify exactly one projection type'));
    for (const extra of present.slice(1)) errs.push(forbidden(child(p, extra), 'may not specify more than 1 volume type per source'));
    const sat = asObject(src.serviceAccountToken);
    if (sat) {
      const sp = child(p, 'serviceAccountToken');
      if (!asString(sat.path)) errs.push(required(child(sp, 'path')));
      const exp = sat.expirationSeconds;
      if (typeof exp === 'number') {
        if (exp < 600) errs.push(invalid(child(sp, 'expirationSeconds'), exp, 'may not specify a duration less than 10 minutes'));
        else if (exp > 2 ** 32) errs.push(invalid(child(sp, 'expirationSeconds'), exp, 'may not specify a duration larger than 2^32 seconds'));
      }
    }
    const secret = asObject(src.secret);
    if (secret) errs.push(...validateKeyToPaths(secret.items, child(p, 'secret', 'items')));
    const cm = asObject(src.configMap);
    if (cm) errs.push(...validateKeyToPaths(cm.items, child(p, 'configMap', 'items')));
    const dapi = asObject(src.downwardAPI);
    if (dapi) errs.push(...validateDownwardItems(dapi.items, child(p, 'downwardAPI', 'items')));
  }
  return errs;
}
