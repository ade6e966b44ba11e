// Reconciles the bootstrap policy at every server start, additively as upstream does: missing roles
// and bindings are created; existing ones gain missing rules, aggregation selectors, labels,
// annotations and subjects, but keep whatever was added to them; a binding whose roleRef changed is
// recreated. Objects annotated `rbac.authorization.kubernetes.io/autoupdate: "false"` are left alone.
import type { KubeObject } from '../../api/types';
import { ApiError } from '../../apiserver/errors';
import { deepEqual } from '../../apiserver/registry/deep-equal';
import type { Logger } from '../../log/logger';
import { AUTOUPDATE_ANNOTATION, CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, clusterRoleBindingObject, clusterRoleObject, type BindingSpec, type RoleSpec } from './bootstrap-policy';
import { policyRulesOf, ruleToJson } from './policy-rule';
import { uncoveredRules } from './rule-covers';

/** What reconciliation needs of a registry Store (Store satisfies it). */
export interface PolicyStore {
  get(namespace: string | undefined, name: string): Promise<KubeObject>;
  create(namespace: string | undefined, obj: KubeObject): Promise<KubeObject>;
  update(namespace: string | undefined, name: string, mutate: (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>, opts: { retryOnConflict?: boolean }): Promise<{ object: KubeObject }>;
  delete(namespace: string | undefined, name: string): Promise<unknown>;
}

export interface ReconcileReport {
  readonly created: number;
  readonly updated: number;
  readonly skipped: number;
}

type Outcome = 'created' | 'updated' | 'unchanged' | 'skipped';

function isReason(e: unknown, reason: string): boolean {
  return e instanceof ApiError && e.reason === reason;
}

async function getOrUndefined(store: PolicyStore, name: string): Promise<KubeObject | undefined> {
  try {
    return await store.get(undefined, name);
  } catch (e) {
    if (isReason(e, 'NotFound')) return undefined;
    throw e;
  }
}

function mergeMaps(current: unknown, wanted: Record<string, string> | undefined): Record<string, string> | undefined {
  const base = current !== null && typeof current === 'object' ? (current as Record<string, string>) : undefined;
  if (!wanted) return base;
  return { ...base, ...wanted };
}

function frozenByUser(obj: KubeObject): boolean {
  return obj.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false';
}

/** The stored role with what the bootstrap role has and it lacks. */
export function reconciledRole(current: KubeObject, wanted: KubeObject): KubeObject {
  const next: KubeObject = structuredClone(current);
  next.metadata.labels = mergeMaps(current.metadata.labels, wanted.metadata.labels);
  next.metadata.annotations = mergeMaps(current.metadata.annotations, wanted.metadata.annotations);
  const wantedAgg = wanted.aggregationRule as { clusterRoleSelectors: unknown[] } | undefined;
  if (wantedAgg) {
    const have = Array.isArray((current.aggregationRule as { clusterRoleSelectors?: unknown } | undefined)?.clusterRoleSelectors)
      ? ((current.aggregationRule as { clusterRoleSelectors: unknown[] }).clusterRoleSelectors)
      : [];
    const selectors = [...have];
    for (const s of wantedAgg.clusterRoleSelectors) if (!selectors.some((h) => deepEqual(h, s))) selectors.push(s);
    next.aggregationRule = { clusterRoleSelectors: selectors };
    // Rules of an aggregated role belong to the aggregation controller.
    return next;
  }
  const have = policyRulesOf(current.rules);
  const missing = policyRulesOf(wanted.rules).filter((r) => uncoveredRules(have, [r]).length > 0);
  if (missing.length > 0) next.rules = [...(Array.isArray(current.rules) ? current.rules : []), ...missing.map(ruleToJson)];
  return next;
}

function subjectId(s: unknown): string {
  const r = (s ?? {}) as Record<string, unknown>;
  return `${String(r.kind)}/${String(r.namespace ?? '')}/${String(r.name)}`;
}

/** The stored binding with the bootstrap binding's missing subjects, labels and annotations. */
export function reconciledBinding(current: KubeObject, wanted: KubeObject): KubeObject {
  const next: KubeObject = structuredClone(current);
  next.metadata.labels = mergeMaps(current.metadata.labels, wanted.metadata.labels);
  next.metadata.annotations = mergeMaps(current.metadata.annotations, wanted.metadata.annotations);
  const subjects = Array.isArray(current.subjects) ? [...current.subjects] : [];
  const ids = new Set(subjects.map(subjectId));
  for (const s of (wanted.subjects as unknown[]) ?? []) if (!ids.has(subjectId(s))) subjects.push(s);
  if (subjects.length > 0 || current.subjects !== undefined) next.subjects = subjects;
  next.roleRef = wanted.roleRef;
  return next;
}

async function reconcileOne(store: PolicyStore, wanted: KubeObject, merge: (current: KubeObject, wanted: KubeObject) => KubeObject, recreate?: (current: KubeObject) => boolean): Promise<Outcome> {
  const name = String(wanted.metadata.name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await getOrUndefined(store, name);
    if (!current) {
      try {
        await store.create(undefined, structuredClone(wanted));
        return 'created';
      } catch (e) {
        if (isReason(e, 'AlreadyExists')) continue;
        throw e;
      }
    }
    if (frozenByUser(current)) return 'skipped';
    const next = merge(current, wanted);
    if (recreate?.(current)) {
      await store.delete(undefined, name).catch((e: unknown) => {
        if (!isReason(e, 'NotFound')) throw e;
      });
      const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, managedFields: _mf, ...meta } = next.metadata;
      try {
        await store.create(undefined, { ...next, metadata: meta });
        return 'updated';
      } catch (e) {
        if (isReason(e, 'AlreadyExists')) continue;
        throw e;
      }
    }
    if (deepEqual(next, current)) return 'unchanged';
    await store.update(undefined, name, (latest) => (latest ? merge(latest, wanted) : structuredClone(wanted)), { retryOnConflict: true });
    return 'updated';
  }
  throw new Error(`could not reconcile ${String(wanted.kind)} ${name}: it kept changing concurrently`);
}

export interface BootstrapPolicy {
  readonly clusterRoles: readonly RoleSpec[];
  readonly clusterRoleBindings: readonly BindingSpec[];
}

export const DEFAULT_POLICY: BootstrapPolicy = { clusterRoles: CLUSTER_ROLES, clusterRoleBindings: CLUSTER_ROLE_BINDINGS };

export async function reconcileBootstrapPolicy(stores: { clusterRoles: PolicyStore; clusterRoleBindings: PolicyStore }, log: Logger, policy: BootstrapPolicy = DEFAULT_POLICY): Promise<ReconcileReport> {
  const counts = { created: 0, updated: 0, skipped: 0, unchanged: 0 };
  for (const spec of policy.clusterRoles) counts[await reconcileOne(stores.clusterRoles, clusterRoleObject(spec), reconciledRole)]++;
  for (const spec of policy.clusterRoleBindings) {
    const wanted = clusterRoleBindingObject(spec);
    counts[await reconcileOne(stores.clusterRoleBindings, wanted, reconciledBinding, (current) => !deepEqual(current.roleRef, wanted.roleRef))]++;
  }
  log.info('RBAC bootstrap policy reconciled', { created: counts.created, updated: counts.updated, skipped: counts.skipped });
  return { created: counts.created, updated: counts.updated, skipped: counts.skipped };
}
