// RBAC PolicyRules: reading them from stored objects, matching a request against them (upstream's
// RuleAllows semantics) and printing them the way upstream's escalation errors do.
import type { AuthorizationAttributes } from '../../apiserver/authorization';

export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

/** What a rule check needs of a request (a subset of AuthorizationAttributes). */
export type RuleAttributes = Pick<AuthorizationAttributes, 'verb' | 'isResource' | 'group' | 'resource' | 'subresource' | 'name' | 'path'>;

const ALL = '*';

function strings(v: unknown): readonly string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

export function policyRule(r: Partial<PolicyRule>): PolicyRule {
  return Object.freeze({
    verbs: Object.freeze([...(r.verbs ?? [])]),
    apiGroups: Object.freeze([...(r.apiGroups ?? [])]),
    resources: Object.freeze([...(r.resources ?? [])]),
    resourceNames: Object.freeze([...(r.resourceNames ?? [])]),
    nonResourceURLs: Object.freeze([...(r.nonResourceURLs ?? [])]),
  });
}

/** The `rules` of a stored Role/ClusterRole (malformed entries are skipped; validation rejected them on write). */
export function policyRulesOf(rules: unknown): PolicyRule[] {
  if (!Array.isArray(rules)) return [];
  return rules
    .filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object' && !Array.isArray(r))
    .map((r) => policyRule({ verbs: strings(r.verbs), apiGroups: strings(r.apiGroups), resources: strings(r.resources), resourceNames: strings(r.resourceNames), nonResourceURLs: strings(r.nonResourceURLs) }));
}

/** A rule as stored JSON: empty lists omitted, as the API serializes them. */
export function ruleToJson(r: PolicyRule): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (r.apiGroups.length) out.apiGroups = [...r.apiGroups];
  if (r.resources.length) out.resources = [...r.resources];
  if (r.resourceNames.length) out.resourceNames = [...r.resourceNames];
  if (r.nonResourceURLs.length) out.nonResourceURLs = [...r.nonResourceURLs];
  out.verbs = [...r.verbs];
  return out;
}

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.includes(ALL) || rule.verbs.includes(verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return rule.apiGroups.includes(ALL) || rule.apiGroups.includes(group);
}

/** `*`, the exact `resource[/subresource]`, or `*\/subresource` for any resource's subresource. */
export function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources) {
    if (r === ALL || r === combined) return true;
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

/** No names: any object; otherwise the request must name one of them (lists and creates never match). */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  return rule.resourceNames.length === 0 || (name !== '' && rule.resourceNames.includes(name));
}

/** `*`, an exact path, or a `prefix*` pattern. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs) {
    if (u === ALL || u === path) return true;
    if (u.endsWith(ALL) && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(a: RuleAttributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, a.verb)) return false;
  if (a.isResource) return apiGroupMatches(rule, a.group) && resourceMatches(rule, a.resource, a.subresource) && resourceNameMatches(rule, a.name);
  return nonResourceURLMatches(rule, a.path);
}

export function rulesAllow(a: RuleAttributes, rules: readonly PolicyRule[]): boolean {
  for (const r of rules) if (ruleAllows(a, r)) return true;
  return false;
}

function quoted(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** `{APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}` as upstream prints rules. */
export function compactRule(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups.length) parts.push(`APIGroups:${quoted(r.apiGroups)}`);
  if (r.resources.length) parts.push(`Resources:${quoted(r.resources)}`);
  if (r.nonResourceURLs.length) parts.push(`NonResourceURLs:${quoted(r.nonResourceURLs)}`);
  if (r.resourceNames.length) parts.push(`ResourceNames:${quoted(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${quoted(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

export function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  const eq = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return eq(a.verbs, b.verbs) && eq(a.apiGroups, b.apiGroups) && eq(a.resources, b.resources) && eq(a.resourceNames, b.resourceNames) && eq(a.nonResourceURLs, b.nonResourceURLs);
}

/** A rule prepared for matching many requests: sets instead of lists, wildcards as flags. */
export interface CompiledRule {
  readonly rule: PolicyRule;
  readonly anyVerb: boolean;
  readonly verbs: ReadonlySet<string>;
  readonly anyGroup: boolean;
  readonly groups: ReadonlySet<string>;
  readonly anyResource: boolean;
  /** `resource` and `resource/subresource` entries. */
  readonly resources: ReadonlySet<string>;
  /** Subresources granted on every resource by `*\/subresource` entries. */
  readonly anyResourceSubresources: ReadonlySet<string>;
  readonly names: ReadonlySet<string> | undefined;
}

export function compileRule(rule: PolicyRule): CompiledRule {
  const subs = rule.resources.filter((r) => r.startsWith('*/')).map((r) => r.slice(2));
  return Object.freeze({
    rule,
    anyVerb: rule.verbs.includes(ALL),
    verbs: new Set(rule.verbs),
    anyGroup: rule.apiGroups.includes(ALL),
    groups: new Set(rule.apiGroups),
    anyResource: rule.resources.includes(ALL),
    resources: new Set(rule.resources),
    anyResourceSubresources: new Set(subs),
    names: rule.resourceNames.length ? new Set(rule.resourceNames) : undefined,
  });
}

/**
 * ruleAllows for a compiled rule. `combined` is the request's `resource` or `resource/subresource`,
 * computed once per request by the caller.
 */
export function compiledRuleAllows(a: RuleAttributes, combined: string, c: CompiledRule): boolean {
  if (!c.anyVerb && !c.verbs.has(a.verb)) return false;
  if (!a.isResource) return nonResourceURLMatches(c.rule, a.path);
  if (!c.anyGroup && !c.groups.has(a.group)) return false;
  if (!c.anyResource && !c.resources.has(combined) && !(a.subresource && c.anyResourceSubresources.has(a.subresource))) return false;
  return c.names === undefined || (a.name !== '' && c.names.has(a.name));
}
