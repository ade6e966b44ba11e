// Small checks shared by every resource: numeric bounds, enumerations, immutability.
import type { FieldError } from '../types';
import { FIELD_IMMUTABLE, invalid, notSupported, required } from './errors';
import { semanticEqual } from './json';

export const INT32_MAX = 2147483647;

/** ≥ 0 when set (an absent value passes). */
export function validateNonNegative(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'number' && value >= 0) return [];
  return [invalid(path, value, 'must be greater than or equal to 0')];
}

/** > 0 when set. */
export function validatePositive(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'number' && value > 0) return [];
  return [invalid(path, value, 'must be greater than 0')];
}

/** One of `allowed`; with `requiredWhenEmpty`, an absent or empty value is `Required value`. */
export function validateEnum(value: unknown, allowed: readonly string[], path: string, requiredWhenEmpty = false): FieldError[] {
  if (value === undefined || value === null || value === '') return requiredWhenEmpty ? [required(path)] : [];
  return typeof value === 'string' && allowed.includes(value) ? [] : [notSupported(path, value, allowed)];
}

/** `Invalid value: <new>: field is immutable` when the value changed (zero values equal absence). */
export function validateImmutableField(newValue: unknown, oldValue: unknown, path: string): FieldError[] {
  return semanticEqual(newValue, oldValue) ? [] : [invalid(path, newValue ?? null, FIELD_IMMUTABLE)];
}
