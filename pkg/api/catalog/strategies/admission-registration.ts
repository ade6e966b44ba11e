// admissionregistration.k8s.io/v1: webhook configurations and CEL admission policies with their
// bindings, stored and validated (calling webhooks and evaluating policies is the admission
// chain's job). Facts from upstream defaults: webhooks fail closed (failurePolicy Fail), match
// Equivalent requests, wait 10 s, reach services on port 443, select every namespace and object,
// mutating ones are not reinvoked; rule scope is "*"; policies default the same way.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, duplicate, index, invalid, required } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { asArray, asObject, asString, objectsOf, type JsonRecord } from '../../validation/json';
import { validateLabelSelector } from '../../validation/labels';
import { specOf } from './common';
import { declarativeStatusStrategy, declarativeStrategy } from './declarative';

const FAILURE_POLICIES = ['Ignore', 'Fail'] as const;
const MATCH_POLICIES = ['Exact', 'Equivalent'] as const;
const SIDE_EFFECTS = ['None', 'NoneOnDryRun'] as const;
const REINVOCATION = ['Never', 'IfNeeded'] as const;
const OPERATIONS = ['*', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
const SCOPES = ['Cluster', 'Namespaced', '*'] as const;
const VALIDATION_ACTIONS = ['Deny', 'Warn', 'Audit'] as const;

function setIfAbsent(o: JsonRecord, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null) o[k] = v;
}

function defaultRules(rules: unknown): void {
  for (const [r] of objectsOf(rules)) setIfAbsent(r, 'scope', '*');
}

function defaultWebhook(w: JsonRecord, mutating: boolean): void {
  setIfAbsent(w, 'failurePolicy', 'Fail');
  setIfAbsent(w, 'matchPolicy', 'Equivalent');
  setIfAbsent(w, 'namespaceSelector', {});
  setIfAbsent(w, 'objectSelector', {});
  setIfAbsent(w, 'timeoutSeconds', 10);
  if (mutating) setIfAbsent(w, 'reinvocationPolicy', 'Never');
  const service = asObject(asObject(w.clientConfig)?.service);
  if (service) setIfAbsent(service, 'port', 443);
  defaultRules(w.rules);
}

function validateRules(rules: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [r, i] of objectsOf(rules)) {
    const p = index(path, i);
    const ops = asArray(r.operations) ?? [];
    if (ops.length === 0) errs.push(required(child(p, 'operations')));
    ops.forEach((o, j) => errs.push(...validateEnum(o, OPERATIONS, index(child(p, 'operations'), j))));
    if ((asArray(r.apiGroups) ?? []).length === 0) errs.push(required(child(p, 'apiGroups')));
    if ((asArray(r.apiVersions) ?? []).length === 0) errs.push(required(child(p, 'apiVersions')));
    if ((asArray(r.resources) ?? []).length === 0) errs.push(required(child(p, 'resources')));
    errs.push(...validateEnum(r.scope, SCOPES, child(p, 'scope')));
  }
  return errs;
}

function validateClientConfig(cc: unknown, path: string): FieldError[] {
  const c = asObject(cc) ?? {};
  const url = asString(c.url);
  const service = asObject(c.service);
  if ((url === undefined) === (service === undefined)) return [required(path, 'exactly one of url or service is required')];
  const errs: FieldError[] = [];
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.protocol !== 'https:') errs.push(invalid(child(path, 'url'), url, "'https' is the only allowed URL scheme"));
    else if (parsed.hash || parsed.search || parsed.username) errs.push(invalid(child(path, 'url'), url, 'fragments, query parameters and user information are not permitted'));
  }
  if (service) {
    if ((asString(service.namespace) ?? '') === '') errs.push(required(child(path, 'service', 'namespace'), 'service namespace is required'));
    if ((asString(service.name) ?? '') === '') errs.push(required(child(path, 'service', 'name'), 'service name is required'));
    const port = service.port;
    if (typeof port === 'number' && (port < 1 || port > 65535)) errs.push(invalid(child(path, 'service', 'port'), port, 'port is not valid: must be between 1 and 65535, inclusive'));
  }
  return errs;
}

