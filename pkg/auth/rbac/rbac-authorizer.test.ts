import { describe, expect, it } from 'vitest';
import type { AuthorizationAttributes } from '../../apiserver/authorization';
import type { UserInfo } from '../../apiserver/handlers/request-context';
import { MemoryCache } from '../cache/memory-cache';
import { aggregatedRules } from './aggregation-controller';
import { RbacAuthorizer } from './rbac-authorizer';
import type { BindingView, RoleView, Subject } from './rbac-objects';
import { rule, urls } from './rule-builders';

const dev: UserInfo = { username: 'alice', groups: ['dev', 'system:authenticated'] };

function attrs(user: UserInfo, verb: string, resource: string, extra: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes {
  return { user, verb, isResource: true, group: '', version: 'v1', resource, subresource: '', namespace: '', name: '', path: '', ...extra };
}

function role(name: string, rules: RoleView['rules'], namespace = '', labels: Record<string, string> = {}): RoleView {
  return { name, namespace, labels, rules };
}

function binding(name: string, roleKind: string, roleName: string, subjects: Subject[], namespace = ''): BindingView {
  return { name, namespace, roleRef: { kind: roleKind, name: roleName }, subjects };
}

function setup() {
  const caches = { roles: new MemoryCache<RoleView>(), roleBindings: new MemoryCache<BindingView>(), clusterRoles: new MemoryCache<RoleView>(), clusterRoleBindings: new MemoryCache<BindingView>() };
  return { caches, rbac: new RbacAuthorizer(caches) };
}

describe('RbacAuthorizer', () => {
  it('grants a ClusterRoleBinding cluster-wide to users and groups', () => {
    const { caches, rbac } = setup();
    caches.clusterRoles.set('reader', role('reader', [rule(['get', 'list'], [''], ['pods'])]));
    caches.clusterRoleBindings.set('readers', binding('readers', 'ClusterRole', 'reader', [{ kind: 'Group', name: 'dev', namespace: '' }]));
    const d = rbac.decide(attrs(dev, 'list', 'pods'));
    expect(d).toEqual({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "reader" to Group "dev"' });
    expect(rbac.decide(attrs(dev, 'get', 'pods', { namespace: 'x', name: 'p' })).allowed).toBe(true);
    expect(rbac.decide(attrs(dev, 'delete', 'pods', { namespace: 'x', name: 'p' })).allowed).toBe(false);
    expect(rbac.decide(attrs({ username: 'bob', groups: [] }, 'list', 'pods')).allowed).toBe(false);
  });

  it('limits a RoleBinding to its namespace, whether it refers to a Role or a ClusterRole', () => {
    const { caches, rbac } = setup();
    caches.clusterRoles.set('edit', role('edit', [rule(['create', 'get'], ['apps'], ['deployments'])]));
    caches.roles.set('a/cm', role('cm', [rule(['get'], [''], ['configmaps'])], 'a'));
    caches.roleBindings.set('a/edit', binding('edit', 'ClusterRole', 'edit', [{ kind: 'User', name: 'alice', namespace: '' }], 'a'));
    caches.roleBindings.set('a/cm', binding('cm', 'Role', 'cm', [{ kind: 'Group', name: 'dev', namespace: '' }], 'a'));
    const deploy = (ns: string) => attrs(dev, 'create', 'deployments', { group: 'apps', namespace: ns });
    expect(rbac.decide(deploy('a'))).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "edit/a" of ClusterRole "edit" to User "alice"' });
    expect(rbac.decide(deploy('b')).allowed).toBe(false);
    expect(rbac.decide(deploy('')).allowed).toBe(false);
    expect(rbac.decide(attrs(dev, 'get', 'configmaps', { namespace: 'a', name: 'x' })).allowed).toBe(true);
    expect(rbac.decide(attrs(dev, 'get', 'configmaps', { namespace: 'b', name: 'x' })).allowed).toBe(false);
    // A RoleBinding cannot use a Role of another namespace.
    caches.roleBindings.set('b/cm', binding('cm', 'Role', 'cm', [{ kind: 'Group', name: 'dev', namespace: '' }], 'b'));
    expect(rbac.decide(attrs(dev, 'get', 'configmaps', { namespace: 'b', name: 'x' })).allowed).toBe(false);
  });

  it('matches ServiceAccount subjects by their user name, defaulting to the binding namespace', () => {
    const { caches, rbac } = setup();
    caches.clusterRoles.set('view', role('view', [rule(['get'], [''], ['pods'])]));
    caches.roleBindings.set('ns1/sa', binding('sa', 'ClusterRole', 'view', [{ kind: 'ServiceAccount', name: 'builder', namespace: '' }], 'ns1'));
    const sa: UserInfo = { username: 'system:serviceaccount:ns1:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1'] };
    expect(rbac.decide(attrs(sa, 'get', 'pods', { namespace: 'ns1', name: 'p' })).reason).toBe('RBAC: allowed by RoleBinding "sa/ns1" of ClusterRole "view" to ServiceAccount "builder/ns1"');
    expect(rbac.decide(attrs({ ...sa, username: 'system:serviceaccount:ns2:builder' }, 'get', 'pods', { namespace: 'ns1', name: 'p' })).allowed).toBe(false);
  });

  it('grants non-resource URLs only through cluster bindings', () => {
    const { caches, rbac } = setup();
    caches.clusterRoles.set('discovery', role('discovery', [urls(['get'], ['/api', '/apis/*'])]));
    caches.clusterRoleBindings.set('discovery', binding('discovery', 'ClusterRole', 'discovery', [{ kind: 'Group', name: 'system:authenticated', namespace: '' }]));
    const p = (path: string): AuthorizationAttributes => ({ ...attrs(dev, 'get', ''), isResource: false, path });
    expect(rbac.decide(p('/apis/apps/v1')).allowed).toBe(true);
    expect(rbac.decide(p('/metrics')).allowed).toBe(false);
  });

  it('follows role and binding changes, and forgets deleted ones', () => {
    const { caches, rbac } = setup();
    const a = attrs(dev, 'get', 'secrets', { namespace: 'a', name: 's' });
    expect(rbac.decide(a).allowed).toBe(false);
    caches.roleBindings.set('a/b', binding('b', 'ClusterRole', 'secret-reader', [{ kind: 'User', name: 'alice', namespace: '' }], 'a'));
    expect(rbac.decide(a).allowed).toBe(false); // the role does not exist yet
    caches.clusterRoles.set('secret-reader', role('secret-reader', [rule(['get'], [''], ['secrets'])]));
    expect(rbac.decide(a).allowed).toBe(true);
    caches.clusterRoles.set('secret-reader', role('secret-reader', [rule(['list'], [''], ['secrets'])]));
    expect(rbac.decide(a).allowed).toBe(false);
    caches.clusterRoles.set('secret-reader', role('secret-reader', [rule(['get'], [''], ['secrets'])]));
    caches.roleBindings.delete('a/b');
    expect(rbac.decide(a).allowed).toBe(false);
  });

  it('compiles its index once per change, not per request', () => {
    const { caches, rbac } = setup();
    caches.clusterRoles.set('r', role('r', [rule(['get'], [''], ['pods'])]));
    caches.clusterRoleBindings.set('b', binding('b', 'ClusterRole', 'r', [{ kind: 'Group', name: 'dev', namespace: '' }]));
    for (let i = 0; i < 100; i++) rbac.decide(attrs(dev, 'get', 'pods', { namespace: 'x', name: `p${i}` }));
    expect(rbac.compilations).toBe(1);
    caches.clusterRoles.set('r2', role('r2', []));
    rbac.decide(attrs(dev, 'get', 'pods'));
    expect(rbac.compilations).toBe(2);
  });

  it('lists the rules a user holds in a namespace', () => {
    const { caches, rbac } = setup();
    caches.clusterRoles.set('basic', role('basic', [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews']), urls(['get'], ['/api'])]));
    caches.clusterRoles.set('edit', role('edit', [rule(['create'], ['apps'], ['deployments'])]));
    caches.clusterRoleBindings.set('basic', binding('basic', 'ClusterRole', 'basic', [{ kind: 'Group', name: 'system:authenticated', namespace: '' }]));
    caches.roleBindings.set('a/edit', binding('edit', 'ClusterRole', 'edit', [{ kind: 'Group', name: 'dev', namespace: '' }], 'a'));
    const inA = rbac.rulesFor(dev, 'a');
    expect(inA.resourceRules.map((r) => r.resources[0])).toEqual(['selfsubjectaccessreviews', 'deployments']);
    expect(inA.nonResourceRules.map((r) => r.nonResourceURLs[0])).toEqual(['/api']);
    expect(rbac.rulesFor(dev, 'b').resourceRules.map((r) => r.resources[0])).toEqual(['selfsubjectaccessreviews']);
  });
});

describe('ClusterRole aggregation rules', () => {
  it('unions the rules of matching roles in name order, without duplicates and without itself', () => {
    const sel = { matchLabels: { 'agg/view': 'true' } };
    const target: RoleView = { ...role('view', []), aggregationSelectors: [sel] };
    const rules = aggregatedRules(target, [
      target,
      role('z-extra', [rule(['get'], ['x'], ['widgets']), rule(['get'], [''], ['pods'])], '', { 'agg/view': 'true' }),
      role('a-base', [rule(['get'], [''], ['pods'])], '', { 'agg/view': 'true' }),
      role('other', [rule(['*'], ['*'], ['*'])]),
    ]);
    expect(rules.map((r) => r.resources[0])).toEqual(['pods', 'widgets']);
  });
});
