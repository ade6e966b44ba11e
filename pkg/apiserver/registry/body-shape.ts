// Shape checks on decoded request objects that typed decoding does upstream: nesting depth (Go's
// decoder stops at 10000 levels; our walks recurse, so we stop earlier) and the JSON types of the
// type and object metadata fields every handler reads as strings.
import { errors } from '../errors';

/** Deeper objects/arrays than this are refused with 400 (real Kubernetes objects stay far below 100). */
export const MAX_NESTING_DEPTH = 512;

/** Throws 400 when `value` nests objects/arrays deeper than MAX_NESTING_DEPTH. Iterative. */
export function checkNestingDepth(value: unknown, limit = MAX_NESTING_DEPTH): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limit) throw errors.badRequest(`the object is nested too deeply: more than ${limit} levels of objects and arrays`);
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
}

function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;
}

const META_STRINGS = ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'selfLink'] as const;

/** The decoding error for a type or metadata field of the wrong JSON type, or undefined. */
export function metadataTypeError(obj: Record<string, unknown>): string | undefined {
  for (const f of ['kind', 'apiVersion'] as const) {
    const v = obj[f];
    if (v !== undefined && v !== null && typeof v !== 'string') return `json: cannot unmarshal ${jsonType(v)} into Go struct field TypeMeta.${f} of type string`;
  }
  const meta = obj.metadata;
  if (meta === undefined || meta === null) return undefined;
  if (typeof meta !== 'object' || Array.isArray(meta)) return `json: cannot unmarshal ${jsonType(meta)} into Go struct field .metadata of type v1.ObjectMeta`;
  const m = meta as Record<string, unknown>;
  for (const f of META_STRINGS) {
    const v = m[f];
    if (v !== undefined && v !== null && typeof v !== 'string') return `json: cannot unmarshal ${jsonType(v)} into Go struct field ObjectMeta.metadata.${f} of type string`;
  }
  for (const f of ['labels', 'annotations'] as const) {
    const v = m[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'object' || Array.isArray(v)) return `json: cannot unmarshal ${jsonType(v)} into Go struct field ObjectMeta.metadata.${f} of type map[string]string`;
    for (const [k, x] of Object.entries(v)) {
      if (x !== null && typeof x !== 'string') return `json: cannot unmarshal ${jsonType(x)} into Go struct field ObjectMeta.metadata.${f} of type string (key ${JSON.stringify(k)})`;
    }
  }
  const fin = m.finalizers;
  if (fin !== undefined && fin !== null && (!Array.isArray(fin) || fin.some((x) => typeof x !== 'string'))) {
    return `json: cannot unmarshal ${Array.isArray(fin) ? 'array element' : jsonType(fin)} into Go struct field ObjectMeta.metadata.finalizers of type string`;
  }
  return undefined;
}

/** Both checks, as one 400 BadRequest. */
export function checkBodyShape(obj: Record<string, unknown>): void {
  checkNestingDepth(obj);
  const why = metadataTypeError(obj);
  if (why) throw errors.badRequest(why);
}
