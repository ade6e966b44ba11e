import { describe, expect, it } from 'vitest';
import { compactRule } from './policy-rule';
import { rule, urls } from './rule-builders';
import { breakdownRule, uncoveredRules } from './rule-covers';

describe('rule coverage (escalation checks)', () => {
  it('breaks rules down into single permissions', () => {
    expect(breakdownRule(rule(['get', 'list'], [''], ['pods'], ['a', 'b'])).map(compactRule)).toEqual([
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["b"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["list"]}',
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["b"], Verbs:["list"]}',
    ]);
  });

  it('is covered by an owner holding the permissions spread over several rules', () => {
    const owner = [rule(['get'], [''], ['pods']), rule(['list'], ['', 'apps'], ['pods', 'deployments'])];
    expect(uncoveredRules(owner, [rule(['get', 'list'], [''], ['pods'])])).toEqual([]);
    expect(uncoveredRules(owner, [rule(['get', 'list'], ['apps'], ['deployments'])]).map(compactRule)).toEqual(['{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}']);
  });

  it('needs an unrestricted owner rule for an unrestricted servant rule', () => {
    expect(uncoveredRules([rule(['get'], [''], ['secrets'], ['s1'])], [rule(['get'], [''], ['secrets'])])).toHaveLength(1);
    expect(uncoveredRules([rule(['get'], [''], ['secrets'])], [rule(['get'], [''], ['secrets'], ['s1'])])).toEqual([]);
    expect(uncoveredRules([rule(['get'], [''], ['secrets'], ['s1', 's2'])], [rule(['get'], [''], ['secrets'], ['s2'])])).toEqual([]);
  });

  it('honours * and */subresource in owner rules', () => {
    expect(uncoveredRules([rule(['*'], ['*'], ['*']), urls(['*'], ['*'])], [rule(['escalate'], ['rbac.authorization.k8s.io'], ['roles']), urls(['get'], ['/metrics'])])).toEqual([]);
    expect(uncoveredRules([rule(['get'], ['apps'], ['*/scale'])], [rule(['get'], ['apps'], ['deployments/scale'])])).toEqual([]);
    expect(uncoveredRules([rule(['get'], ['apps'], ['*/scale'])], [rule(['get'], ['apps'], ['deployments'])])).toHaveLength(1);
  });

  it('covers URLs exactly or by prefix*', () => {
    expect(uncoveredRules([urls(['get'], ['/apis/*'])], [urls(['get'], ['/apis/apps/v1', '/apis/*'])])).toEqual([]);
    expect(uncoveredRules([urls(['get'], ['/apis/*'])], [urls(['get'], ['/api'])])).toHaveLength(1);
  });
});
