// Merging an applied configuration into the live object (structured-merge-diff's Merge) and
// removing the fields an applier gave up (its prune step).
import type { Json, JsonObject } from '../types';
import { cloneJson, hasMember, isJsonObject, setMember } from '../patch/json-value';
import { childSchema, type PatchSchema } from '../patch/patch-schema';
import { FieldSet } from './field-set';
import { fieldElement, type PathElement } from './path-element';
import { indexItems, isAtomicObject, isGranularList } from './typed-value';

/** A copy of a value without `null` members (a `null` in an applied configuration sets nothing). */
function withoutNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) setMember(out, k, withoutNulls(x));
  return out;
}

/**
 * `config` merged into `live`: granular objects merge key by key, granular lists item by item
 * (live-only items keep their place, applied items follow the configuration's order), everything
 * else takes the applied value. Returns a new value.
 */
export function mergeApplied(live: Json | undefined, config: Json, schema: PatchSchema | undefined): Json {
  const walk = (l: Json | undefined, r: Json, s: PatchSchema | undefined, path: PathElement[]): Json => {
    if (l === undefined || l === null) return withoutNulls(r);
    if (isJsonObject(l) && isJsonObject(r) && (!isAtomicObject(s) || path.length === 0)) {
      const out = cloneJson(l);
      for (const [k, x] of Object.entries(r)) {
        if (x === null) {
          // null unsets a scalar; an object or list stays as it is (upstream's merge of a null).
          const current = hasMember(out, k) ? out[k] : undefined;
          if (!isJsonObject(current) && !Array.isArray(current)) delete out[k];
          continue;
        }
        setMember(out, k, walk(hasMember(out, k) ? out[k] : undefined, x, childSchema(s, k), [...path, fieldElement(k)]));
      }
      return out;
    }
    if (Array.isArray(l) && Array.isArray(r) && isGranularList(s)) return mergeList(l, r, s, path, walk);
    return withoutNulls(r);
  };
  return walk(live, config, schema, []);
}

type Walk = (l: Json | undefined, r: Json, s: PatchSchema | undefined, path: PathElement[]) => Json;

function mergeList(lhs: Json[], rhs: Json[], s: PatchSchema | undefined, path: PathElement[], walk: Walk): Json[] {
  const li = indexItems(lhs, s, path);
  const ri = indexItems(rhs, s, path);
  const lm = new Map(li.map((x) => [x.key, x.item] as const).reverse());
  const rkeys = new Set(ri.map((x) => x.key));
  const shared = ri.filter((x) => lm.has(x.key)).map((x) => x.key);
  let nextShared = 0;
  const emitted = new Set<string>();
  const out: Json[] = [];
  const merge = (key: string, r: Json, pe: PathElement): void => {
    emitted.add(key);
    out.push(walk(lm.get(key), r, s?.items(), [...path, pe]));
  };
  let l = 0;
  let r = 0;
  while (l < li.length || r < ri.length) {
    const L = li[l];
    const R = ri[r];
    if (L && R) {
      if (L.key === R.key) {
        merge(R.key, R.item, R.pe);
        l++;
        r++;
        nextShared++;
        continue;
      }
      // A shared item waits for its turn in the applied order.
      if (rkeys.has(L.key) && nextShared < shared.length && shared[nextShared] !== L.key) {
        l++;
        continue;
      }
    }
    if (L) {
      if (!rkeys.has(L.key)) {
        out.push(L.item);
        l++;
        continue;
      }
      // Already merged: step over it and still take the next applied item in this round.
      if (emitted.has(L.key)) l++;
    }
    if (R) {
      merge(R.key, R.item, R.pe);
      if (shared[nextShared] === R.key) nextShared++;
      r++;
    } else if (L && !emitted.has(L.key)) {
      // Unreachable for well-formed input (every applied key is emitted once the applied list
      // is exhausted); kept so that no input can stall the loop.
      out.push(L.item);
      l++;
    }
  }
  return out;
}

/**
 * Remove from `value` the fields in `last` (what the applier owned before) that nobody owns now
 * (`owned`: the union of every manager's set, the applier's new one included). Named fields count
 * as owned when anything under them is; a removed field or list item goes with its whole subtree.
 */
export function pruneUnowned(value: Json, last: FieldSet, owned: FieldSet, schema: PatchSchema | undefined): Json {
  const lastM = last.withNamedFieldsAsMembers();
  const ownedM = owned.withNamedFieldsAsMembers();
  const walk = (v: Json, l: FieldSet, o: FieldSet, s: PatchSchema | undefined, path: PathElement[]): Json => {
    if (l.isEmpty()) return v;
    if (isJsonObject(v)) {
      const out: JsonObject = { ...v };
      for (const pe of l.elements()) {
        if (pe.kind !== 'field' || !hasMember(out, pe.name)) continue;
        if (l.hasMember(pe) && !o.hasMember(pe)) {
          delete out[pe.name];
          continue;
        }
        setMember(out, pe.name, walk(out[pe.name] as Json, l.child(pe), o.child(pe), childSchema(s, pe.name), [...path, pe]));
      }
      return out;
    }
    if (Array.isArray(v) && isGranularList(s)) {
      const out: Json[] = [];
      for (const { pe, item } of indexItems(v, s, path)) {
        if (l.hasMember(pe) && !o.hasMember(pe)) continue;
        out.push(walk(item, l.child(pe), o.child(pe), s?.items(), [...path, pe]));
      }
      return out;
    }
    return v;
  };
  return walk(value, lastM, ownedM, schema, []);
}
