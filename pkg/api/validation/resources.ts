// Resource names and ResourceLists (requests/limits, quota hard limits, capacities).
import type { FieldError } from '../types';
import { child, invalid, invalidEach, key, required } from './errors';
import { asObject, type JsonRecord } from './json';
import { isQualifiedName } from './names';
import { QUANTITY_FORMAT_MESSAGE, compareQuantities, formatQuantity, roundUpToMilli, toQuantity, type Quantity } from './quantity';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);
const STANDARD_QUOTA_RESOURCES = new Set([...STANDARD_RESOURCES].filter((r) => r !== 'storage'));

function isHugePages(name: string): boolean {
  return name.startsWith('hugepages-');
}

/** Native resources live in the kubernetes.io namespace (no prefix or a `kubernetes.io/` one). */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** Only native, non-hugepage resources may have requests below limits. */
export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePages(name);
}

export function isStandardResourceName(name: string): boolean {
  return STANDARD_RESOURCES.has(name) || isHugePages(name) || name.startsWith('requests.hugepages-');
}

/** Generic resource names: a qualified name, and a standard one when unprefixed. */
export function validateResourceName(name: string, path: string): FieldError[] {
  const errs = invalidEach(path, name, isQualifiedName(name));
  if (!name.includes('/') && !isStandardResourceName(name)) errs.push(invalid(path, name, 'must be a standard resource type or fully qualified'));
  return errs;
}

export function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) errs.push(invalid(path, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && (name.startsWith('requests.') || isQualifiedName(`requests.${name}`).length > 0)) {
    errs.push(invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

export function validateQuotaResourceName(name: string, path: string): FieldError[] {
  const errs = invalidEach(path, name, isQualifiedName(name));
  if (!name.includes('/') && !STANDARD_QUOTA_RESOURCES.has(name) && !isHugePages(name) && !name.startsWith('requests.hugepages-')) {
    errs.push(invalid(path, name, 'must be a standard resource for quota'));
  }
  return errs;
}

/** A quantity value at `path`: parsable and not negative. Returns the parsed value when valid. */
export function validateQuantity(value: unknown, path: string, errs: FieldError[]): Quantity | undefined {
  const q = toQuantity(value);
  if (!q) {
    errs.push(invalid(path, value, QUANTITY_FORMAT_MESSAGE));
    return undefined;
  }
  if (q.nanos < 0n) {
    errs.push(invalid(path, formatQuantity(q), 'must be greater than or equal to 0'));
    return undefined;
  }
  return q;
}

/** Parse every entry of a ResourceList, reporting bad names (via `nameCheck`) and quantities. */
export function validateResourceList(
  list: unknown,
  path: string,
  nameCheck: (name: string, path: string) => FieldError[] = validateResourceName,
): { errors: FieldError[]; values: Map<string, Quantity> } {
  const errors: FieldError[] = [];
  const values = new Map<string, Quantity>();
  for (const [name, value] of Object.entries(asObject(list) ?? {})) {
    const p = key(path, name);
    errors.push(...nameCheck(name, p));
    const q = validateQuantity(value, p, errors);
    if (q) values.set(name, q);
  }
  return { errors, values };
}

/** Container (or pod-level) resources: names, quantities, requests ≤ limits. */
export function validateResourceRequirements(resources: unknown, path: string): FieldError[] {
  const res = asObject(resources);
  if (!res) return [];
  const limits = validateResourceList(res.limits, child(path, 'limits'), validateContainerResourceName);
  const requests = validateResourceList(res.requests, child(path, 'requests'), validateContainerResourceName);
  const errs = [...limits.errors, ...requests.errors];
  for (const [name, req] of requests.values) {
    const lim = limits.values.get(name);
    const reqPath = key(child(path, 'requests'), name);
    if (lim && compareQuantities(req, lim) > 0) {
      errs.push(invalid(reqPath, formatQuantity(req), `must be less than or equal to ${name} limit of ${formatQuantity(lim)}`));
    }
    if (!isOvercommitAllowed(name)) {
      if (!lim) errs.push(required(key(child(path, 'limits'), name), 'Limit must be set for non overcommitable resources'));
      else if (compareQuantities(req, lim) !== 0) errs.push(invalid(reqPath, formatQuantity(req), `must be equal to ${name} limit of ${formatQuantity(lim)}`));
    }
  }
  return errs;
}

/** Rewrite each parsable quantity of a ResourceList in canonical form after milli rounding. */
export function canonicalizeResourceList(list: unknown): void {
  const map = asObject(list) as JsonRecord | undefined;
  if (!map) return;
  for (const [name, value] of Object.entries(map)) {
    const q = toQuantity(value);
    if (q) map[name] = formatQuantity(roundUpToMilli(q));
  }
}
