// resource.k8s.io DeviceTaintRule (v1beta2) and ResourcePoolStatusRequest (v1alpha3). Facts from
// upstream 1.36: a rule's selector names a driver (DNS subdomain, ≤ 63, any case), a pool
// (slash-separated DNS subdomains, ≤ 253) and a device (DNS label); its taint has a label-name key,
// a label value and an effect None/NoSchedule/NoExecute; timeAdded is
// filled in on create and refreshed when an update changes the effect; at most 8 status conditions.
// A pool status request is cluster-scoped, its spec never changes, limit defaults to 100 (1…1000).
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, index, invalid, invalidEach, notSupported, required, tooLong, tooMany } from '../../validation/errors';
import { asObject, asString, objectsOf, semanticEqual } from '../../validation/json';
import { isDNS1123Label, isDNS1123Subdomain, isLabelValue, isQualifiedName } from '../../validation/names';
import { validateConditions } from './conditions';
import { declarativeStatusStrategy, declarativeStrategy } from './declarative';

export const DEVICE_TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'None'] as const;
const DRIVER_NAME_MAX = 63;
const POOL_NAME_MAX = 253;
const RULE_MAX_CONDITIONS = 8;
const POOL_REQUEST_LIMIT_DEFAULT = 100;
const POOL_REQUEST_LIMIT_MAX = 1000;
const POOL_REQUEST_MAX_CONDITIONS = 10;
const POOL_REQUEST_MAX_POOLS = 1000;

/** Seconds-precision RFC 3339 time, as metav1.Time serializes. */
function rfc3339Now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function validateDriverName(value: unknown, path: string): FieldError[] {
  const name = asString(value) ?? '';
  if (name === '') return [required(path)];
  const errs: FieldError[] = [];
  if (name.length > DRIVER_NAME_MAX) errs.push(tooLong(path, DRIVER_NAME_MAX));
  errs.push(...invalidEach(path, name, isDNS1123Subdomain(name.toLowerCase())));
  return errs;
}

export function validatePoolName(value: unknown, path: string): FieldError[] {
  const name = asString(value) ?? '';
  if (name === '') return [required(path)];
  const errs: FieldError[] = [];
  if (name.length > POOL_NAME_MAX) errs.push(tooLong(path, POOL_NAME_MAX));
  for (const part of name.split('/')) errs.push(...invalidEach(path, name, isDNS1123Subdomain(part)));
  return errs;
}

function validateTaint(taint: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const key = asString(taint.key) ?? '';
  errs.push(...invalidEach(child(path, 'key'), key, isQualifiedName(key)));
  const value = asString(taint.value) ?? '';
  if (value !== '') errs.push(...invalidEach(child(path, 'value'), value, isLabelValue(value)));
  const effect = asString(taint.effect) ?? '';
  if (effect === '') errs.push(required(child(path, 'effect')));
  else if (!(DEVICE_TAINT_EFFECTS as readonly string[]).includes(effect)) errs.push(notSupported(child(path, 'effect'), effect, DEVICE_TAINT_EFFECTS));
  return errs;
}

function validateRuleSpec(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs: FieldError[] = [];
  const selector = asObject(spec.deviceSelector);
  if (selector) {
    if (selector.driver !== undefined && selector.driver !== null) errs.push(...validateDriverName(selector.driver, 'spec.deviceSelector.driver'));
    if (selector.pool !== undefined && selector.pool !== null) errs.push(...validatePoolName(selector.pool, 'spec.deviceSelector.pool'));
    if (selector.device !== undefined && selector.device !== null) {
      const device = asString(selector.device) ?? '';
      if (device === '') errs.push(required('spec.deviceSelector.device'));
      else errs.push(...invalidEach('spec.deviceSelector.device', device, isDNS1123Label(device)));
    }
  }
  errs.push(...validateTaint(asObject(spec.taint) ?? {}, 'spec.taint'));
  return errs;
}

