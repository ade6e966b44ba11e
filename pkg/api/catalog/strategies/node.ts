// core/v1 nodes: allocatable defaults to capacity, taints, pod CIDRs and providerID set once.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, duplicate, forbidden, index, invalid, invalidEach, required } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { validateCIDR, validateIP } from '../../validation/ip';
import { asArray, asObject, asString, clone, objectsOf, semanticEqual } from '../../validation/json';
import { isLabelValue, isQualifiedName, nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { TAINT_EFFECTS } from '../../validation/pod-spec';
import { canonicalizeResourceList, validateResourceList } from '../../validation/resources';
import { metaValidator, preserveStatus, statusStrategy } from './common';

function defaults(obj: KubeObject): void {
  const status = asObject(obj.status);
  if (!status) return;
  canonicalizeResourceList(status.capacity);
  if (status.allocatable === undefined && asObject(status.capacity)) status.allocatable = clone(status.capacity);
  canonicalizeResourceList(status.allocatable);
}

export function validateTaints(taints: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const [t, i] of objectsOf(taints)) {
    const p = index(path, i);
    const k = asString(t.key) ?? '';
    if (k === '') errs.push(required(child(p, 'key')));
    else errs.push(...invalidEach(child(p, 'key'), k, isQualifiedName(k)));
    const v = asString(t.value) ?? '';
    errs.push(...invalidEach(child(p, 'value'), v, isLabelValue(v)));
    errs.push(...validateEnum(t.effect, TAINT_EFFECTS, child(p, 'effect'), true));
    const pair = `${k}/${String(t.effect)}`;
    if (seen.has(pair)) errs.push(duplicate(p, { key: k, effect: t.effect }));
    seen.add(pair);
  }
  return errs;
}

function validate(obj: KubeObject): FieldError[] {
  const errs = metaValidator(false, nameIsDNSSubdomain)(obj);
  const spec = asObject(obj.spec) ?? {};
  const cidr = asString(spec.podCIDR);
  if (cidr) errs.push(...validateCIDR(cidr, 'spec.podCIDR'));
  const cidrs = asArray(spec.podCIDRs) ?? [];
  cidrs.forEach((c, i) => errs.push(...validateCIDR(typeof c === 'string' ? c : '', index('spec.podCIDRs', i))));
  if (cidrs.length > 2) errs.push(invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
  errs.push(...validateTaints(spec.taints, 'spec.taints'));
  errs.push(...validateNodeStatus(obj));
  return errs;
}

function validateNodeStatus(obj: KubeObject): FieldError[] {
  const status = asObject(obj.status) ?? {};
  const errs = [...validateResourceList(status.capacity, 'status.capacity').errors, ...validateResourceList(status.allocatable, 'status.allocatable').errors];
  for (const [addr, i] of objectsOf(status.addresses)) {
    const p = index('status.addresses', i);
    if (!asString(addr.type)) errs.push(required(child(p, 'type')));
    if ((addr.type === 'InternalIP' || addr.type === 'ExternalIP') && typeof addr.address === 'string') errs.push(...validateIP(addr.address, child(p, 'address')));
  }
  return errs;
}

function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const spec = asObject(obj.spec) ?? {};
  const oldSpec = asObject(old.spec) ?? {};
  const oldCIDRs = asArray(oldSpec.podCIDRs) ?? [];
  if (oldCIDRs.length > 0 && !semanticEqual(spec.podCIDRs, oldSpec.podCIDRs)) {
    errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (asString(oldSpec.providerID) && spec.providerID !== oldSpec.providerID) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

export const nodeStrategy: Strategy = Object.freeze({
  defaults,
  prepareForUpdate: preserveStatus,
  validate,
  validateUpdate,
});

export const nodeStatusStrategy: Strategy = statusStrategy({ prepare: (obj) => defaults(obj), validateStatus: validateNodeStatus });
