// The status a StorageVersionMigration goes through, as upstream's migrator writes it: the
// resource version the migration starts from, Running while objects are rewritten, then Succeeded
// (Running turned False) or Failed with a message saying why.
import { MIGRATION_FAILED, MIGRATION_RUNNING, MIGRATION_SUCCEEDED } from '../../api/catalog';
import type { KubeObject } from '../../api/types';

export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
  readonly observedGeneration?: number;
}

export const REASON_RUNNING = 'MigrationRunning';
export const REASON_COMPLETED = 'MigrationCompleted';
export const REASON_SUCCEEDED = 'StorageVersionMigrationSucceeded';
export const REASON_FAILED = 'StorageVersionMigrationFailed';

/** RFC 3339 with whole seconds, as metav1.Time serializes. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function conditionsOf(obj: KubeObject): Condition[] {
  const status = obj.status;
  const list = status !== null && typeof status === 'object' ? (status as { conditions?: unknown }).conditions : undefined;
  return Array.isArray(list) ? (list.filter((c) => c !== null && typeof c === 'object') as Condition[]) : [];
}

export function isConditionTrue(obj: KubeObject, type: string): boolean {
  return conditionsOf(obj).some((c) => c.type === type && c.status === 'True');
}

/**
 * meta.SetStatusCondition: replaces the condition of the same type, keeping its
 * lastTransitionTime when the status did not change.
 */
export function setCondition(conditions: readonly Condition[], next: Condition, now: Date): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now);
  const merged: Condition = { ...next, lastTransitionTime };
  return old ? conditions.map((c) => (c === old ? merged : c)) : [...conditions, merged];
}

/** Whether the migration already ended (its controller leaves it alone from then on). */
export function isFinished(svm: KubeObject): boolean {
  return isConditionTrue(svm, MIGRATION_SUCCEEDED) || isConditionTrue(svm, MIGRATION_FAILED);
}

function withConditions(svm: KubeObject, conditions: Condition[], extra: Record<string, unknown> = {}): KubeObject {
  const status = svm.status !== null && typeof svm.status === 'object' ? (svm.status as Record<string, unknown>) : {};
  return { ...svm, status: { ...status, ...extra, conditions } };
}

/** The migration starting from `resourceVersion` (set once) and marked Running. */
export function markRunning(svm: KubeObject, resourceVersion: string, now: Date): KubeObject {
  const gen = svm.metadata.generation;
  const conditions = setCondition(conditionsOf(svm), { type: MIGRATION_RUNNING, status: 'True', reason: REASON_RUNNING, message: 'The migration is running', ...(gen ? { observedGeneration: gen } : {}) }, now);
  return withConditions(svm, conditions, { resourceVersion });
}

/** Running turned False and the final condition (Succeeded or Failed) True. */
export function markFinished(svm: KubeObject, outcome: 'Succeeded' | 'Failed', message: string, now: Date): KubeObject {
  const gen = svm.metadata.generation;
  const observed = gen ? { observedGeneration: gen } : {};
  let conditions = conditionsOf(svm);
  if (conditions.some((c) => c.type === MIGRATION_RUNNING)) {
    conditions = setCondition(conditions, { type: MIGRATION_RUNNING, status: 'False', reason: REASON_COMPLETED, message: 'Migration completed', ...observed }, now);
  }
  const type = outcome === 'Succeeded' ? MIGRATION_SUCCEEDED : MIGRATION_FAILED;
  conditions = setCondition(conditions, { type, status: 'True', reason: outcome === 'Succeeded' ? REASON_SUCCEEDED : REASON_FAILED, ...(message ? { message } : {}), ...observed }, now);
  return withConditions(svm, conditions);
}
