// Walks over JSON objects guided by patch metadata, with structured-merge-diff's view of them:
// objects are granular unless `mapType: atomic`; lists are granular map-lists (items named by
// their list-map keys), sets (items named by value) or atomic (one value).
import type { Json, JsonObject } from '../types';
import { hasMember, isJsonObject, jsonEqual } from '../patch/json-value';
import { childSchema, effectiveListType, type PatchSchema } from '../patch/patch-schema';
import { ApplyError } from './errors';
import { FieldSet } from './field-set';
import { fieldElement, keyElement, pathToString, serializeElement, type PathElement } from './path-element';

/** Whether a list is merged item by item (false: replaced as one value). */
export function isGranularList(schema: PatchSchema | undefined): boolean {
  const info = effectiveListType(schema);
  return info.type === 'set' || (info.type === 'map' && info.keys.length > 0);
}

export function isAtomicObject(schema: PatchSchema | undefined): boolean {
  return schema?.mapType === 'atomic';
}

/** The path element naming `item` of a granular list. Throws ApplyError('invalid') when it cannot. */
export function itemElement(item: Json, listSchema: PatchSchema | undefined, at: readonly PathElement[]): PathElement {
  const info = effectiveListType(listSchema);
  if (info.type === 'set') return { kind: 'value', value: item };
  if (!isJsonObject(item)) throw new ApplyError('invalid', `${pathToString(at)}: expected an object in an associative list, got ${JSON.stringify(item)}`);
  const itemSchema = listSchema?.items();
  const fields: [string, Json][] = [];
  for (const key of info.keys) {
    if (hasMember(item, key)) {
      fields.push([key, item[key] as Json]);
      continue;
    }
    // A key field left out takes its default; without one it is simply not part of the key.
    const def = itemSchema?.field(key)?.default;
    if (def !== undefined) fields.push([key, def]);
  }
  if (fields.length === 0) {
    throw new ApplyError('invalid', `${pathToString(at)}: associative list with keys has an element that omits all key fields ${JSON.stringify(info.keys)} (and doesn't have default values for any key fields)`);
  }
  return keyElement(fields);
}

export interface IndexedItem {
  readonly key: string;
  readonly pe: PathElement;
  readonly item: Json;
}

/** The items of a granular list with their path elements, in list order. */
export function indexItems(list: readonly Json[], listSchema: PatchSchema | undefined, at: readonly PathElement[]): IndexedItem[] {
  return list.map((item) => {
    const pe = itemElement(item, listSchema, at);
    return { key: serializeElement(pe), pe, item };
  });
}

/** Throws ApplyError('invalid') when two items of an applied list have the same key. */
export function assertUniqueItems(items: readonly IndexedItem[], at: readonly PathElement[]): void {
  const seen = new Set<string>();
  for (const i of items) {
    if (seen.has(i.key)) throw new ApplyError('invalid', `${pathToString(at)}: duplicate entries for key ${i.key}`);
    seen.add(i.key);
  }
}

/**
 * The set of fields a value sets (upstream's ToFieldSet): every scalar, atomic list and atomic
 * object; every list item; every map entry (keys of `isMap` objects and of unknown objects).
 * `strict` rejects duplicate list keys (applied configurations).
 */
export function fieldSetOf(value: Json, schema: PatchSchema | undefined, strict = false): FieldSet {
  const set = new FieldSet();
  const walk = (v: Json, s: PatchSchema | undefined, path: PathElement[]): void => {
    if (isJsonObject(v)) {
      if (isAtomicObject(s) && path.length > 0) {
        set.insert(path);
        return;
      }
      for (const [k, x] of Object.entries(v)) {
        const child = childSchema(s, k);
        const p = [...path, fieldElement(k)];
        walk(x, child, p);
        // Map entries, unknown fields, nulls and empty objects are owned as such.
        if (!s || s.isMap || !child || x === null || (isJsonObject(x) && Object.keys(x).length === 0)) set.insert(p);
      }
      return;
    }
    if (Array.isArray(v)) {
      if (!isGranularList(s)) {
        set.insert(path);
        return;
      }
      const items = indexItems(v, s, path);
      if (strict) assertUniqueItems(items, path);
      const counts = new Map<string, number>();
      for (const { key } of items) counts.set(key, (counts.get(key) ?? 0) + 1);
      for (const { key, pe, item } of items) {
        const p = [...path, pe];
        // Items whose key repeats (tolerated in stored objects) are owned as one value.
        if ((counts.get(key) ?? 0) < 2) walk(item, s?.items(), p);
        set.insert(p);
      }
      return;
    }
    set.insert(path);
  };
  walk(value, schema, []);
  return set;
}

export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

