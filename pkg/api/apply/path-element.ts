// One step of a field path, as structured-merge-diff names them and as managedFields (FieldsV1)
// serialize them: `f:<name>` a field of an object or a map key, `k:{"name":"c"}` the item of a
// list keyed by its list-map keys, `v:<json>` the item of a set, `i:<n>` an index (atomic lists).
import type { Json, JsonObject } from '../types';
import { canonicalJson, isJsonObject } from '../patch/json-value';

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  /** Key fields sorted by name. */
  | { readonly kind: 'key'; readonly fields: readonly (readonly [string, Json])[] }
  | { readonly kind: 'value'; readonly value: Json }
  | { readonly kind: 'index'; readonly index: number };

export function fieldElement(name: string): PathElement {
  return { kind: 'field', name };
}

export function keyElement(fields: Iterable<readonly [string, Json]>): PathElement {
  return { kind: 'key', fields: [...fields].sort((a, b) => compareStrings(a[0], b[0])) };
}

/**
 * JSON text as Go's encoder writes it (`<`, `>`, `&`, U+2028 and U+2029 escaped), object keys
 * sorted: FieldsV1 keys must be byte-identical to upstream's.
 */
export function goJson(v: Json): string {
  return canonicalJson(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The FieldsV1 key of a path element; equal elements give equal keys. */
export function serializeElement(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `f:${pe.name}`;
    case 'key':
      return `k:{${pe.fields.map(([name, v]) => `${goJson(name)}:${goJson(v)}`).join(',')}}`;
    case 'value':
      return `v:${goJson(pe.value)}`;
    case 'index':
      return `i:${pe.index}`;
  }
}

/** Parse a FieldsV1 key; undefined for a key of an unknown kind (upstream drops those). */
export function parseElement(text: string): PathElement | undefined {
  if (text.length < 2 || text[1] !== ':') return undefined;
  const body = text.slice(2);
  switch (text[0]) {
    case 'f':
      return fieldElement(body);
    case 'k': {
      const obj: unknown = JSON.parse(body);
      if (!isJsonObject(obj)) throw new Error(`key element ${text} is not a JSON object`);
      return keyElement(Object.entries(obj as JsonObject));
    }
    case 'v':
      return { kind: 'value', value: JSON.parse(body) as Json };
    case 'i': {
      const n = Number(body);
      if (!Number.isInteger(n)) throw new Error(`index element ${text} is not an integer`);
      return { kind: 'index', index: n };
    }
    default:
      return undefined;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const valueRank = (v: Json): number =>
  typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : Array.isArray(v) ? 3 : v === null ? 5 : 4;

/** Upstream's total order of values: numbers < strings < booleans < lists < maps < null. */
export function compareValues(a: Json, b: Json): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i] as Json, b[i] as Json);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return compareStrings(canonicalJson(a), canonicalJson(b));
}

const kindRank = { field: 0, key: 1, value: 2, index: 3 } as const;

/** Upstream's order of path elements: fields, then keys, then values, then indices. */
export function compareElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return kindRank[a.kind] - kindRank[b.kind];
  switch (a.kind) {
    case 'field':
      return compareStrings(a.name, (b as typeof a).name);
    case 'key': {
      const bf = (b as typeof a).fields;
      for (let i = 0; i < Math.min(a.fields.length, bf.length); i++) {
        const [an, av] = a.fields[i] as readonly [string, Json];
        const [bn, bv] = bf[i] as readonly [string, Json];
        const c = compareStrings(an, bn) || compareValues(av, bv);
        if (c !== 0) return c;
      }
      return a.fields.length - bf.length;
    }
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index':
      return a.index - (b as typeof a).index;
  }
}

/** A value as upstream prints it in paths: strings quoted, other scalars bare. */
function printValue(v: Json): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return canonicalJson(v);
}

/** Human form of a path, as in conflict messages: `.spec.containers[name="c"].image`. */
export function pathToString(path: readonly PathElement[]): string {
  return path
    .map((pe) => {
      switch (pe.kind) {
        case 'field':
          return `.${pe.name}`;
        case 'key':
          return `[${pe.fields.map(([n, v]) => `${n}=${printValue(v)}`).join(',')}]`;
        case 'value':
          return `[=${printValue(pe.value)}]`;
        case 'index':
          return `[${pe.index}]`;
      }
    })
    .join('');
}
