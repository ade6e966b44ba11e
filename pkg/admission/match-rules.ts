// Which requests a policy, binding or webhook applies to: rules (operations, apiGroups,
// apiVersions, resources with subresources, scope, resourceNames), namespaceSelector and
// objectSelector, as upstream's admission matching.
import type { KubeObject } from '../api/types';
import { asArray, asObject, asString, type JsonRecord } from '../api/validation/json';
import { isEmptyLabelSelector, labelSelectorMatches } from '../api/validation/labels';
import type { AdmissionAttributes } from './admission-attributes';

function strings(v: unknown): string[] {
  return (asArray(v) ?? []).filter((x): x is string => typeof x === 'string');
}

function resourceMatches(patterns: readonly string[], resource: string, subresource: string): boolean {
  const full = subresource ? `${resource}/${subresource}` : resource;
  return patterns.some((p) => {
    if (p === '*/*') return true;
    if (p === '*') return !subresource;
    if (p === full) return true;
    const [r, s] = p.split('/');
    if (s === undefined) return false;
    if (r === '*' && s === subresource) return true;
    return r === resource && s === '*' && subresource !== '';
  });
}

/** A RuleWithOperations / NamedRuleWithOperations against the request. */
export function ruleMatches(rule: JsonRecord, a: AdmissionAttributes): boolean {
  const ops = strings(rule.operations);
  if (!ops.includes('*') && !ops.includes(a.operation)) return false;
  const groups = strings(rule.apiGroups);
  if (!groups.includes('*') && !groups.includes(a.resource.group)) return false;
  const versions = strings(rule.apiVersions);
  if (!versions.includes('*') && !versions.includes(a.resource.version)) return false;
  if (!resourceMatches(strings(rule.resources), a.resource.resource, a.subresource)) return false;
  const scope = asString(rule.scope) ?? '*';
  if (scope === 'Cluster' && a.namespaced) return false;
  if (scope === 'Namespaced' && !a.namespaced) return false;
  const names = strings(rule.resourceNames);
  return names.length === 0 || names.includes(a.name);
}

/** An absent or empty selector matches everything. */
function selectorMatches(selector: unknown, labels: unknown): boolean {
  const sel = asObject(selector);
  if (!sel || isEmptyLabelSelector(sel)) return true;
  return labelSelectorMatches(sel, labels);
}

/** objectSelector: the new or the old object's labels must match. */
export function objectSelectorMatches(selector: unknown, a: AdmissionAttributes): boolean {
  if (!asObject(selector) || isEmptyLabelSelector(selector)) return true;
  const objs = [a.source.object, a.source.oldObject].filter((o): o is KubeObject => o !== undefined);
  if (objs.length === 0) return selectorMatches(selector, {});
  return objs.some((o) => selectorMatches(selector, o.metadata.labels ?? {}));
}

/** namespaceSelector: cluster-scoped requests (other than of namespaces) always match. */
export function namespaceSelectorMatches(selector: unknown, a: AdmissionAttributes, namespaceObject: KubeObject | undefined): boolean {
  if (!asObject(selector) || isEmptyLabelSelector(selector)) return true;
  if (a.resource.group === '' && a.resource.resource === 'namespaces' && !a.subresource) {
    const ns = a.source.object ?? a.source.oldObject;
    return selectorMatches(selector, ns?.metadata.labels ?? {});
  }
  if (!a.namespaced) return true;
  return selectorMatches(selector, namespaceObject?.metadata.labels ?? {});
}

/** A MatchResources (policies' matchConstraints, bindings' matchResources). */
export function matchResourcesMatch(mr: JsonRecord | undefined, a: AdmissionAttributes, namespaceObject: KubeObject | undefined): boolean {
  if (!mr) return true;
  // The rules first: they rule out most policies for a request at the least cost.
  const rules = (asArray(mr.resourceRules) ?? []).map(asObject).filter((r): r is JsonRecord => r !== undefined);
  if (mr.resourceRules !== undefined && !rules.some((r) => ruleMatches(r, a))) return false;
  const excluded = (asArray(mr.excludeResourceRules) ?? []).map(asObject).filter((r): r is JsonRecord => r !== undefined);
  if (excluded.some((r) => ruleMatches(r, a))) return false;
  return namespaceSelectorMatches(mr.namespaceSelector, a, namespaceObject) && objectSelectorMatches(mr.objectSelector, a);
}
