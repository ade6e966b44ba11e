// Field ownership for ordinary writes (create, update, json/merge/strategic patch): the manager of
// the request becomes the owner of every field it added or changed, other managers lose those
// fields and the ones it removed. Never fails: on an object it cannot walk, managedFields stay as
// they were (upstream's UpdateNoErrors).
import type { JsonObject } from '../types';
import { isJsonObject } from '../patch/json-value';
import type { PatchSchema } from '../patch/patch-schema';
import { FieldSet } from './field-set';
import type { ConflictManager } from './errors';
import { decodeManagedFields, formatTime, managerKey, type ManagedEntry } from './managed-fields';
import {
  dropEmpty,
  encode,
  managedFieldsOf,
  managersOf,
  resetFieldSet,
  setManagedFields,
  strippedFields,
  withoutManagedFieldsShallow,
} from './ownership';
import { compareValues } from './typed-value';

/** Upstream keeps at most this many Update entries; older ones merge into `ancient-changes`. */
export const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';

export interface UpdateManagedFieldsOptions {
  readonly schema?: PatchSchema;
  readonly subresource?: string;
  /** Paths whose ownership is never recorded (the strategy's reset fields, e.g. `[['status']]`). */
  readonly resetFields?: readonly (readonly string[])[];
}

/**
 * A copy of `updated` whose managedFields record this write by `manager`. `old` is the stored
 * object (undefined on create). Call it on the object as it will be stored (after defaulting),
 * as upstream records defaulted fields as owned by the creator.
 */
export function updateManagedFields(
  old: JsonObject | undefined,
  updated: JsonObject,
  manager: string,
  operation: 'Update',
  apiVersion: string,
  now: Date,
  options: UpdateManagedFieldsOptions = {},
): JsonObject {
  // Shallow: `updated` is handed over by the caller, and the comparison only reads both objects.
  const result = withoutManagedFieldsShallow(updated);
  const managers = startingManagers(old, updated, options.subresource !== undefined && options.subresource !== '');
  // Like upstream, an existing object without managedFields is not tracked by ordinary writes
  // (its first apply hands all its fields to "before-first-apply").
  if (managers.size === 0 && old !== undefined) return result;
  try {
    const me = { manager, operation, apiVersion, ...(options.subresource ? { subresource: options.subresource } : {}) };
    recordUpdate(managers, old ? withoutManagedFieldsShallow(old) : {}, result, me, now, options.schema, options.resetFields);
  } catch {
    setManagedFields(result, (managedFieldsOf(old) as JsonObject[] | undefined) ?? undefined);
    return result;
  }
  setManagedFields(result, encode(managers));
  return result;
}

/**
 * Record in `managers` (modified) that `me` changed `before` into `after`: other managers lose the
 * fields added, changed or removed; `me` gains the fields added or changed, with time `now`.
 * Throws ApplyError when an object cannot be walked.
 */
export function recordUpdate(
  managers: Map<string, ManagedEntry>,
  before: JsonObject,
  after: JsonObject,
  me: ConflictManager,
  now: Date,
  schema: PatchSchema | undefined,
  resetFields: readonly (readonly string[])[] | undefined,
): void {
  const cmp = compareValues(before, after, schema);
  const reset = resetFieldSet(resetFields);
  const changed = cmp.added.union(cmp.modified).recursiveDifference(reset);
  const removed = cmp.removed.recursiveDifference(reset);
  for (const [key, m] of managers) managers.set(key, { ...m, set: m.set.difference(changed).difference(removed) });
  const mine = changed.difference(strippedFields());
  if (!mine.isEmpty()) {
    const key = managerKey(me);
    const previous = managers.get(key)?.set ?? new FieldSet();
    managers.delete(key);
    managers.set(key, { ...me, time: formatTime(now), set: previous.union(mine) });
  }
  dropEmpty(managers);
  capUpdateManagers(managers);
}

/**
 * Upstream's choice of the managers to start from: a subresource write always uses the stored
 * ones; otherwise managedFields sent with the request win (clients may edit them), `[]` or `[{}]`
 * resets them, and anything absent or unreadable falls back to the stored ones.
 */
function startingManagers(old: JsonObject | undefined, updated: JsonObject, subresource: boolean): Map<string, ManagedEntry> {
  if (subresource) return managersOf(old);
  const sent = managedFieldsOf(updated);
  if (Array.isArray(sent)) {
    if (sent.length === 0 || (sent.length === 1 && isJsonObject(sent[0]) && Object.keys(sent[0]).length === 0)) return new Map();
    const decoded = decodeManagedFields(sent);
    if (decoded && decoded.size > 0) return decoded;
  }
  return managersOf(old);
}

function seconds(time: string | undefined): number {
  const t = time ? Date.parse(time) : NaN;
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

/** Merge the oldest Update entries, per apiVersion, into `ancient-changes` until at most MAX remain. */
function capUpdateManagers(managers: Map<string, ManagedEntry>): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([ka, a], [kb, b]) => seconds(a.time) - seconds(b.time) || (ka < kb ? -1 : ka > kb ? 1 : 0));
  const firstOfVersion = new Map<string, string>();
  let count = updaters.length;
  for (const [key, m] of updaters) {
    if (count <= MAX_UPDATE_MANAGERS) break;
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, key);
      continue;
    }
    const bucket = { manager: ANCIENT_CHANGES, operation: 'Update' as const, apiVersion: m.apiVersion };
    const bucketKey = managerKey(bucket);
    let base = managers.get(bucketKey);
    if (!base) {
      base = managers.get(first) as ManagedEntry;
      managers.delete(first);
    }
    managers.delete(key);
    managers.set(bucketKey, { ...bucket, ...(m.time ? { time: m.time } : {}), set: base.set.union(m.set) });
    count--;
  }
}
