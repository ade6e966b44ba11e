// Pod facts the workload controllers share: active / ready / available, controller references,
// and pods made from a template.
import type { KubeObject, OwnerReference } from '../../api/types';
import { asArray, asNumber, asObject, asString } from '../../api/validation/json';

export interface Condition {
  type?: string;
  status?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  reason?: string;
  message?: string;
}

export function podPhase(pod: KubeObject): string {
  return asString(asObject(pod.status)?.phase) ?? 'Pending';
}

/** Counts toward replicas: not finished and not being deleted. */
export function isPodActive(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function podReadyCondition(pod: KubeObject): Condition | undefined {
  return (asArray(asObject(pod.status)?.conditions) ?? []).find((c): c is Condition => asObject(c)?.type === 'Ready') as Condition | undefined;
}

export function isPodReady(pod: KubeObject): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds at `nowMs`. */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, nowMs: number): boolean {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(c.lastTransitionTime ?? '');
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** When a ready pod becomes available (ms), or undefined. */
export function availableAt(pod: KubeObject, minReadySeconds: number): number | undefined {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return undefined;
  const since = Date.parse(c.lastTransitionTime ?? '');
  return Number.isFinite(since) ? since + minReadySeconds * 1000 : undefined;
}

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

export function controllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: String(owner.metadata.name), uid: String(owner.metadata.uid), controller: true, blockOwnerDeletion: true };
}

export function int(v: unknown, dflt: number): number {
  const n = asNumber(v);
  return n === undefined ? dflt : n;
}

/** A pod for `owner` from its spec.template, named `<owner>-<random>` by the server. */
export function podFromTemplate(template: unknown, owner: KubeObject, ref: OwnerReference): KubeObject {
  const t = asObject(template) ?? {};
  const meta = asObject(t.metadata) ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${String(owner.metadata.name)}-`,
      namespace: owner.metadata.namespace,
      labels: { ...((asObject(meta.labels) as Record<string, string> | undefined) ?? {}) },
      annotations: { ...((asObject(meta.annotations) as Record<string, string> | undefined) ?? {}) },
      ownerReferences: [ref],
      ...(Array.isArray(meta.finalizers) ? { finalizers: [...(meta.finalizers as string[])] } : {}),
    },
    spec: structuredClone(asObject(t.spec) ?? {}),
  };
}

/** Upstream's order of preference for which pods to delete first (the earlier, the sooner deleted). */
export function compareForDeletion(a: KubeObject, b: KubeObject): number {
  const rank = (p: KubeObject) => {
    const node = asString(asObject(p.spec)?.nodeName) ? 1 : 0;
    const phase = podPhase(p);
    const phaseRank = phase === 'Pending' ? 0 : phase === 'Unknown' ? 1 : 2;
    return [node, phaseRank, isPodReady(p) ? 1 : 0];
  };
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  const restarts = (p: KubeObject) => (asArray(asObject(p.status)?.containerStatuses) ?? []).reduce<number>((n, c) => n + (asNumber(asObject(c)?.restartCount) ?? 0), 0);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  // Newer pods first.
  const created = (p: KubeObject) => Date.parse(String(p.metadata.creationTimestamp ?? '')) || 0;
  return created(b) - created(a);
}
