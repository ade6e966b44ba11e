// flowcontrol.apiserver.k8s.io/v1 flowschemas and prioritylevelconfigurations. Facts from
// upstream: a FlowSchema names its priority level, matchingPrecedence defaults to 1000 (1–10000);
// a Limited level's nominalConcurrencyShares defaults to 30 and lendablePercent to 0, a queuing
// limit response to 64 queues, hand size 8, queue length 50; the `exempt` and `catch-all` objects
// are the mandatory ones.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, index, invalid, required } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { asArray, asObject, asString, objectsOf, type JsonRecord } from '../../validation/json';
import { specOf } from './common';
import { declarativeStatusStrategy, declarativeStrategy } from './declarative';

const SUBJECT_KINDS = ['User', 'Group', 'ServiceAccount'] as const;

function validateSubjects(subjects: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = objectsOf(subjects);
  if (list.length === 0) errs.push(required(path, 'subjects must contain at least one value'));
  for (const [s, i] of list) {
    const p = index(path, i);
    errs.push(...validateEnum(s.kind, SUBJECT_KINDS, child(p, 'kind'), true));
    if (s.kind === 'User' && (asString(asObject(s.user)?.name) ?? '') === '') errs.push(required(child(p, 'user', 'name')));
    if (s.kind === 'Group' && (asString(asObject(s.group)?.name) ?? '') === '') errs.push(required(child(p, 'group', 'name')));
    if (s.kind === 'ServiceAccount') {
      const sa = asObject(s.serviceAccount) ?? {};
      if ((asString(sa.namespace) ?? '') === '') errs.push(required(child(p, 'serviceAccount', 'namespace')));
      if ((asString(sa.name) ?? '') === '') errs.push(required(child(p, 'serviceAccount', 'name')));
    }
  }
  return errs;
}

function validateFlowSchema(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs: FieldError[] = [];
  if ((asString(asObject(spec.priorityLevelConfiguration)?.name) ?? '') === '') errs.push(required('spec.priorityLevelConfiguration.name', 'must reference a priority level'));
  const mp = spec.matchingPrecedence;
  if (typeof mp === 'number' && (mp < 1 || mp > 10000)) errs.push(invalid('spec.matchingPrecedence', mp, 'must be between 1 and 10000'));
  const dm = asObject(spec.distinguisherMethod);
  if (dm) errs.push(...validateEnum(dm.type, ['ByUser', 'ByNamespace'], 'spec.distinguisherMethod.type', true));
  for (const [rule, i] of objectsOf(spec.rules)) {
    const p = index('spec.rules', i);
    errs.push(...validateSubjects(rule.subjects, child(p, 'subjects')));
    if ((asArray(rule.resourceRules) ?? []).length === 0 && (asArray(rule.nonResourceRules) ?? []).length === 0) errs.push(required(p, 'at least one of resourceRules and nonResourceRules has to be non-empty'));
    for (const [rr, j] of objectsOf(rule.resourceRules)) {
      const rp = index(child(p, 'resourceRules'), j);
      for (const f of ['verbs', 'apiGroups', 'resources']) if ((asArray(rr[f]) ?? []).length === 0) errs.push(required(child(rp, f), `${f} must contain at least one value`));
      if ((asArray(rr.namespaces) ?? []).length === 0 && rr.clusterScope !== true) errs.push(required(child(rp, 'namespaces'), 'resource rules that are not cluster scoped must supply at least one namespace'));
    }
    for (const [nr, j] of objectsOf(rule.nonResourceRules)) {
      const np = index(child(p, 'nonResourceRules'), j);
      for (const f of ['verbs', 'nonResourceURLs']) if ((asArray(nr[f]) ?? []).length === 0) errs.push(required(child(np, f), `${f} must contain at least one value`));
    }
  }
  return errs;
}

