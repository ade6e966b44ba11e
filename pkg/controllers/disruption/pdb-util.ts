// PodDisruptionBudget facts shared by the disruption controller and the eviction subresource: which
// budgets select a pod, and the DisruptionAllowed condition.
import { fromLabelSelector, type LabelSelectorJson } from '../../api/selectors';
import type { KubeObject } from '../../api/types';
import { asArray, asNumber, asObject } from '../../api/validation/json';
import type { ResourceRef } from '../../client/resource-ref';

export const PDBS: ResourceRef = Object.freeze({ group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true });
/** Evictions the controller has not seen complete are dropped from disruptedPods after this long. */
export const DELETION_TIMEOUT_MS = 2 * 60_000;
/** More unconfirmed evictions than this refuse new ones (upstream's MaxDisruptedPodSize). */
export const MAX_DISRUPTED_PODS = 2000;

export type Pdb = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

/** Whether `pdb` selects `pod`; a missing or empty selector selects nothing. */
export function selectsPod(pdb: KubeObject, pod: KubeObject): boolean {
  if (pdb.metadata.namespace !== pod.metadata.namespace) return false;
  try {
    const s = fromLabelSelector(asObject(asObject(pdb.spec)?.selector) as LabelSelectorJson | undefined);
    return !s.empty && s.matches(pod.metadata.labels);
  } catch {
    return false;
  }
}

export const statusNumber = (pdb: KubeObject, field: string): number => asNumber(asObject(pdb.status)?.[field]) ?? 0;

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Sets DisruptionAllowed from status.disruptionsAllowed, keeping the transition time while unchanged. */
export function setDisruptionAllowedCondition(pdb: KubeObject, st: Record<string, unknown>, nowMs: number): void {
  const allowed = (asNumber(st.disruptionsAllowed) ?? 0) > 0;
  const status = allowed ? 'True' : 'False';
  const reason = allowed ? 'SufficientPods' : 'InsufficientPods';
  const list = (asArray(st.conditions) ?? []).map((c) => asObject(c) ?? {});
  const old = list.find((c) => c.type === 'DisruptionAllowed');
  const next = {
    type: 'DisruptionAllowed',
    status,
    observedGeneration: pdb.metadata.generation ?? 0,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : rfc3339(nowMs),
    reason,
    message: '',
  };
  st.conditions = [...list.filter((c) => c.type !== 'DisruptionAllowed'), next];
}