/**
 * What changed from `lhs` to `rhs` (upstream's Compare): leaves added, removed or modified, and
 * the objects/list items that appeared or disappeared as a whole. Both sides are read as typed
 * objects: a field absent from an object that has it in its zero value (`zero`) holds that value.
 * A `null` or empty container compared with a non-empty one is an empty container that exists.
 */
export function compareValues(lhs: Json | undefined, rhs: Json | undefined, schema: PatchSchema | undefined): Comparison {
  const out = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  // A subtree only `rhs` has is added whole: built level by level (what `walk` would insert path by
  // path), the common case of every create.
  const addAll = (parent: FieldSet, pe: PathElement, r: Json, s: PatchSchema | undefined, path: PathElement[]): void => {
    if (r === null || typeof r !== 'object') {
      // A scalar or null: a leaf (what the checks below conclude for it, without building paths).
      parent.addMember(pe);
      return;
    }
    if (isGranularObject(undefined, r, s, path)) {
      const level = parent.descend(pe);
      const o = r as JsonObject;
      for (const k of Object.keys(o)) {
        const v = o[k] as Json;
        const fe = fieldElement(k);
        if (v === null || typeof v !== 'object') level.addMember(fe);
        else addAll(level, fe, v, childSchema(s, k), [...path, fe]);
      }
    } else if (isGranularListPair(undefined, r, s)) {
      const level = parent.descend(pe);
      const items = indexItems(r as Json[], s, path);
      const first = new Map<string, IndexedItem>();
      for (const x of items) if (!first.has(x.key)) first.set(x.key, x);
      for (const x of first.values()) addAll(level, x.pe, x.item, s?.items(), [...path, x.pe]);
    }
    parent.addMember(pe);
  };
  const walk = (l: Json | undefined, r: Json | undefined, s: PatchSchema | undefined, path: PathElement[]): void => {
    if (l === undefined && r === undefined) return;
    // Equal subtrees hold no change (most of an object on an update): skip them without walking.
    if (l !== undefined && r !== undefined && (l === r || jsonEqual(l, r))) return;
    if (l === undefined && path.length > 0) {
      let parent = out.added;
      for (let i = 0; i < path.length - 1; i++) parent = parent.descend(path[i] as PathElement);
      addAll(parent, path[path.length - 1] as PathElement, r as Json, s, path);
      return;
    }
    if (isGranularObject(l, r, s, path)) {
      const lo = isJsonObject(l) ? l : undefined;
      const ro = isJsonObject(r) ? r : undefined;
      const keys = new Set([...Object.keys(lo ?? {}), ...Object.keys(ro ?? {})]);
      for (const k of keys) {
        const child = childSchema(s, k);
        walk(memberOf(lo, k, child), memberOf(ro, k, child), child, [...path, fieldElement(k)]);
      }
    } else if (isGranularListPair(l, r, s)) {
      const li = indexItems(Array.isArray(l) ? l : [], s, path);
      const ri = indexItems(Array.isArray(r) ? r : [], s, path);
      const lm = new Map(li.map((x) => [x.key, x] as const).reverse());
      const rm = new Map(ri.map((x) => [x.key, x] as const).reverse());
      const seen = new Set<string>();
      for (const x of [...li, ...ri]) {
        if (seen.has(x.key)) continue;
        seen.add(x.key);
        walk(lm.get(x.key)?.item, rm.get(x.key)?.item, s?.items(), [...path, x.pe]);
      }
    } else {
      if (l === undefined) out.added.insert(path);
      else if (r === undefined) out.removed.insert(path);
      else if (!jsonEqual(l, r)) out.modified.insert(path);
      return;
    }
    if (l === undefined) out.added.insert(path);
    else if (r === undefined) out.removed.insert(path);
  };
  walk(lhs, rhs, schema, []);
  return out;
}

function memberOf(obj: JsonObject | undefined, key: string, schema: PatchSchema | undefined): Json | undefined {
  if (!obj) return undefined;
  if (hasMember(obj, key)) return obj[key];
  return schema?.zero;
}

const isEmptyish = (v: Json | undefined): boolean =>
  v === undefined || v === null || (isJsonObject(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);

function isGranularObject(l: Json | undefined, r: Json | undefined, s: PatchSchema | undefined, path: readonly PathElement[]): boolean {
  const fits = (v: Json | undefined): boolean => v === undefined || v === null || isJsonObject(v);
  if (!fits(l) || !fits(r) || (isEmptyish(l) && isEmptyish(r))) return false;
  return !isAtomicObject(s) || path.length === 0;
}

function isGranularListPair(l: Json | undefined, r: Json | undefined, s: PatchSchema | undefined): boolean {
  const fits = (v: Json | undefined): boolean => v === undefined || v === null || Array.isArray(v);
  if (!fits(l) || !fits(r) || (isEmptyish(l) && isEmptyish(r))) return false;
  return isGranularList(s);
}
