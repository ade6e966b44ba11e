// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`) as kubectl 1.32
// sends it (client-side apply, set image, rollout restart, edit, patch). Semantics follow upstream's
// apimachinery strategicpatch apply path:
// - objects merge key by key; `null` deletes a key; a value absent from the original is taken as is
//   (with any directives inside it resolved against an empty original);
// - lists whose field has patchStrategy `merge` merge: by patchMergeKey for lists of objects, as a
//   set union for lists of scalars; every other list is replaced;
// - `$patch: replace` (object or list item) replaces, `$patch: delete` empties an object or deletes
//   the list items with the same merge key, `$patch: merge` is the default (accepted, no effect);
// - `$retainKeys: [...]` drops original keys not listed; `$setElementOrder/<field>` fixes the order
//   of a merged list; `$deleteFromPrimitiveList/<field>` removes scalars from a merged list.
// Items new to a merged list go before server-only items unless `$setElementOrder` places them.
import type { Json, JsonObject } from '../types';
import { MalformedPatchError, UnprocessablePatchError, UnsupportedPatchTypeError } from './errors';
import { cloneJson, hasMember, isJson, isJsonObject, jsonEqual, setMember } from './json-value';
import { identityFor, normalizeListOrder, patchListFollowsOrder } from './list-order';
import { childSchema, patchStrategies, type PatchSchema } from './patch-schema';

export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

/** Patch media types a type without patch metadata (a custom resource) accepts. */
export const PATCH_TYPES_WITHOUT_SCHEMA: readonly string[] = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
];

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

/**
 * Apply a strategic merge patch (a parsed request body) to a copy of `original`. `schema` is the
 * kind's patch metadata; without one (custom resources) strategic merge patch is not available and
 * UnsupportedPatchTypeError (415) is thrown. Other failures: MalformedPatchError (400),
 * UnprocessablePatchError (422).
 */
export function applyStrategicMergePatch(original: JsonObject, body: unknown, schema: PatchSchema | undefined): JsonObject {
  if (!schema) throw new UnsupportedPatchTypeError(STRATEGIC_MERGE_PATCH, PATCH_TYPES_WITHOUT_SCHEMA);
  if (!isJson(body) || !isJsonObject(body)) throw new MalformedPatchError('a strategic merge patch must be a JSON object');
  return mergeObject(cloneJson(original), cloneJson(body), schema);
}

/** Merge `patch` into `original` (both owned by the caller and modified). */
function mergeObject(original: JsonObject | undefined, patch: JsonObject, schema: PatchSchema | undefined): JsonObject {
  if (hasMember(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    delete patch[DIRECTIVE];
    if (directive === 'replace') return mergeObject(undefined, patch, schema);
    if (directive === 'delete') return {};
    if (directive !== 'merge') throw badDirective(directive);
  }
  const out = original ?? {};
  applyRetainKeys(out, patch);
  applySetElementOrder(out, patch, schema);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      deleteFromPrimitiveList(out, key, value);
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const child = childSchema(schema, key);
    const current = hasMember(out, key) ? out[key] : undefined;
    setMember(out, key, mergeValue(current, value, child));
  }
  return out;
}

