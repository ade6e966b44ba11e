// Whether one set of rules holds every permission of another (escalation prevention): the servant
// rules are broken down into single (group, resource, verb[, name]) and (URL, verb) permissions,
// each of which some owner rule must cover.
import { policyRule, type PolicyRule } from './policy-rule';

const ALL = '*';

/** Single-permission rules: one group, one resource (or URL), one verb and at most one name each. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const g of rule.apiGroups) {
    for (const r of rule.resources) {
      for (const v of rule.verbs) {
        if (rule.resourceNames.length === 0) out.push(policyRule({ apiGroups: [g], resources: [r], verbs: [v] }));
        else for (const n of rule.resourceNames) out.push(policyRule({ apiGroups: [g], resources: [r], resourceNames: [n], verbs: [v] }));
      }
    }
  }
  for (const u of rule.nonResourceURLs) for (const v of rule.verbs) out.push(policyRule({ nonResourceURLs: [u], verbs: [v] }));
  return out;
}

function hasAll(set: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((w) => set.includes(w));
}

/** `*`, the resource itself, or `*\/sub` for a `res/sub` servant. */
function resourcesCover(owner: readonly string[], wanted: readonly string[]): boolean {
  if (owner.includes(ALL)) return true;
  for (const r of wanted) {
    if (owner.includes(r)) continue;
    const slash = r.indexOf('/');
    if (slash < 0 || !owner.includes(`*/${r.slice(slash + 1)}`)) return false;
  }
  return true;
}

function urlCovers(owner: string, wanted: string): boolean {
  return owner === ALL || owner === wanted || (owner.endsWith(ALL) && wanted.startsWith(owner.slice(0, -1)));
}

function urlsCover(owner: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((w) => owner.some((o) => urlCovers(o, w)));
}

export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = owner.verbs.includes(ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = owner.apiGroups.includes(ALL) || hasAll(owner.apiGroups, sub.apiGroups);
  const names = sub.resourceNames.length === 0 ? owner.resourceNames.length === 0 : owner.resourceNames.length === 0 || hasAll(owner.resourceNames, sub.resourceNames);
  return verbs && groups && names && resourcesCover(owner.resources, sub.resources) && urlsCover(owner.nonResourceURLs, sub.nonResourceURLs);
}

/** The broken-down servant permissions no owner rule covers (empty: the owner holds them all). */
export function uncoveredRules(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of servant) {
    for (const sub of breakdownRule(rule)) if (!owner.some((o) => ruleCovers(o, sub))) missing.push(sub);
  }
  return missing;
}
