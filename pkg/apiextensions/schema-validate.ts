// Validation of a custom object against its version's structural schema, with upstream-style field
// errors (`spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`).
import * as net from 'node:net';
import type { FieldError } from '../api/types';
import type { JSONSchemaProps } from './types';

function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function isCidr(v: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  if (!m) return false;
  const bits = net.isIPv4(m[1]!) ? 32 : net.isIPv6(m[1]!) ? 128 : -1;
  return bits > 0 && Number(m[2]) <= bits;
}

/** The string formats upstream checks in CRD schemas (others are accepted as plain strings). */
const FORMATS: Readonly<Record<string, (v: string) => boolean>> = {
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  byte: (v) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
  uuid: (v) => /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(v),
  ipv4: (v) => net.isIPv4(v),
  ipv6: (v) => net.isIPv6(v),
  cidr: isCidr,
  hostname: (v) => v.length <= 253 && /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/.test(v),
  mac: (v) => /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/.test(v),
};

function typeMatches(type: string, v: unknown): boolean {
  const t = jsonTypeOf(v);
  if (type === 'number') return t === 'number' || t === 'integer';
  return t === type;
}

function regexOf(cache: Map<string, RegExp | null>, pattern: string): RegExp | null {
  if (!cache.has(pattern)) {
    try {
      cache.set(pattern, new RegExp(pattern, 'u'));
    } catch {
      cache.set(pattern, null);
    }
  }
  return cache.get(pattern)!;
}

/** Compiled-regex cache per validator; create one per CRD version, reuse across requests. */
export class SchemaValidator {
  private readonly regexes = new Map<string, RegExp | null>();

  constructor(private readonly root: JSONSchemaProps) {}

  /** Every problem of `obj` (the whole object) against the root schema; metadata is validated elsewhere. */
  validate(obj: unknown): FieldError[] {
    const out: FieldError[] = [];
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return out;
    const root = this.root;
    const o = obj as Record<string, unknown>;
    for (const [k, v] of Object.entries(o)) {
      if (k === 'metadata' || k === 'apiVersion' || k === 'kind') continue;
      const s = root.properties?.[k];
      if (s) this.value(s, v, k, out);
    }
    for (const r of root.required ?? []) if (r !== 'metadata' && r !== 'apiVersion' && r !== 'kind' && o[r] === undefined) out.push({ type: 'FieldValueRequired', field: r, detail: 'Required value' });
    return out;
  }