function validateWebhooks(mutating: boolean): (obj: KubeObject) => FieldError[] {
  return (obj) => {
    const errs: FieldError[] = [];
    const names = new Set<string>();
    for (const [w, i] of objectsOf(obj.webhooks)) {
      const p = index('webhooks', i);
      const name = asString(w.name) ?? '';
      if (name === '') errs.push(required(child(p, 'name')));
      else if (name.split('.').length < 3) errs.push(invalid(child(p, 'name'), name, 'should be a domain with at least three segments separated by dots'));
      if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      names.add(name);
      errs.push(...validateClientConfig(w.clientConfig, child(p, 'clientConfig')));
      errs.push(...validateRules(w.rules, child(p, 'rules')));
      errs.push(...validateEnum(w.failurePolicy, FAILURE_POLICIES, child(p, 'failurePolicy')));
      errs.push(...validateEnum(w.matchPolicy, MATCH_POLICIES, child(p, 'matchPolicy')));
      errs.push(...validateEnum(w.sideEffects, SIDE_EFFECTS, child(p, 'sideEffects'), true));
      if (mutating) errs.push(...validateEnum(w.reinvocationPolicy, REINVOCATION, child(p, 'reinvocationPolicy')));
      const versions = asArray(w.admissionReviewVersions) ?? [];
      if (versions.length === 0) errs.push(required(child(p, 'admissionReviewVersions'), 'must specify one of v1, v1beta1'));
      else if (!versions.some((v) => v === 'v1' || v === 'v1beta1')) errs.push(invalid(child(p, 'admissionReviewVersions'), versions, 'must include at least one of v1, v1beta1'));
      const t = w.timeoutSeconds;
      if (typeof t === 'number' && (t < 1 || t > 30)) errs.push(invalid(child(p, 'timeoutSeconds'), t, 'the timeout value must be between 1 and 30 seconds'));
      for (const k of ['namespaceSelector', 'objectSelector']) if (w[k] !== undefined) errs.push(...validateLabelSelector(w[k], child(p, k)));
    }
    return errs;
  };
}

function webhookConfigStrategy(mutating: boolean): Strategy {
  return declarativeStrategy({
    namespaced: false,
    defaults: (obj) => {
      for (const [w] of objectsOf(obj.webhooks)) defaultWebhook(w, mutating);
    },
    validate: validateWebhooks(mutating),
    generationPaths: ['webhooks'],
  });
}

export const validatingWebhookConfigurationStrategy: Strategy = webhookConfigStrategy(false);
export const mutatingWebhookConfigurationStrategy: Strategy = webhookConfigStrategy(true);

function defaultMatchResources(m: unknown): void {
  const mr = asObject(m);
  if (!mr) return;
  setIfAbsent(mr, 'namespaceSelector', {});
  setIfAbsent(mr, 'objectSelector', {});
  setIfAbsent(mr, 'matchPolicy', 'Equivalent');
  defaultRules(mr.resourceRules);
  defaultRules(mr.excludeResourceRules);
}

function validateMatchResources(m: unknown, path: string, requireRules: boolean): FieldError[] {
  const mr = asObject(m);
  if (!mr) return requireRules ? [required(path)] : [];
  const errs = validateEnum(mr.matchPolicy, MATCH_POLICIES, child(path, 'matchPolicy'));
  if (requireRules && (asArray(mr.resourceRules) ?? []).length === 0) errs.push(required(child(path, 'resourceRules')));
  errs.push(...validateRules(mr.resourceRules, child(path, 'resourceRules')));
  errs.push(...validateRules(mr.excludeResourceRules, child(path, 'excludeResourceRules')));
  return errs;
}

function validateExpressions(list: unknown, path: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [v, i] of objectsOf(list)) if ((asString(v[field]) ?? '').trim() === '') errs.push(required(child(index(path, i), field)));
  return errs;
}

function validateParamKind(spec: JsonRecord): FieldError[] {
  const pk = asObject(spec.paramKind);
  if (!pk) return [];
  const errs: FieldError[] = [];
  if ((asString(pk.apiVersion) ?? '') === '') errs.push(required('spec.paramKind.apiVersion'));
  if ((asString(pk.kind) ?? '') === '') errs.push(required('spec.paramKind.kind'));
  return errs;
}

export const validatingAdmissionPolicyStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  defaults(obj) {
    const spec = specOf(obj);
    setIfAbsent(spec, 'failurePolicy', 'Fail');
    defaultMatchResources(spec.matchConstraints);
  },
  validate(obj) {
    const spec = asObject(obj.spec) ?? {};
    const errs = validateMatchResources(spec.matchConstraints, 'spec.matchConstraints', true);
    errs.push(...validateEnum(spec.failurePolicy, FAILURE_POLICIES, 'spec.failurePolicy'));
    errs.push(...validateParamKind(spec));
    if ((asArray(spec.validations) ?? []).length === 0 && (asArray(spec.auditAnnotations) ?? []).length === 0) errs.push(required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
    errs.push(...validateExpressions(spec.validations, 'spec.validations', 'expression'));
    errs.push(...validateExpressions(spec.auditAnnotations, 'spec.auditAnnotations', 'valueExpression'));
    errs.push(...validateExpressions(spec.matchConditions, 'spec.matchConditions', 'expression'));
    errs.push(...validateExpressions(spec.variables, 'spec.variables', 'expression'));
    return errs;
  },
  hasStatus: true,
  generationPaths: ['spec'],
});
export const validatingAdmissionPolicyStatusStrategy: Strategy = declarativeStatusStrategy();

export const mutatingAdmissionPolicyStrategy: Strategy = declarativeStrategy({
  namespaced: false,
  defaults(obj) {
    const spec = specOf(obj);
    setIfAbsent(spec, 'failurePolicy', 'Fail');
    setIfAbsent(spec, 'reinvocationPolicy', 'Never');
    defaultMatchResources(spec.matchConstraints);
  },
  validate(obj) {
    const spec = asObject(obj.spec) ?? {};
    const errs = validateMatchResources(spec.matchConstraints, 'spec.matchConstraints', true);
    errs.push(...validateEnum(spec.failurePolicy, FAILURE_POLICIES, 'spec.failurePolicy'));
    errs.push(...validateEnum(spec.reinvocationPolicy, REINVOCATION, 'spec.reinvocationPolicy'));
    errs.push(...validateParamKind(spec));
    if ((asArray(spec.mutations) ?? []).length === 0) errs.push(required('spec.mutations', 'mutations must contain at least one item'));
    for (const [m, i] of objectsOf(spec.mutations)) {
      const p = index('spec.mutations', i);
      errs.push(...validateEnum(m.patchType, ['ApplyConfiguration', 'JSONPatch'], child(p, 'patchType'), true));
      if (m.patchType === 'ApplyConfiguration' && (asString(asObject(m.applyConfiguration)?.expression) ?? '') === '') errs.push(required(child(p, 'applyConfiguration', 'expression')));
      if (m.patchType === 'JSONPatch' && (asString(asObject(m.jsonPatch)?.expression) ?? '') === '') errs.push(required(child(p, 'jsonPatch', 'expression')));
    }
    errs.push(...validateExpressions(spec.matchConditions, 'spec.matchConditions', 'expression'));
    errs.push(...validateExpressions(spec.variables, 'spec.variables', 'expression'));
    return errs;
  },
  generationPaths: ['spec'],
});

function validateBinding(actions: boolean): (obj: KubeObject) => FieldError[] {
  return (obj) => {
    const spec = asObject(obj.spec) ?? {};
    const errs: FieldError[] = [];
    if ((asString(spec.policyName) ?? '') === '') errs.push(required('spec.policyName'));
    if (actions) {
      const list = asArray(spec.validationActions) ?? [];
      if (list.length === 0) errs.push(required('spec.validationActions'));
      list.forEach((a, i) => errs.push(...validateEnum(a, VALIDATION_ACTIONS, index('spec.validationActions', i))));
      if (list.includes('Deny') && list.includes('Warn')) errs.push(invalid('spec.validationActions', list, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'));
    }
    const ref = asObject(spec.paramRef);
    if (ref) {
      errs.push(...validateEnum(ref.parameterNotFoundAction, ['Allow', 'Deny'], 'spec.paramRef.parameterNotFoundAction', true));
      if (ref.name !== undefined && ref.selector !== undefined) errs.push(invalid('spec.paramRef', ref, 'one of name or selector must be specified'));
    }
    errs.push(...validateMatchResources(spec.matchResources, 'spec.matchResources', false));
    return errs;
  };
}

function defaultBinding(obj: KubeObject): void {
  defaultMatchResources(specOf(obj).matchResources);
}

export const validatingAdmissionPolicyBindingStrategy: Strategy = declarativeStrategy({ namespaced: false, defaults: defaultBinding, validate: validateBinding(true), generationPaths: ['spec'] });
export const mutatingAdmissionPolicyBindingStrategy: Strategy = declarativeStrategy({ namespaced: false, defaults: defaultBinding, validate: validateBinding(false), generationPaths: ['spec'] });
