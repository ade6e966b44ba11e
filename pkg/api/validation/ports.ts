// Port numbers, named ports (IntOrString) and protocols.
import type { FieldError } from '../types';
import { invalid, invalidEach, notSupported, required } from './errors';
import { isValidPortName } from './names';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;

export function inclusiveRangeMessage(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/** 1–65535. */
export function validatePortNumber(value: unknown, path: string): FieldError[] {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535) return [];
  return [invalid(path, value, inclusiveRangeMessage(1, 65535))];
}

/** A required port: absent or 0 is `Required value`, otherwise 1–65535. */
export function validateRequiredPort(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null || value === 0) return [required(path)];
  return validatePortNumber(value, path);
}

/** IntOrString port: a number 1–65535 or an IANA service name. */
export function validatePortNumOrName(value: unknown, path: string): FieldError[] {
  if (typeof value === 'number') return validatePortNumber(value, path);
  if (typeof value === 'string') {
    if (value === '') return [required(path)];
    if (/^[0-9]+$/.test(value)) return validatePortNumber(Number(value), path);
    return invalidEach(path, value, isValidPortName(value));
  }
  return [required(path)];
}

export function validateProtocol(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null || value === '') return [required(path)];
  return typeof value === 'string' && (PROTOCOLS as readonly string[]).includes(value) ? [] : [notSupported(path, value, PROTOCOLS)];
}
