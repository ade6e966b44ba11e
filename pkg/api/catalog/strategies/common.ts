// Pieces most strategies share: object-meta validation per name rule, status reset/preserve, and
// the generic `<resource>/status` strategy.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../validation/object-meta';
import { asObject, clone, type JsonRecord } from '../../validation/json';
import type { NameValidator } from '../../validation/names';
import { validateNonNegative } from '../../validation/fields';

export type Validate = (obj: KubeObject) => FieldError[];
export type ValidateUpdate = (obj: KubeObject, old: KubeObject) => FieldError[];

/** A validator for metadata under one resource's name rule and scope. */
export function metaValidator(namespaced: boolean, name: NameValidator): Validate {
  return (obj) => validateObjectMeta(obj.metadata, { namespaced, name });
}

export function metaUpdateValidator(): ValidateUpdate {
  return (obj, old) => validateObjectMetaUpdate(obj.metadata, old.metadata);
}

/** The object's `spec` as a record (created empty when absent or not an object). */
export function specOf(obj: KubeObject): JsonRecord {
  const s = asObject(obj.spec);
  if (s) return s;
  const created: JsonRecord = {};
  obj.spec = created;
  return created;
}

/** Replace `status` with a fresh value (what clients may not set on create). */
export function resetStatus(obj: KubeObject, initial: JsonRecord = {}): void {
  obj.status = initial;
}

/** Carry the old status over an update of the main resource. */
export function preserveStatus(obj: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = clone(old.status);
}

const STATUS_META_FROM_OLD = ['labels', 'annotations', 'finalizers', 'ownerReferences', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const;

/** Keep everything but `status` (and resourceVersion, and the metadata fields in `writable`) from the stored object. */
export function keepAllButStatus(obj: KubeObject, old: KubeObject, writable: readonly string[] = []): void {
  for (const k of Object.keys(obj)) if (!['apiVersion', 'kind', 'metadata', 'status'].includes(k)) delete obj[k];
  for (const [k, v] of Object.entries(old)) if (!['apiVersion', 'kind', 'metadata', 'status'].includes(k)) obj[k] = clone(v);
  const meta: Record<string, unknown> = obj.metadata;
  const oldMeta: Record<string, unknown> = old.metadata;
  for (const k of STATUS_META_FROM_OLD) {
    if (writable.includes(k)) continue;
    if (oldMeta[k] === undefined) delete meta[k];
    else meta[k] = clone(oldMeta[k]);
  }
}

export interface StatusStrategyOptions {
  /** Checks on the new status (counters non-negative…). */
  readonly validateStatus?: (obj: KubeObject, old: KubeObject) => FieldError[];
  /** Extra mutation after the spec was restored (e.g. defaults on status). */
  readonly prepare?: (obj: KubeObject, old: KubeObject) => void;
  /** Metadata fields a status write may change (deployments: annotations, where the revision lives). */
  readonly writableMetadata?: readonly string[];
}

/** `<resource>/status`: only status changes; metadata and spec come from the stored object. */
export function statusStrategy(opts: StatusStrategyOptions = {}): Strategy {
  return Object.freeze({
    prepareForUpdate(obj: KubeObject, old: KubeObject) {
      keepAllButStatus(obj, old, opts.writableMetadata);
      opts.prepare?.(obj, old);
    },
    validateUpdate(obj: KubeObject, old: KubeObject) {
      return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...(opts.validateStatus?.(obj, old) ?? [])];
    },
  });
}

/** Validates that the listed status counters are non-negative integers. */
export function nonNegativeStatusFields(fields: readonly string[]): (obj: KubeObject) => FieldError[] {
  return (obj) => {
    const errs: FieldError[] = [];
    const status = asObject(obj.status) ?? {};
    for (const f of fields) errs.push(...validateNonNegative(status[f], `status.${f}`));
    return errs;
  };
}
