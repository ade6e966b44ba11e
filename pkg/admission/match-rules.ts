// Which requests a policy, binding or webhook applies to: rules (operations, apiGroups,
// apiVersions, resources with subresources, scope, resourceNames), namespaceSelector and
// objectSelector, as upstream's admission matching. With matchPolicy Equivalent (the default in
// admissionregistration.k8s.io/v1) rules also match through an equivalent resource: the match
// then names the resource the rules matched, so the caller can convert the object to it.
import type { ResourceDef } from '../api/resource-def';
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

/** The other resources sharing the request's storage, for matchPolicy Equivalent (none: exact matching only). */
export type EquivalentsOf = (def: ResourceDef, subresource: string) => readonly ResourceDef[];

const NO_EQUIVALENTS: EquivalentsOf = () => [];

/** The request as if made through `def` (only what rule matching reads). */
function through(a: AdmissionAttributes, def: ResourceDef): AdmissionAttributes {
  return { ...a, resource: { group: def.group, version: def.version, resource: def.resource } };
}

/**
 * The resource the rules match the request as: the requested one, else (matchPolicy Equivalent,
 * the default) the first equivalent resource a rule names; undefined when none matches.
 */
export function rulesMatchAs(rules: readonly JsonRecord[], a: AdmissionAttributes, matchPolicy: unknown, equivalents: EquivalentsOf = NO_EQUIVALENTS): ResourceDef | undefined {
  if (rules.some((r) => ruleMatches(r, a))) return a.source.def;
  if (asString(matchPolicy) === 'Exact') return undefined;
  for (const d of equivalents(a.source.def, a.subresource)) if (rules.some((r) => ruleMatches(r, through(a, d)))) return d;
  return undefined;
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

/**
 * A MatchResources (policies' matchConstraints, bindings' matchResources): the resource it matches
 * the request as (see rulesMatchAs), or undefined. Excluded rules honour matchPolicy as well.
 */
export function matchResourcesAs(mr: JsonRecord | undefined, a: AdmissionAttributes, namespaceObject: KubeObject | undefined, equivalents: EquivalentsOf = NO_EQUIVALENTS): ResourceDef | undefined {
  if (!mr) return a.source.def;
  // The rules first: they rule out most policies for a request at the least cost.
  const rules = (asArray(mr.resourceRules) ?? []).map(asObject).filter((r): r is JsonRecord => r !== undefined);
  const matched = mr.resourceRules === undefined ? a.source.def : rulesMatchAs(rules, a, mr.matchPolicy, equivalents);
  if (!matched) return undefined;
  const excluded = (asArray(mr.excludeResourceRules) ?? []).map(asObject).filter((r): r is JsonRecord => r !== undefined);
  if (excluded.length > 0 && rulesMatchAs(excluded, a, mr.matchPolicy, equivalents)) return undefined;
  if (!namespaceSelectorMatches(mr.namespaceSelector, a, namespaceObject) || !objectSelectorMatches(mr.objectSelector, a)) return undefined;
  return matched;
}

/** Whether a MatchResources matches the request (exactly or through an equivalent resource). */
export function matchResourcesMatch(mr: JsonRecord | undefined, a: AdmissionAttributes, namespaceObject: KubeObject | undefined, equivalents: EquivalentsOf = NO_EQUIVALENTS): boolean {
  return matchResourcesAs(mr, a, namespaceObject, equivalents) !== undefined;
}
