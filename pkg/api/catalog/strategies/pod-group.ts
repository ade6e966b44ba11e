// scheduling.k8s.io/v1alpha2 PodGroup. Facts from upstream 1.36: namespaced, with a status
// subresource; the whole spec is immutable; the scheduling policy is exactly one of `basic` or
// `gang` (gang.minCount ≥ 1); a template reference names a workload (DNS subdomain) and one of its
// pod group templates (DNS label); at most one topology constraint (a label key); at most 4
// resource claims with unique DNS-label names, each naming exactly one of a claim or a claim
// template; disruptionMode Pod or PodGroup; priority within the user-definable range.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, duplicate, index, invalid, invalidEach, notSupported, required, tooMany } from '../../validation/errors';
import { asObject, asString, objectsOf, type JsonRecord } from '../../validation/json';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../../validation/names';
import { validateConditions } from './conditions';
import { declarativeStatusStrategy, declarativeStrategy } from './declarative';
import { HIGHEST_USER_DEFINABLE_PRIORITY } from './priority-class';

const MAX_RESOURCE_CLAIMS = 4;
const MAX_TOPOLOGY = 1;
const DISRUPTION_MODES = ['Pod', 'PodGroup'] as const;
const MIN_INT32 = -2147483648;

function set(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function requiredName(value: unknown, path: string, check: (v: string) => string[]): FieldError[] {
  const s = asString(value) ?? '';
  return s === '' ? [required(path)] : invalidEach(path, s, check(s));
}

function exactlyOne(obj: JsonRecord, fields: readonly string[], path: string): FieldError[] {
  const present = fields.filter((f) => set(obj[f]));
  if (present.length === 1) return [];
  return [invalid(path, `{${fields.join(', ')}}`, `must specify exactly one of: ${fields.map((f) => `\`${f}\``).join(', ')}`)];
}

function validatePolicy(policy: JsonRecord | undefined, path: string): FieldError[] {
  if (!policy) return [required(path)];
  const errs = exactlyOne(policy, ['basic', 'gang'], path);
  const gang = asObject(policy.gang);
  if (gang) {
    if (typeof gang.minCount !== 'number') errs.push(required(child(path, 'gang', 'minCount')));
    else if (gang.minCount < 1) errs.push(invalid(child(path, 'gang', 'minCount'), gang.minCount, 'must be greater than or equal to 1'));
  }
  return errs;
}

function validateClaims(claims: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (Array.isArray(claims) && claims.length > MAX_RESOURCE_CLAIMS) errs.push(tooMany(path, claims.length, MAX_RESOURCE_CLAIMS));
  const names = new Set<string>();
  for (const [claim, i] of objectsOf(claims)) {
    const p = index(path, i);
    const name = asString(claim.name) ?? '';
    errs.push(...requiredName(name, child(p, 'name'), isDNS1123Label));
    if (name !== '' && names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    names.add(name);
    errs.push(...exactlyOne(claim, ['resourceClaimName', 'resourceClaimTemplateName'], p));
    for (const f of ['resourceClaimName', 'resourceClaimTemplateName']) if (set(claim[f])) errs.push(...requiredName(claim[f], child(p, f), isDNS1123Subdomain));
  }
  return errs;
}

function validateSpec(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec);
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  const ref = asObject(spec.podGroupTemplateRef);
  if (ref) {
    errs.push(...exactlyOne(ref, ['workload'], 'spec.podGroupTemplateRef'));
    const workload = asObject(ref.workload);
    if (workload) {
      errs.push(...requiredName(workload.workloadName, 'spec.podGroupTemplateRef.workload.workloadName', isDNS1123Subdomain));
      errs.push(...requiredName(workload.podGroupTemplateName, 'spec.podGroupTemplateRef.workload.podGroupTemplateName', isDNS1123Label));
    }
  }
  errs.push(...validatePolicy(asObject(spec.schedulingPolicy), 'spec.schedulingPolicy'));
  const topology = asObject(spec.schedulingConstraints)?.topology;
  if (Array.isArray(topology) && topology.length > MAX_TOPOLOGY) errs.push(tooMany('spec.schedulingConstraints.topology', topology.length, MAX_TOPOLOGY));
  for (const [t, i] of objectsOf(topology)) errs.push(...requiredName(t.key, child(index('spec.schedulingConstraints.topology', i), 'key'), isQualifiedName));
  errs.push(...validateClaims(spec.resourceClaims, 'spec.resourceClaims'));
  if (set(spec.disruptionMode) && !(DISRUPTION_MODES as readonly unknown[]).includes(spec.disruptionMode)) errs.push(notSupported('spec.disruptionMode', spec.disruptionMode, DISRUPTION_MODES));
  if (set(spec.priorityClassName) && spec.priorityClassName !== '') errs.push(...requiredName(spec.priorityClassName, 'spec.priorityClassName', isDNS1123Subdomain));
  if (typeof spec.priority === 'number' && (spec.priority > HIGHEST_USER_DEFINABLE_PRIORITY || spec.priority < MIN_INT32)) {
    errs.push(invalid('spec.priority', spec.priority, `must be between ${MIN_INT32} and ${HIGHEST_USER_DEFINABLE_PRIORITY}, inclusive`));
  }
  return errs;
}

function validateStatus(obj: KubeObject): FieldError[] {
  const status = asObject(obj.status) ?? {};
  const errs = validateConditions(status.conditions, 'status.conditions');
  const claims = status.resourceClaimStatuses;
  if (Array.isArray(claims) && claims.length > MAX_RESOURCE_CLAIMS) errs.push(tooMany('status.resourceClaimStatuses', claims.length, MAX_RESOURCE_CLAIMS));
  const names = new Set<string>();
  for (const [c, i] of objectsOf(claims)) {
    const p = index('status.resourceClaimStatuses', i);
    const name = asString(c.name) ?? '';
    if (name === '') errs.push(required(child(p, 'name')));
    else if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    names.add(name);
    if (set(c.resourceClaimName)) errs.push(...requiredName(c.resourceClaimName, child(p, 'resourceClaimName'), isDNS1123Subdomain));
  }
  return errs;
}

export const podGroupStrategy: Strategy = declarativeStrategy({ namespaced: true, validate: validateSpec, immutable: ['spec'], hasStatus: true, generationPaths: ['spec'] });
export const podGroupStatusStrategy: Strategy = declarativeStatusStrategy({ validateStatus: validateStatus });
