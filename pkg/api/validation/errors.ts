// Field errors as the API reports them in Status causes: a JSON path, a type and a detail that
// starts with the type's standard words ("Required value", "Invalid value: …", "Unsupported
// value: …", "Duplicate value: …", "Forbidden: …", "Too long: …", "Too many: …", "Not found: …").
// Every validator in pkg/api returns these; the API server maps a list of them to one 422 Status.
import type { FieldError, FieldErrorType } from '../types';

/** Text the API uses for fields that may not change after creation. */
export const FIELD_IMMUTABLE = 'field is immutable';

/** `spec` + `replicas` → `spec.replicas`; a root of '' yields the child alone. */
export function child(base: string, ...names: string[]): string {
  let out = base;
  for (const name of names) out = out === '' ? name : `${out}.${name}`;
  return out;
}

/** `spec.containers` + 0 → `spec.containers[0]`. */
export function index(base: string, i: number): string {
  return `${base}[${i}]`;
}

/** `data` + `a.b` → `data[a.b]` (map keys are printed bare, like upstream's field.Path). */
export function key(base: string, k: string): string {
  return `${base}[${k}]`;
}

/** Render a bad value the way the API prints it: strings quoted, numbers and booleans bare, the rest as JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

function make(type: FieldErrorType, field: string, detail: string): FieldError {
  return Object.freeze({ type, field, detail });
}

function withDetail(head: string, detail: string | undefined): string {
  return detail ? `${head}: ${detail}` : head;
}

export function required(field: string, detail?: string): FieldError {
  return make('FieldValueRequired', field, withDetail('Required value', detail));
}

export function invalid(field: string, value: unknown, detail?: string): FieldError {
  return make('FieldValueInvalid', field, withDetail(`Invalid value: ${formatValue(value)}`, detail));
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const list = supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : undefined;
  return make('FieldValueNotSupported', field, withDetail(`Unsupported value: ${formatValue(value)}`, list));
}

export function duplicate(field: string, value: unknown): FieldError {
  return make('FieldValueDuplicate', field, `Duplicate value: ${formatValue(value)}`);
}

export function forbidden(field: string, detail?: string): FieldError {
  return make('FieldValueForbidden', field, withDetail('Forbidden', detail));
}

export function tooLong(field: string, maxBytes: number): FieldError {
  return make('FieldValueTooLong', field, `Too long: may not be more than ${maxBytes} ${maxBytes === 1 ? 'byte' : 'bytes'}`);
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  return make('FieldValueTooMany', field, `Too many: ${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}`);
}

export function notFound(field: string, value: unknown): FieldError {
  return make('FieldValueNotFound', field, `Not found: ${formatValue(value)}`);
}

/** `field: detail`, the line kubectl prints for each cause. */
export function formatFieldError(e: FieldError): string {
  return e.field ? `${e.field}: ${e.detail}` : `: ${e.detail}`;
}

/** An invalid-value error for each message a string check returned. */
export function invalidEach(field: string, value: unknown, messages: readonly string[]): FieldError[] {
  return messages.map((m) => invalid(field, value, m));
}
