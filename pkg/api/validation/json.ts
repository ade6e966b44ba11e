// Narrow, never-throwing views over untyped JSON objects. Strategies and validators read request
// bodies through these so a value of the wrong shape is skipped (the schema layer reports types),
// never a crash.
import { isObject } from '../types';

export type JsonRecord = Record<string, unknown>;

export function asObject(v: unknown): JsonRecord | undefined {
  return isObject(v) ? v : undefined;
}

export function asArray(v: unknown): unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function asNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function asBoolean(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** Entries of an object whose values are strings (labels, selectors, data maps). */
export function asStringMap(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** Objects of an array, each with its index (non-objects are skipped). */
export function objectsOf(v: unknown): Array<[JsonRecord, number]> {
  const out: Array<[JsonRecord, number]> = [];
  if (!Array.isArray(v)) return out;
  v.forEach((item, i) => {
    if (isObject(item)) out.push([item, i]);
  });
  return out;
}

/** Follow object keys; undefined as soon as one is missing or not an object. */
export function getIn(root: unknown, ...keys: string[]): unknown {
  let cur: unknown = root;
  for (const k of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** The child object under `k`, created (or replaced when not an object) if needed. */
export function ensureObject(parent: JsonRecord, k: string): JsonRecord {
  const cur = parent[k];
  if (isObject(cur)) return cur;
  const created: JsonRecord = {};
  parent[k] = created;
  return created;
}

/** Set `k` only when it is absent (undefined or null). */
export function setDefault(target: JsonRecord, k: string, value: unknown): void {
  if (target[k] === undefined || target[k] === null) target[k] = value;
}

/**
 * A deep copy of a JSON value (objects, arrays, primitives), several times faster than
 * structuredClone on API objects. An own `__proto__` key (JSON.parse makes one) stays a key; values
 * that are not plain objects or arrays (a Date in an object built in process) go to structuredClone.
 */
export function clone<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = clone(v[i] as unknown);
    return out as T;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  // Anything but a plain object (a Date, a Buffer…) is copied as structuredClone copies it.
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(src)) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: clone(src[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = clone(src[k]);
  }
  return out as T;
}

/** Whether a value carries no information: absent, null, false, 0, '', [] or {} (after pruning). */
export function isZero(v: unknown): boolean {
  return prune(v) === undefined;
}

/**
 * Equality as the API compares objects for immutability: a field set to its zero value (null,
 * false, 0, '', [], {}) equals an absent one, since Go's typed decoding cannot tell them apart.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return exactEqual(prune(a), prune(b));
}

function prune(v: unknown): unknown {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    return v.map((x) => prune(x) ?? null);
  }
  if (isObject(v)) {
    const out: JsonRecord = {};
    let any = false;
    for (const k of Object.keys(v).sort()) {
      const p = prune(v[k]);
      if (p !== undefined) {
        out[k] = p;
        any = true;
      }
    }
    return any ? out : undefined;
  }
  return v;
}

function exactEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => exactEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && exactEqual(a[k], b[k]));
  }
  return false;
}

/** Integer check for JSON numbers (int32/int64 fields). */
export function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}
