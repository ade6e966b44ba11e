// Node taints the node lifecycle controller owns, derived from the node's conditions (upstream's
// TaintNodesByCondition and NoExecute tainting), and toleration matching for evictions.
import type { KubeObject } from '../../api/types';
import { asNumber, asObject, asString, objectsOf, type JsonRecord } from '../../api/validation/json';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** Keys whose taints this controller adds and removes; others are left as they are. */
export const MANAGED_TAINT_KEYS: ReadonlySet<string> = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE, TAINT_PID_PRESSURE, TAINT_NETWORK_UNAVAILABLE]);

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
  readonly timeAdded?: string;
}

export function conditionStatus(node: KubeObject, type: string): string | undefined {
  return asString(objectsOf(asObject(node.status)?.conditions).find(([c]) => c.type === type)?.[0].status);
}

export function taintsOf(node: KubeObject): Taint[] {
  return objectsOf(asObject(node.spec)?.taints).map(([t]) => ({ ...(t as JsonRecord), key: asString(t.key) ?? '', effect: asString(t.effect) ?? '' }) as Taint);
}

/** The managed taints a node should carry, given its conditions and spec.unschedulable. */
export function desiredTaints(node: KubeObject): { key: string; effect: string }[] {
  const out: { key: string; effect: string }[] = [];
  const ready = conditionStatus(node, 'Ready');
  // A node without a Ready condition gets none: it becomes Unknown once its startup grace period passes.
  if (ready === 'False') out.push({ key: TAINT_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NOT_READY, effect: 'NoExecute' });
  if (ready === 'Unknown') out.push({ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_UNREACHABLE, effect: 'NoExecute' });
  if (conditionStatus(node, 'MemoryPressure') === 'True') out.push({ key: TAINT_MEMORY_PRESSURE, effect: 'NoSchedule' });
  if (conditionStatus(node, 'DiskPressure') === 'True') out.push({ key: TAINT_DISK_PRESSURE, effect: 'NoSchedule' });
  if (conditionStatus(node, 'PIDPressure') === 'True') out.push({ key: TAINT_PID_PRESSURE, effect: 'NoSchedule' });
  if (conditionStatus(node, 'NetworkUnavailable') === 'True') out.push({ key: TAINT_NETWORK_UNAVAILABLE, effect: 'NoSchedule' });
  if (asObject(node.spec)?.unschedulable === true) out.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

/**
 * The node's taints with the managed ones made as desired: unmanaged taints and managed taints
 * that stay are kept as they are (timeAdded included); new NoExecute taints get timeAdded `now`.
 * Undefined when nothing changes.
 */
export function reconcileTaints(node: KubeObject, now: string): Taint[] | undefined {
  const current = taintsOf(node);
  const want = desiredTaints(node);
  const key = (t: { key: string; effect: string }) => `${t.key}:${t.effect}`;
  const wanted = new Set(want.map(key));
  const next = current.filter((t) => !MANAGED_TAINT_KEYS.has(t.key) || wanted.has(key(t)));
  const have = new Set(next.map(key));
  for (const t of want) if (!have.has(key(t))) next.push({ key: t.key, effect: t.effect, ...(t.effect === 'NoExecute' ? { timeAdded: now } : {}) });
  return next.length === current.length && next.every((t, i) => t === current[i]) ? undefined : next;
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
  readonly tolerationSeconds?: number;
}

export function tolerationsOf(pod: KubeObject): Toleration[] {
  return objectsOf(asObject(pod.spec)?.tolerations).map(([t]) => ({
    key: asString(t.key),
    operator: asString(t.operator),
    value: asString(t.value),
    effect: asString(t.effect),
    tolerationSeconds: asNumber(t.tolerationSeconds),
  }));
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  if (!t.key && t.operator !== 'Exists') return false;
  return (t.value ?? '') === (taint.value ?? '');
}

/**
 * How long a pod may stay on a node with these NoExecute taints: 0 when one is not tolerated,
 * Infinity when all are tolerated without a limit, else the smallest tolerationSeconds of the
 * tolerations used (upstream's getMinTolerationTime).
 */
export function allowedSeconds(tolerations: readonly Toleration[], taints: readonly Taint[]): number {
  let min = Infinity;
  for (const taint of taints) {
    const used = tolerations.find((t) => tolerates(t, taint));
    if (!used) return 0;
    if (used.tolerationSeconds !== undefined) min = Math.min(min, Math.max(0, used.tolerationSeconds));
  }
  return min;
}