function stampTaint(obj: KubeObject, old?: KubeObject): void {
  const taint = asObject(asObject(obj.spec)?.taint);
  if (!taint) return;
  const oldTaint = old ? asObject(asObject(old.spec)?.taint) : undefined;
  if (!oldTaint) {
    if (taint.timeAdded === undefined || taint.timeAdded === null) taint.timeAdded = rfc3339Now();
    return;
  }
  // An effect change restarts the clock unless the client sent a new time of its own.
  if (oldTaint.effect !== taint.effect && (taint.timeAdded === undefined || taint.timeAdded === null || semanticEqual(taint.timeAdded, oldTaint.timeAdded))) taint.timeAdded = rfc3339Now();
  else if (taint.timeAdded === undefined || taint.timeAdded === null) taint.timeAdded = oldTaint.timeAdded;
}

// (Upstream checks the effect only when it is set or changed, to keep unknown stored effects; every
// effect k3ts ever stored is a known one, so checking it on each write is the same.)
const ruleBase = declarativeStrategy({ namespaced: false, validate: validateRuleSpec, hasStatus: true, generationPaths: ['spec'] });

export const deviceTaintRuleStrategy: Strategy = Object.freeze({
  ...ruleBase,
  prepareForCreate(obj: KubeObject) {
    ruleBase.prepareForCreate?.(obj);
    stampTaint(obj);
  },
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    ruleBase.prepareForUpdate?.(obj, old);
    stampTaint(obj, old);
  },
});

export const deviceTaintRuleStatusStrategy: Strategy = declarativeStatusStrategy({
  validateStatus: (obj) => validateConditions(asObject(obj.status)?.conditions, 'status.conditions', RULE_MAX_CONDITIONS),
});

function defaultPoolRequest(obj: KubeObject): void {
  const spec = asObject(obj.spec);
  if (spec && (spec.limit === undefined || spec.limit === null)) spec.limit = POOL_REQUEST_LIMIT_DEFAULT;
}

function validatePoolRequest(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs = validateDriverName(spec.driver, 'spec.driver');
  if (spec.poolName !== undefined && spec.poolName !== null) errs.push(...validatePoolName(spec.poolName, 'spec.poolName'));
  const limit = spec.limit;
  if (typeof limit === 'number' && limit < 1) errs.push(invalid('spec.limit', limit, 'must be greater than or equal to 1'));
  if (typeof limit === 'number' && limit > POOL_REQUEST_LIMIT_MAX) errs.push(invalid('spec.limit', limit, `must be less than or equal to ${POOL_REQUEST_LIMIT_MAX}`));
  return errs;
}

function nonNegative(value: unknown, path: string, min = 0): FieldError[] {
  return typeof value === 'number' && value < min ? [invalid(path, value, `must be greater than or equal to ${min}`)] : [];
}

function validatePoolRequestStatus(obj: KubeObject): FieldError[] {
  const status = asObject(obj.status);
  if (!status) return [];
  const errs: FieldError[] = [];
  if (typeof status.poolCount !== 'number') errs.push(required('status.poolCount'));
  else errs.push(...nonNegative(status.poolCount, 'status.poolCount'));
  if (Array.isArray(status.pools) && status.pools.length > POOL_REQUEST_MAX_POOLS) errs.push(tooMany('status.pools', status.pools.length, POOL_REQUEST_MAX_POOLS));
  for (const [pool, i] of objectsOf(status.pools)) {
    const p = index('status.pools', i);
    errs.push(...validateDriverName(pool.driver, child(p, 'driver')));
    errs.push(...validatePoolName(pool.poolName, child(p, 'poolName')));
    errs.push(...nonNegative(pool.generation, child(p, 'generation')));
    errs.push(...nonNegative(pool.resourceSliceCount, child(p, 'resourceSliceCount'), 1));
    for (const f of ['totalDevices', 'allocatedDevices', 'availableDevices', 'unavailableDevices']) errs.push(...nonNegative(pool[f], child(p, f)));
    if (typeof pool.validationError === 'string' && Buffer.byteLength(pool.validationError) > 256) errs.push(tooLong(child(p, 'validationError'), 256));
  }
  errs.push(...validateConditions(status.conditions, 'status.conditions', POOL_REQUEST_MAX_CONDITIONS));
  return errs;
}

export const resourcePoolStatusRequestStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  defaults: defaultPoolRequest,
  validate: validatePoolRequest,
  immutable: ['spec'],
  hasStatus: true,
  generationPaths: ['spec'],
});

export const resourcePoolStatusRequestStatusStrategy: Strategy = declarativeStatusStrategy({ validateStatus: validatePoolRequestStatus });
