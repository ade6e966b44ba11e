// rbac.authorization.k8s.io/v1: Role, ClusterRole (with aggregationRule), RoleBinding and
// ClusterRoleBinding. Names are URL path segments (`system:controller:x` is valid); a binding's
// roleRef never changes after creation.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, index, invalid, invalidEach, notSupported, required } from '../../validation/errors';
import { asArray, asObject, asString, objectsOf, semanticEqual } from '../../validation/json';
import { validateLabelSelector } from '../../validation/labels';
import { isDNS1123Subdomain, nameIsPathSegment } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { metaValidator } from './common';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'] as const;

function strings(v: unknown): string[] {
  return (asArray(v) ?? []).filter((s): s is string => typeof s === 'string');
}

/** One PolicyRule: verbs always; either resource rules (groups + resources) or non-resource URLs. */
export function validatePolicyRule(rule: Record<string, unknown>, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (strings(rule.verbs).length === 0) errs.push(required(child(path, 'verbs'), 'verbs must contain at least one value'));
  const urls = strings(rule.nonResourceURLs);
  const groups = asArray(rule.apiGroups) ?? [];
  const resources = strings(rule.resources);
  if (urls.length > 0) {
    if (namespaced) errs.push(invalid(child(path, 'nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (groups.length > 0 || resources.length > 0) errs.push(invalid(child(path, 'nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    return errs;
  }
  if (groups.length === 0) errs.push(required(child(path, 'apiGroups'), 'resource rules must supply at least one api group'));
  if (resources.length === 0) errs.push(required(child(path, 'resources'), 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(obj: KubeObject, namespaced: boolean): FieldError[] {
  return objectsOf(obj.rules).flatMap(([rule, i]) => validatePolicyRule(rule, namespaced, index('rules', i)));
}

function validateAggregationRule(obj: KubeObject): FieldError[] {
  const agg = asObject(obj.aggregationRule);
  if (!agg) return [];
  const selectors = asArray(agg.clusterRoleSelectors) ?? [];
  if (selectors.length === 0) return [required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil')];
  return selectors.flatMap((s, i) => validateLabelSelector(s, index('aggregationRule.clusterRoleSelectors', i)));
}

function validateRoleRef(ref: unknown, clusterOnly: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const r = asObject(ref) ?? {};
  if (r.apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', r.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = clusterOnly ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(String(r.kind))) errs.push(notSupported('roleRef.kind', r.kind ?? '', kinds));
  const name = asString(r.name) ?? '';
  if (name === '') errs.push(required('roleRef.name'));
  else errs.push(...invalidEach('roleRef.name', name, nameIsPathSegment(name, false)));
  return errs;
}

function validateSubject(s: Record<string, unknown>, namespacedBinding: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = asString(s.name) ?? '';
  if (name === '') errs.push(required(child(path, 'name')));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name !== '') errs.push(...invalidEach(child(path, 'name'), name, isDNS1123Subdomain(name)));
      if ((asString(s.apiGroup) ?? '') !== '') errs.push(notSupported(child(path, 'apiGroup'), s.apiGroup, ['']));
      if (!namespacedBinding && !asString(s.namespace)) errs.push(required(child(path, 'namespace')));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.push(notSupported(child(path, 'apiGroup'), s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(child(path, 'kind'), s.kind ?? '', SUBJECT_KINDS));
  }
  return errs;
}

/** Upstream defaults: roleRef and User/Group subjects in the RBAC group, ServiceAccounts in the core group. */
function defaultBinding(obj: KubeObject): void {
  const ref = asObject(obj.roleRef);
  if (ref && !asString(ref.apiGroup)) ref.apiGroup = RBAC_GROUP;
  for (const [s] of objectsOf(obj.subjects)) {
    if (asString(s.apiGroup) !== undefined && s.apiGroup !== '') continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
    else if (s.kind === 'ServiceAccount') s.apiGroup = '';
  }
}

function roleStrategy(namespaced: boolean): Strategy {
  const meta = metaValidator(namespaced, nameIsPathSegment);
  const validate = (obj: KubeObject) => [...meta(obj), ...validateRules(obj, namespaced), ...(namespaced ? [] : validateAggregationRule(obj))];
  return Object.freeze({
    validate,
    validateUpdate: (obj: KubeObject, old: KubeObject) => validateObjectMetaUpdate(obj.metadata, old.metadata),
  });
}

function bindingStrategy(namespaced: boolean): Strategy {
  const meta = metaValidator(namespaced, nameIsPathSegment);
  return Object.freeze({
    defaults: defaultBinding,
    validate: (obj: KubeObject) => [
      ...meta(obj),
      ...validateRoleRef(obj.roleRef, !namespaced),
      ...objectsOf(obj.subjects).flatMap(([s, i]) => validateSubject(s, namespaced, index('subjects', i))),
    ],
    validateUpdate: (obj: KubeObject, old: KubeObject) => [
      ...validateObjectMetaUpdate(obj.metadata, old.metadata),
      ...(semanticEqual(obj.roleRef, old.roleRef) ? [] : [invalid('roleRef', obj.roleRef, 'cannot change roleRef')]),
    ],
  });
}

export const roleStrategyNamespaced = roleStrategy(true);
export const clusterRoleStrategy = roleStrategy(false);
export const roleBindingStrategy = bindingStrategy(true);
export const clusterRoleBindingStrategy = bindingStrategy(false);