export const flowSchemaStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  defaults(obj) {
    const spec = specOf(obj);
    if (spec.matchingPrecedence === undefined || spec.matchingPrecedence === null || spec.matchingPrecedence === 0) spec.matchingPrecedence = 1000;
  },
  validate: validateFlowSchema,
  hasStatus: true,
  generationPaths: ['spec'],
});
export const flowSchemaStatusStrategy: Strategy = declarativeStatusStrategy();

function defaultPriorityLevel(obj: KubeObject): void {
  const spec = specOf(obj);
  const limited = asObject(spec.limited);
  if (limited) {
    if (limited.nominalConcurrencyShares === undefined || limited.nominalConcurrencyShares === null) limited.nominalConcurrencyShares = 30;
    if (limited.lendablePercent === undefined || limited.lendablePercent === null) limited.lendablePercent = 0;
    const lr: JsonRecord = asObject(limited.limitResponse) ?? {};
    limited.limitResponse = lr;
    if (lr.type === undefined || lr.type === null || lr.type === '') lr.type = 'Reject';
    const q = asObject(lr.queuing);
    if (lr.type === 'Queue') {
      const queuing: JsonRecord = q ?? {};
      lr.queuing = queuing;
      if (!queuing.queues) queuing.queues = 64;
      if (!queuing.handSize) queuing.handSize = 8;
      if (!queuing.queueLengthLimit) queuing.queueLengthLimit = 50;
    }
  }
  const exempt = asObject(spec.exempt) ?? (spec.type === 'Exempt' ? (spec.exempt = {}) : undefined);
  if (exempt) {
    const e = exempt as JsonRecord;
    if (e.nominalConcurrencyShares === undefined || e.nominalConcurrencyShares === null) e.nominalConcurrencyShares = 0;
    if (e.lendablePercent === undefined || e.lendablePercent === null) e.lendablePercent = 0;
  }
}

function validatePriorityLevel(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs = validateEnum(spec.type, ['Exempt', 'Limited'], 'spec.type', true);
  if (spec.type === 'Limited' && !asObject(spec.limited)) errs.push(required('spec.limited', 'must not be empty when type is Limited'));
  if (spec.type === 'Limited' && spec.exempt !== undefined) errs.push(invalid('spec.exempt', spec.exempt, 'must be nil if the type is Limited'));
  if (spec.type === 'Exempt' && spec.limited !== undefined) errs.push(invalid('spec.limited', spec.limited, 'must be nil if the type is not Limited'));
  const limited = asObject(spec.limited);
  if (limited) {
    const lp = limited.lendablePercent;
    if (typeof lp === 'number' && (lp < 0 || lp > 100)) errs.push(invalid('spec.limited.lendablePercent', lp, 'must be between 0 and 100, inclusive'));
    const lr = asObject(limited.limitResponse) ?? {};
    errs.push(...validateEnum(lr.type, ['Queue', 'Reject'], 'spec.limited.limitResponse.type', true));
    const q = asObject(lr.queuing);
    if (lr.type === 'Queue' && q) {
      const queues = typeof q.queues === 'number' ? q.queues : 0;
      const hand = typeof q.handSize === 'number' ? q.handSize : 0;
      if (queues < 1) errs.push(invalid('spec.limited.limitResponse.queuing.queues', q.queues ?? 0, 'must be positive'));
      if (hand < 1 || hand > queues) errs.push(invalid('spec.limited.limitResponse.queuing.handSize', q.handSize ?? 0, `should not be greater than queues (${queues})`));
    }
    if (lr.type === 'Reject' && lr.queuing !== undefined) errs.push(invalid('spec.limited.limitResponse.queuing', lr.queuing, 'must be nil if limited.limitResponse.type is not Limited'));
  }
  return errs;
}

export const priorityLevelConfigurationStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  defaults: defaultPriorityLevel,
  validate: validatePriorityLevel,
  hasStatus: true,
  generationPaths: ['spec'],
});
export const priorityLevelConfigurationStatusStrategy: Strategy = declarativeStatusStrategy();
