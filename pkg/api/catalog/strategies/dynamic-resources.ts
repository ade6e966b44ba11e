// resource.k8s.io/v1: device classes, resource claims and their templates, resource slices.
// Facts from upstream: a claim's spec never changes; each device request has a unique DNS-label
// name and either an exact request (with a device class; allocationMode ExactCount and count 1 by
// default) or firstAvailable alternatives; a slice names its driver and pool and exactly one of
// nodeName, nodeSelector, allNodes, perDeviceNodeSelection, and its driver and node never change.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, duplicate, index, invalid, invalidEach, required } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { asArray, asObject, asString, objectsOf, type JsonRecord } from '../../validation/json';
import { isDNS1123Label, isDNS1123Subdomain } from '../../validation/names';
import { declarativeStatusStrategy, declarativeStrategy } from './declarative';

function defaultExact(exact: JsonRecord): void {
  if (exact.allocationMode === undefined || exact.allocationMode === null || exact.allocationMode === '') exact.allocationMode = 'ExactCount';
  if (exact.allocationMode === 'ExactCount' && (exact.count === undefined || exact.count === null || exact.count === 0)) exact.count = 1;
}

function defaultClaimSpec(spec: unknown): void {
  for (const [req] of objectsOf(asObject(asObject(spec)?.devices)?.requests)) {
    const exact = asObject(req.exactly);
    if (exact) defaultExact(exact);
    for (const [sub] of objectsOf(req.firstAvailable)) defaultExact(sub);
  }
}

function validateExact(exact: JsonRecord, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const cls = asString(exact.deviceClassName) ?? '';
  if (cls === '') errs.push(required(child(path, 'deviceClassName')));
  else errs.push(...invalidEach(child(path, 'deviceClassName'), cls, isDNS1123Subdomain(cls)));
  errs.push(...validateEnum(exact.allocationMode, ['ExactCount', 'All'], child(path, 'allocationMode')));
  if (exact.allocationMode === 'ExactCount' && typeof exact.count === 'number' && exact.count < 1) errs.push(invalid(child(path, 'count'), exact.count, 'must be greater than zero'));
  errs.push(...validateSelectors(exact.selectors, child(path, 'selectors')));
  return errs;
}

function validateSelectors(selectors: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [s, i] of objectsOf(selectors)) if ((asString(asObject(s.cel)?.expression) ?? '').trim() === '') errs.push(required(child(index(path, i), 'cel', 'expression')));
  return errs;
}

function validateClaimSpec(spec: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const [req, i] of objectsOf(asObject(asObject(spec)?.devices)?.requests)) {
    const p = index(child(path, 'devices', 'requests'), i);
    const name = asString(req.name) ?? '';
    if (name === '') errs.push(required(child(p, 'name')));
    else errs.push(...invalidEach(child(p, 'name'), name, isDNS1123Label(name)));
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    names.add(name);
    const exact = asObject(req.exactly);
    const first = asArray(req.firstAvailable);
    if ((exact === undefined) === (first === undefined || first.length === 0)) errs.push(invalid(p, req, 'exactly one of `exactly` or `firstAvailable` is required'));
    if (exact) errs.push(...validateExact(exact, child(p, 'exactly')));
    for (const [sub, j] of objectsOf(first)) errs.push(...validateExact(sub, index(child(p, 'firstAvailable'), j)));
  }
  return errs;
}

export const resourceClaimStrategy: Strategy = declarativeStrategy({
  namespaced: true,
  defaults: (obj) => defaultClaimSpec(obj.spec),
  validate: (obj) => validateClaimSpec(obj.spec, 'spec'),
  immutable: ['spec'],
  hasStatus: true,
});
export const resourceClaimStatusStrategy: Strategy = declarativeStatusStrategy();

export const resourceClaimTemplateStrategy: Strategy = declarativeStrategy({
  namespaced: true,
  defaults: (obj) => defaultClaimSpec(asObject(obj.spec)?.spec),
  validate: (obj) => validateClaimSpec(asObject(obj.spec)?.spec, 'spec.spec'),
  immutable: ['spec'],
});

export const deviceClassStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  validate: (obj) => validateSelectors(asObject(obj.spec)?.selectors, 'spec.selectors'),
  generationPaths: ['spec'],
});

function validateSlice(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs: FieldError[] = [];
  const driver = asString(spec.driver) ?? '';
  if (driver === '') errs.push(required('spec.driver'));
  else errs.push(...invalidEach('spec.driver', driver, isDNS1123Subdomain(driver)));
  const pool = asObject(spec.pool) ?? {};
  if ((asString(pool.name) ?? '') === '') errs.push(required('spec.pool.name'));
  if (!(typeof pool.resourceSliceCount === 'number' && pool.resourceSliceCount > 0)) errs.push(invalid('spec.pool.resourceSliceCount', pool.resourceSliceCount ?? 0, 'must be greater than zero'));
  if (typeof pool.generation === 'number' && pool.generation < 0) errs.push(invalid('spec.pool.generation', pool.generation, 'must be greater than or equal to 0'));
  const placement = ['nodeName', 'nodeSelector', 'allNodes', 'perDeviceNodeSelection'].filter((k) => spec[k] !== undefined && spec[k] !== null && spec[k] !== '' && spec[k] !== false);
  if (placement.length !== 1) errs.push(invalid('spec', '{`nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection`}', 'exactly one field must be set, not both'));
  const names = new Set<string>();
  for (const [d, i] of objectsOf(spec.devices)) {
    const name = asString(d.name) ?? '';
    const p = child(index('spec.devices', i), 'name');
    if (name === '') errs.push(required(p));
    else errs.push(...invalidEach(p, name, isDNS1123Label(name)));
    if (names.has(name)) errs.push(duplicate(p, name));
    names.add(name);
  }
  return errs;
}

export const resourceSliceStrategy: Strategy = declarativeStrategy({ namespaced: false, validate: validateSlice, immutable: ['spec.driver', 'spec.nodeName'] });