  /** Problems of a value against the root schema taken as a value schema (CRD `default`s). */
  validateValue(v: unknown, path: string): FieldError[] {
    const out: FieldError[] = [];
    this.value(this.root, v, path, out);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const r of this.root.required ?? []) if ((v as Record<string, unknown>)[r] === undefined) out.push({ type: 'FieldValueRequired', field: `${path}.${r}`, detail: 'Required value' });
    }
    return out;
  }

  private value(s: JSONSchemaProps, v: unknown, path: string, out: FieldError[]): void {
    if (v === null) {
      if (!s.nullable && !(s['x-kubernetes-preserve-unknown-fields'] && !s.type)) {
        if (s.type) out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: "null": ${path} in body must be of type ${s.type}: "null"` });
      }
      return;
    }
    if (s['x-kubernetes-int-or-string']) {
      const t = jsonTypeOf(v);
      if (t !== 'integer' && t !== 'string') out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: "${t}": ${path} in body must be of type integer,string: "${t}"` });
    } else if (s.type && !typeMatches(s.type, v)) {
      const t = jsonTypeOf(v);
      out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: "${t}": ${path} in body must be of type ${s.type}: "${t}"` });
      return;
    }
    if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
      out.push({ type: 'FieldValueNotSupported', field: path, detail: `Unsupported value: ${show(v)}: supported values: ${s.enum.map((e) => show(e)).join(', ')}` });
    }
    if (typeof v === 'string') this.string(s, v, path, out);
    else if (typeof v === 'number') this.number(s, v, path, out);
    else if (Array.isArray(v)) this.array(s, v, path, out);
    else if (typeof v === 'object') this.object(s, v as Record<string, unknown>, path, out);
    for (const sub of s.allOf ?? []) this.value({ ...sub, type: sub.type ?? s.type }, v, path, out);
    if (s.anyOf && !s.anyOf.some((sub) => this.passes(sub, v, path))) out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${show(v)}: ${path} in body must match at least one schema in anyOf` });
    if (s.oneOf && s.oneOf.filter((sub) => this.passes(sub, v, path)).length !== 1) out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${show(v)}: ${path} in body must validate one and only one schema (oneOf)` });
    if (s.not && this.passes(s.not, v, path)) out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${show(v)}: ${path} in body must not validate the schema (not)` });
  }

  private passes(s: JSONSchemaProps, v: unknown, path: string): boolean {
    const errs: FieldError[] = [];
    this.value(s, v, path, errs);
    for (const r of s.required ?? []) if (v !== null && typeof v === 'object' && (v as Record<string, unknown>)[r] === undefined) return false;
    return errs.length === 0;
  }

  private string(s: JSONSchemaProps, v: string, path: string, out: FieldError[]): void {
    const len = [...v].length;
    if (s.maxLength !== undefined && len > s.maxLength) out.push({ type: 'FieldValueTooLong', field: path, detail: `Too long: may not be more than ${s.maxLength} bytes` });
    if (s.minLength !== undefined && len < s.minLength) out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${show(v)}: ${path} in body should be at least ${s.minLength} chars long` });
    if (s.pattern !== undefined) {
      const re = regexOf(this.regexes, s.pattern);
      if (re && !re.test(v)) out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${show(v)}: ${path} in body should match '${s.pattern}'` });
    }
    const check = s.format ? FORMATS[s.format] : undefined;
    if (check && !check(v)) out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${show(v)}: ${path} in body must be of type ${s.format}: ${show(v)}` });
  }

  private number(s: JSONSchemaProps, v: number, path: string, out: FieldError[]): void {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
      out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${v}: ${path} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}` });
    }
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
      out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${v}: ${path} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}` });
    }
    if (s.multipleOf !== undefined && s.multipleOf > 0 && Math.abs(v / s.multipleOf - Math.round(v / s.multipleOf)) > 1e-9) {
      out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${v}: ${path} in body should be a multiple of ${s.multipleOf}` });
    }
  }

  private array(s: JSONSchemaProps, v: unknown[], path: string, out: FieldError[]): void {
    if (s.maxItems !== undefined && v.length > s.maxItems) out.push({ type: 'FieldValueTooMany', field: path, detail: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
    if (s.minItems !== undefined && v.length < s.minItems) out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${v.length}: ${path} in body should have at least ${s.minItems} items` });
    const listType = s['x-kubernetes-list-type'];
    if (listType === 'set' || s.uniqueItems) {
      const seen = new Set<string>();
      v.forEach((item, i) => {
        const k = JSON.stringify(item);
        if (seen.has(k)) out.push({ type: 'FieldValueDuplicate', field: `${path}[${i}]`, detail: `Duplicate value: ${show(item)}` });
        seen.add(k);
      });
    } else if (listType === 'map') {
      const keys = s['x-kubernetes-list-map-keys'] ?? [];
      const seen = new Set<string>();
      v.forEach((item, i) => {
        if (item === null || typeof item !== 'object') return;
        const rec = item as Record<string, unknown>;
        const key = JSON.stringify(keys.map((k) => rec[k] ?? s.items?.properties?.[k]?.default ?? null));
        if (seen.has(key)) out.push({ type: 'FieldValueDuplicate', field: `${path}[${i}]`, detail: `Duplicate value: ${JSON.stringify(Object.fromEntries(keys.map((k) => [k, rec[k]])))}` });
        seen.add(key);
      });
    }
    if (s.items) v.forEach((item, i) => this.value(s.items!, item, `${path}[${i}]`, out));
  }

  private object(s: JSONSchemaProps, v: Record<string, unknown>, path: string, out: FieldError[]): void {
    const n = Object.keys(v).length;
    if (s.maxProperties !== undefined && n > s.maxProperties) out.push({ type: 'FieldValueTooMany', field: path, detail: `Too many: ${n}: must have at most ${s.maxProperties} items` });
    if (s.minProperties !== undefined && n < s.minProperties) out.push({ type: 'FieldValueInvalid', field: path, detail: `Invalid value: ${n}: ${path} in body should have at least ${s.minProperties} properties` });
    for (const r of s.required ?? []) if (v[r] === undefined) out.push({ type: 'FieldValueRequired', field: `${path}.${r}`, detail: 'Required value' });
    if (s['x-kubernetes-embedded-resource']) {
      if (typeof v.apiVersion !== 'string' || !v.apiVersion) out.push({ type: 'FieldValueRequired', field: `${path}.apiVersion`, detail: 'Required value: must not be empty' });
      if (typeof v.kind !== 'string' || !v.kind) out.push({ type: 'FieldValueRequired', field: `${path}.kind`, detail: 'Required value: must not be empty' });
    }
    const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    for (const [k, x] of Object.entries(v)) {
      const child = s.properties?.[k] ?? additional;
      if (child) this.value(child, x, `${path}.${k}`, out);
    }
  }
}
