// Server-side apply (PATCH `application/apply-patch+yaml`): merge an applied configuration into
// the live object, record what the applier owns in managedFields, drop what it stopped applying
// (unless someone else owns it), and refuse to change fields other managers own (409) unless forced.
import type { Json, JsonObject } from '../types';
import { isJson, isJsonObject, jsonEqual } from '../patch/json-value';
import type { PatchSchema } from '../patch/patch-schema';
import { ApplyConflictError, ApplyError, type FieldConflict } from './errors';
import { FieldSet } from './field-set';
import { formatTime, managerKey, sameExceptTimes, type ManagedEntry } from './managed-fields';
import { mergeApplied, pruneUnowned } from './merge-applied';
import {
  dropEmpty,
  encode,
  managedFieldsOf,
  managersOf,
  resetFieldSet,
  setManagedFields,
  strippedFields,
  withoutManagedFields,
} from './ownership';
import { goJson } from './path-element';
import { compareValues, fieldSetOf } from './typed-value';
import { recordUpdate } from './update-managed-fields';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const BEFORE_FIRST_APPLY = 'before-first-apply';
const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

export interface ApplyRequest {
  /** The stored object; undefined when the apply creates it. */
  readonly live: JsonObject | undefined;
  /** The parsed request body (YAML or JSON). */
  readonly config: unknown;
  /** Patch metadata of the kind; undefined for kinds without one (everything granular/atomic by shape). */
  readonly schema: PatchSchema | undefined;
  /** `fieldManager` (required for apply). */
  readonly manager: string;
  /** Group/version of the request, e.g. `apps/v1` or `v1`; the configuration must say the same. */
  readonly apiVersion: string;
  readonly kind: string;
  readonly force?: boolean;
  readonly subresource?: string;
  readonly now: Date;
  /** Paths whose ownership is neither recorded nor checked: the strategy's reset fields (`[['status']]`). */
  readonly resetFields?: readonly (readonly string[])[];
}

/**
 * The object after applying `req.config`, with managedFields updated. Defaults, validation and
 * system metadata (uid, creationTimestamp…) are the caller's: run them on the result as for an update.
 * Throws ApplyConflictError (409) and ApplyError ('bad-request' 400, 'invalid' 422).
 */
export function serverSideApply(req: ApplyRequest): JsonObject {
  const config = checkConfig(req);
  const managers = managersOf(req.live);
  const live = req.live ? withoutManagedFields(req.live) : {};
  if (req.live && managers.size === 0) {
    // An object nobody tracked yet: its current fields belong to "before-first-apply", so the
    // first apply conflicts where it changes them (upstream's rule).
    const before = { manager: BEFORE_FIRST_APPLY, operation: 'Update' as const, apiVersion: req.apiVersion };
    recordUpdate(managers, {}, live, before, req.now, req.schema, req.resetFields);
  }
  const reset = resetFieldSet(req.resetFields);
  const appliedSet = fieldSetOf(config, req.schema, true).recursiveDifference(reset);

  const me = { manager: req.manager, operation: 'Apply' as const, apiVersion: req.apiVersion, ...(req.subresource ? { subresource: req.subresource } : {}) };
  const myKey = managerKey(me);
  const lastSet = managers.get(myKey)?.set;
  managers.set(myKey, { ...me, set: appliedSet });

  let merged = mergeApplied(live, config, req.schema) as JsonObject;
  if (lastSet && !lastSet.isEmpty()) {
    const owned = [...managers.values()].reduce((acc, m) => acc.union(m.set), new FieldSet());
    merged = pruneUnowned(merged, lastSet, owned, req.schema) as JsonObject;
  }

  const cmp = compareValues(live, merged, req.schema);
  const changed = cmp.added.union(cmp.modified).recursiveDifference(reset);
  const removed = cmp.removed.recursiveDifference(reset);
  const conflicts = new Map<string, FieldSet>();
  for (const [key, m] of managers) {
    if (key === myKey) continue;
    const c = m.set.intersection(changed);
    if (!c.isEmpty()) conflicts.set(key, c);
  }
  if (conflicts.size > 0 && !req.force) {
    const allowed = req.manager === 'kubectl' ? allowedByLastApplied(req, live) : undefined;
    const refused = conflictList(conflicts, managers, allowed);
    if (refused.length > 0) throw new ApplyConflictError(refused);
  }
  for (const [key, m] of managers) {
    if (key === myKey) continue;
    managers.set(key, { ...m, set: m.set.difference(conflicts.get(key) ?? new FieldSet()).difference(removed) });
  }
  managers.set(myKey, { ...me, time: formatTime(req.now), set: appliedSet.difference(strippedFields()) });
  dropEmpty(managers);

  if (req.manager === 'kubectl') syncLastApplied(merged, config);
  const list = encode(managers);
  const before = managedFieldsOf(req.live);
  const unchanged = req.live && jsonEqual(live, merged) && sameExceptTimes(list, Array.isArray(before) ? before : undefined);
  setManagedFields(merged, unchanged ? (before as Json[]) : list);
  return merged;
}

