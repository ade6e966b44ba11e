// Compact read-only views of stored RBAC objects: what the authorizer, the aggregation controller
// and escalation checks need, projected once when the cache receives the object.
import type { KubeObject } from '../../api/types';
import { policyRulesOf, type PolicyRule } from './policy-rule';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface RoleView {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly rules: readonly PolicyRule[];
  /** ClusterRoles only: the label selectors whose matches' rules this role aggregates. */
  readonly aggregationSelectors?: readonly unknown[];
}

export interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

export interface RoleRef {
  readonly kind: string;
  readonly name: string;
}

export interface BindingView {
  readonly name: string;
  readonly namespace: string;
  readonly roleRef: RoleRef;
  readonly subjects: readonly Subject[];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function roleView(obj: KubeObject): RoleView {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) if (typeof v === 'string') labels[k] = v;
  const agg = record(obj.aggregationRule);
  const selectors = Array.isArray(agg.clusterRoleSelectors) ? agg.clusterRoleSelectors : undefined;
  return Object.freeze({
    name: str(obj.metadata.name),
    namespace: str(obj.metadata.namespace),
    labels: Object.freeze(labels),
    rules: Object.freeze(policyRulesOf(obj.rules)),
    ...(obj.aggregationRule !== undefined && obj.aggregationRule !== null ? { aggregationSelectors: Object.freeze(selectors ?? []) } : {}),
  });
}

export function bindingView(obj: KubeObject): BindingView {
  const ref = record(obj.roleRef);
  const subjects = (Array.isArray(obj.subjects) ? obj.subjects : []).map((s) => {
    const r = record(s);
    return Object.freeze({ kind: str(r.kind), name: str(r.name), namespace: str(r.namespace) });
  });
  return Object.freeze({
    name: str(obj.metadata.name),
    namespace: str(obj.metadata.namespace),
    roleRef: Object.freeze({ kind: str(ref.kind), name: str(ref.name) }),
    subjects: Object.freeze(subjects),
  });
}