/** The merge of one value; `current` undefined means the key is absent from the original. */
function mergeValue(current: Json | undefined, value: Json, schema: PatchSchema | undefined): Json {
  if (isJsonObject(value)) {
    if (!isJsonObject(current) || patchStrategies(schema).includes('replace')) return mergeObject(undefined, value, schema);
    return mergeObject(current, value, schema);
  }
  if (Array.isArray(value)) {
    if (!patchStrategies(schema).includes('merge')) return value;
    return mergeList(Array.isArray(current) ? current : [], value, schema);
  }
  return value;
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasMember(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw new MalformedPatchError(`${RETAIN_KEYS} must be a list of field names, got ${JSON.stringify(list)}`);
  const keep = new Set(list.filter((x): x is string => typeof x === 'string'));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw new MalformedPatchError(`invalid patch: field ${JSON.stringify(k)} is set but not listed in ${RETAIN_KEYS} ${JSON.stringify(list)}`);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

function applySetElementOrder(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined): void {
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    delete patch[key];
    const field = key.slice(SET_ELEMENT_ORDER.length);
    if (field === '' || !Array.isArray(order)) {
      throw new MalformedPatchError(`invalid patch: ${key} must name a field and hold a list, got ${JSON.stringify(order)}`);
    }
    const child = childSchema(schema, field);
    // Only merged lists have an order to set; for any other list the directive has no meaning.
    if (!patchStrategies(child).includes('merge')) continue;
    const id = identityFor(child?.patchMergeKey);
    const current = hasMember(original, field) ? original[field] : undefined;
    const patchList = hasMember(patch, field) ? patch[field] : undefined;
    if (current !== undefined && current !== null && !Array.isArray(current)) {
      throw new UnprocessablePatchError(`${key}: the original value of ${JSON.stringify(field)} is not a list`);
    }
    if (patchList !== undefined && !Array.isArray(patchList)) {
      throw new MalformedPatchError(`invalid patch: ${JSON.stringify(field)} must be a list next to ${key}`);
    }
    if (patchList && !patchListFollowsOrder(patchList, order, id)) {
      throw new MalformedPatchError(`invalid patch: the order in the patch list ${JSON.stringify(patchList)} doesn't match ${key} ${JSON.stringify(order)}`);
    }
    const originalList = Array.isArray(current) ? current : undefined;
    if (!originalList && !patchList) continue;
    const serverOrder = originalList ? [...originalList] : [];
    const merged = patchList ? mergeList(originalList ?? [], patchList, child) : (originalList as Json[]);
    setMember(original, field, normalizeListOrder(merged, order, serverOrder, id));
    delete patch[field];
  }
}

function deleteFromPrimitiveList(original: JsonObject, key: string, toDelete: Json): void {
  const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
  if (field === '' || !Array.isArray(toDelete)) {
    throw new MalformedPatchError(`invalid patch: ${key} must name a field and hold a list of values to delete, got ${JSON.stringify(toDelete)}`);
  }
  const current = hasMember(original, field) ? original[field] : undefined;
  if (!Array.isArray(current)) return;
  setMember(original, field, current.filter((x) => !toDelete.some((d) => jsonEqual(d, x))));
}

/** Merge two lists of a field with patchStrategy `merge`. */
function mergeList(original: Json[], patch: Json[], schema: PatchSchema | undefined): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const all = [...original, ...patch];
  if (all.some(Array.isArray)) throw new UnprocessablePatchError('lists of lists are not supported by strategic merge patch');
  const objects = all.filter(isJsonObject).length;
  if (objects !== 0 && objects !== all.length) {
    throw new UnprocessablePatchError('cannot merge a list mixing objects and scalars');
  }
  if (objects === 0) {
    const merged: Json[] = [];
    for (const x of all) if (!merged.some((m) => jsonEqual(m, x))) merged.push(x);
    return normalizeListOrder(merged, patch, original, identityFor(undefined));
  }
  const mergeKey = schema?.patchMergeKey;
  if (!mergeKey) throw new UnprocessablePatchError('cannot merge a list of objects without a patch merge key');
  const id = identityFor(mergeKey);
  let base = original as JsonObject[];
  let items: JsonObject[] = [];
  let replace = false;
  for (const item of patch as JsonObject[]) {
    if (!hasMember(item, DIRECTIVE)) {
      items.push(item);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      const key = id(item);
      base = base.filter((o) => id(o) !== key);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      delete item[DIRECTIVE];
      items.push(item);
    } else {
      throw badDirective(directive);
    }
  }
  if (replace) {
    base = items;
    items = [];
  }
  const merged: Json[] = [...base];
  const itemSchema = schema?.items();
  for (const item of items) {
    const key = id(item);
    const at = merged.findIndex((o) => id(o) === key);
    if (at >= 0) merged[at] = mergeObject(merged[at] as JsonObject, item, itemSchema);
    else merged.push(mergeObject(undefined, item, itemSchema));
  }
  return normalizeListOrder(merged, items, base, id);
}

function badDirective(directive: Json | undefined): MalformedPatchError {
  return new MalformedPatchError(`unknown patch type: ${JSON.stringify(directive)} in ${DIRECTIVE}; expected one of replace, delete, merge`);
}