function checkConfig(req: ApplyRequest): JsonObject {
  if (!req.manager) throw new ApplyError('invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  const config = req.config;
  if (!isJson(config) || !isJsonObject(config)) throw new ApplyError('bad-request', 'error decoding YAML: the applied configuration must be a JSON-compatible object');
  if (config.apiVersion !== req.apiVersion) {
    throw new ApplyError('bad-request', `Incorrect version specified in apply patch. Specified patch version: ${String(config.apiVersion ?? '')}, expected: ${req.apiVersion}`);
  }
  if (config.kind !== req.kind) {
    throw new ApplyError('bad-request', `Incorrect kind specified in apply patch. Specified patch kind: ${String(config.kind ?? '')}, expected: ${req.kind}`);
  }
  const meta = config.metadata;
  if (meta !== undefined && meta !== null && !isJsonObject(meta)) throw new ApplyError('bad-request', 'metadata must be an object');
  if (isJsonObject(meta) && meta.managedFields !== undefined && meta.managedFields !== null) {
    throw new ApplyError('bad-request', 'metadata.managedFields must be nil');
  }
  return config;
}

function conflictList(conflicts: Map<string, FieldSet>, managers: Map<string, ManagedEntry>, allowed: FieldSet | undefined): FieldConflict[] {
  const out: FieldConflict[] = [];
  for (const key of [...conflicts.keys()].sort()) {
    const m = managers.get(key) as ManagedEntry;
    const who = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion, ...(m.subresource ? { subresource: m.subresource } : {}) };
    for (const path of (conflicts.get(key) as FieldSet).paths()) {
      if (!allowed?.has(path)) out.push({ with: who, path });
    }
  }
  return out;
}

/**
 * Conflicts kubectl's server-side apply may override when upgrading from client-side apply: fields
 * of the last-applied-configuration annotation whose live value still equals the annotation's.
 */
function allowedByLastApplied(req: ApplyRequest, live: JsonObject): FieldSet | undefined {
  const annotations = isJsonObject(live.metadata) ? live.metadata.annotations : undefined;
  const text = isJsonObject(annotations) ? annotations[LAST_APPLIED_ANNOTATION] : undefined;
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    const last: unknown = JSON.parse(text);
    if (!isJsonObject(last) || last.apiVersion !== req.apiVersion) return undefined;
    const cmp = compareValues(last, live, req.schema);
    return fieldSetOf(last, req.schema).difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
  } catch {
    return undefined;
  }
}

/** kubectl's applies keep an existing last-applied annotation in step with the applied configuration. */
function syncLastApplied(obj: JsonObject, config: JsonObject): void {
  const meta = obj.metadata;
  if (!isJsonObject(meta) || !isJsonObject(meta.annotations)) return;
  const annotations = meta.annotations;
  if (typeof annotations[LAST_APPLIED_ANNOTATION] !== 'string' || annotations[LAST_APPLIED_ANNOTATION] === '') return;
  const applied = structuredClone(config);
  if (isJsonObject(applied.metadata) && isJsonObject(applied.metadata.annotations)) delete applied.metadata.annotations[LAST_APPLIED_ANNOTATION];
  annotations[LAST_APPLIED_ANNOTATION] = `${goJson(applied)}\n`;
  const size = Object.entries(annotations).reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? v.length : 0), 0);
  if (size > ANNOTATIONS_SIZE_LIMIT) delete annotations[LAST_APPLIED_ANNOTATION];
}
