// rbac.authorization.k8s.io/v1: roles and bindings (namespaced) and their cluster-wide forms.
import type { ResourceDef } from '../resource-def';
import { defineResource } from './define';
import { clusterRoleBindingStrategy, clusterRoleStrategy, RBAC_GROUP, roleBindingStrategy, roleStrategyNamespaced } from './strategies/rbac';

const rbac = { group: RBAC_GROUP, version: 'v1' } as const;

export const rbacV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ ...rbac, kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', singular: 'clusterrolebinding', namespaced: false, strategy: clusterRoleBindingStrategy }),
  defineResource({ ...rbac, kind: 'ClusterRole', resource: 'clusterroles', singular: 'clusterrole', namespaced: false, strategy: clusterRoleStrategy }),
  defineResource({ ...rbac, kind: 'RoleBinding', resource: 'rolebindings', singular: 'rolebinding', namespaced: true, strategy: roleBindingStrategy }),
  defineResource({ ...rbac, kind: 'Role', resource: 'roles', singular: 'role', namespaced: true, strategy: roleStrategyNamespaced }),
]);
