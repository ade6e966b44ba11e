import { describe, expect, it } from 'vitest';
import type { RuleAttributes } from './policy-rule';
import { compactRule, policyRulesOf, ruleAllows } from './policy-rule';
import { rule, urls } from './rule-builders';

const res = (verb: string, group: string, resource: string, extra: Partial<RuleAttributes> = {}): RuleAttributes => ({ verb, isResource: true, group, resource, subresource: '', name: '', path: '', ...extra });
const path = (verb: string, p: string): RuleAttributes => ({ verb, isResource: false, group: '', resource: '', subresource: '', name: '', path: p });

describe('RBAC rule matching', () => {
  it('matches verbs, groups and resources exactly or by *', () => {
    const r = rule(['get', 'list'], ['apps'], ['deployments']);
    expect(ruleAllows(res('get', 'apps', 'deployments'), r)).toBe(true);
    expect(ruleAllows(res('delete', 'apps', 'deployments'), r)).toBe(false);
    expect(ruleAllows(res('get', '', 'deployments'), r)).toBe(false);
    expect(ruleAllows(res('get', 'apps', 'replicasets'), r)).toBe(false);
    const all = rule(['*'], ['*'], ['*']);
    expect(ruleAllows(res('escalate', 'rbac.authorization.k8s.io', 'clusterroles'), all)).toBe(true);
    expect(ruleAllows(res('get', 'apps', 'deployments', { subresource: 'scale' }), all)).toBe(true);
  });

  it('treats subresources as resource/subresource, with */subresource wildcards', () => {
    const pods = rule(['get'], [''], ['pods']);
    expect(ruleAllows(res('get', '', 'pods', { subresource: 'log' }), pods)).toBe(false);
    expect(ruleAllows(res('get', '', 'pods', { subresource: 'log' }), rule(['get'], [''], ['pods/log']))).toBe(true);
    const anyScale = rule(['get'], ['*'], ['*/scale']);
    expect(ruleAllows(res('get', 'apps', 'deployments', { subresource: 'scale' }), anyScale)).toBe(true);
    expect(ruleAllows(res('get', 'apps', 'deployments', { subresource: 'status' }), anyScale)).toBe(false);
    expect(ruleAllows(res('get', 'apps', 'deployments'), anyScale)).toBe(false);
  });

  it('restricts to resourceNames, which never match lists or creates', () => {
    const r = rule(['get', 'list', 'create'], [''], ['configmaps'], ['a', 'b']);
    expect(ruleAllows(res('get', '', 'configmaps', { name: 'a' }), r)).toBe(true);
    expect(ruleAllows(res('get', '', 'configmaps', { name: 'c' }), r)).toBe(false);
    expect(ruleAllows(res('list', '', 'configmaps'), r)).toBe(false);
    expect(ruleAllows(res('create', '', 'configmaps'), r)).toBe(false);
  });

  it('matches non-resource URLs exactly, by prefix* or by *', () => {
    const r = urls(['get'], ['/healthz', '/apis/*']);
    expect(ruleAllows(path('get', '/healthz'), r)).toBe(true);
    expect(ruleAllows(path('get', '/healthz/etcd'), r)).toBe(false);
    expect(ruleAllows(path('get', '/apis/apps/v1'), r)).toBe(true);
    expect(ruleAllows(path('get', '/apis'), r)).toBe(false);
    expect(ruleAllows(path('post', '/healthz'), r)).toBe(false);
    expect(ruleAllows(path('delete', '/anything'), urls(['*'], ['*']))).toBe(true);
    // A resource rule never grants a path, nor a path rule a resource.
    expect(ruleAllows(path('get', '/api'), rule(['*'], ['*'], ['*']))).toBe(false);
    expect(ruleAllows(res('get', '', 'pods'), urls(['*'], ['*']))).toBe(false);
  });

  it('reads stored rules and prints them as upstream does', () => {
    const [r] = policyRulesOf([{ apiGroups: ['', 'apps'], resources: ['pods'], verbs: ['get', 'list'], bogus: 1 }, 'junk']);
    expect(r).toEqual({ apiGroups: ['', 'apps'], resources: ['pods'], verbs: ['get', 'list'], resourceNames: [], nonResourceURLs: [] });
    expect(compactRule(r!)).toBe('{APIGroups:["" "apps"], Resources:["pods"], Verbs:["get" "list"]}');
    expect(compactRule(urls(['get'], ['/x']))).toBe('{NonResourceURLs:["/x"], Verbs:["get"]}');
  });
});
