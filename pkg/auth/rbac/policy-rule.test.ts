import { describe, expect, it } from 'vitest';
import type { RuleAttributes } from './policy-rule';
import { compactRule, compileRule, compiledRuleAllows, policyRulesOf, ruleAllows, type PolicyRule } from './policy-rule';
import { rule, urls } from './rule-builders';

const res = (verb: string, group: string, resource: string, extra: Partial<RuleAttributes> = {}): RuleAttributes => ({ verb, isResource: true, group, resource, subresource: '', name: '', path: '', ...extra });
const path = (verb: string, p: string): RuleAttributes => ({ verb, isResource: false, group: '', resource: '', subresource: '', name: '', path: p });

/** Both matchers (plain and compiled) must agree. */
function allows(a: RuleAttributes, r: PolicyRule): boolean {
  const plain = ruleAllows(a, r);
  expect(compiledRuleAllows(a, a.subresource ? `${a.resource}/${a.subresource}` : a.resource, compileRule(r))).toBe(plain);
  return plain;
}

describe('RBAC rule matching', () => {
  it('matches verbs, groups and resources exactly or by *', () => {
    const r = rule(['get', 'list'], ['apps'], ['deployments']);
    expect(allows(res('get', 'apps', 'deployments'), r)).toBe(true);
    expect(allows(res('delete', 'apps', 'deployments'), r)).toBe(false);
    expect(allows(res('get', '', 'deployments'), r)).toBe(false);
    expect(allows(res('get', 'apps', 'replicasets'), r)).toBe(false);
    const all = rule(['*'], ['*'], ['*']);
    expect(allows(res('escalate', 'rbac.authorization.k8s.io', 'clusterroles'), all)).toBe(true);
    expect(allows(res('get', 'apps', 'deployments', { subresource: 'scale' }), all)).toBe(true);
  });

  it('treats subresources as resource/subresource, with */subresource wildcards', () => {
    const pods = rule(['get'], [''], ['pods']);
    expect(allows(res('get', '', 'pods', { subresource: 'log' }), pods)).toBe(false);
    expect(allows(res('get', '', 'pods', { subresource: 'log' }), rule(['get'], [''], ['pods/log']))).toBe(true);
    const anyScale = rule(['get'], ['*'], ['*/scale']);
    expect(allows(res('get', 'apps', 'deployments', { subresource: 'scale' }), anyScale)).toBe(true);
    expect(allows(res('get', 'apps', 'deployments', { subresource: 'status' }), anyScale)).toBe(false);
    expect(allows(res('get', 'apps', 'deployments'), anyScale)).toBe(false);
  });

  it('restricts to resourceNames, which never match lists or creates', () => {
    const r = rule(['get', 'list', 'create'], [''], ['configmaps'], ['a', 'b']);
    expect(allows(res('get', '', 'configmaps', { name: 'a' }), r)).toBe(true);
    expect(allows(res('get', '', 'configmaps', { name: 'c' }), r)).toBe(false);
    expect(allows(res('list', '', 'configmaps'), r)).toBe(false);
    expect(allows(res('create', '', 'configmaps'), r)).toBe(false);
  });

  it('matches non-resource URLs exactly, by prefix* or by *', () => {
    const r = urls(['get'], ['/healthz', '/apis/*']);
    expect(allows(path('get', '/healthz'), r)).toBe(true);
    expect(allows(path('get', '/healthz/etcd'), r)).toBe(false);
    expect(allows(path('get', '/apis/apps/v1'), r)).toBe(true);
    expect(allows(path('get', '/apis'), r)).toBe(false);
    expect(allows(path('post', '/healthz'), r)).toBe(false);
    expect(allows(path('delete', '/anything'), urls(['*'], ['*']))).toBe(true);
    // A resource rule never grants a path, nor a path rule a resource.
    expect(allows(path('get', '/api'), rule(['*'], ['*'], ['*']))).toBe(false);
    expect(allows(res('get', '', 'pods'), urls(['*'], ['*']))).toBe(false);
  });

  it('reads stored rules and prints them as upstream does', () => {
    const [r] = policyRulesOf([{ apiGroups: ['', 'apps'], resources: ['pods'], verbs: ['get', 'list'], bogus: 1 }, 'junk']);
    expect(r).toEqual({ apiGroups: ['', 'apps'], resources: ['pods'], verbs: ['get', 'list'], resourceNames: [], nonResourceURLs: [] });
    expect(compactRule(r!)).toBe('{APIGroups:["" "apps"], Resources:["pods"], Verbs:["get" "list"]}');
    expect(compactRule(urls(['get'], ['/x']))).toBe('{NonResourceURLs:["/x"], Verbs:["get"]}');
  });
});
