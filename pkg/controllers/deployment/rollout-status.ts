// Deployment status from its ReplicaSets, and the judgements the rollout makes on it: complete,
// progressing, past its progress deadline, and when to look again.
import type { ReconcileResult } from '../../controller/controller-runner';
import { int } from '../internal/pods';
import { REASON, getCondition, maxUnavailable, newCondition, progressDeadlineSeconds, replicasOf, setCondition, status, statusCount, sum, type Obj } from './deployment-util';

export function calculateStatus(d: Obj, all: readonly Obj[], newRS: Obj | undefined, nowMs: number): Record<string, unknown> {
  const available = sum(all, (rs) => statusCount(rs, 'availableReplicas'));
  const total = sum(all, (rs) => statusCount(rs, 'replicas'));
  const st: Record<string, unknown> = {
    ...structuredClone(status(d)),
    observedGeneration: int(d.metadata.generation, 0),
    replicas: total,
    updatedReplicas: newRS ? statusCount(newRS, 'replicas') : 0,
    readyReplicas: sum(all, (rs) => statusCount(rs, 'readyReplicas')),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
  };
  if (available >= replicasOf(d) - maxUnavailable(d)) setCondition(st, newCondition('Available', 'True', REASON.minimumAvailable, 'Deployment has minimum availability.', nowMs));
  else setCondition(st, newCondition('Available', 'False', REASON.minimumUnavailable, 'Deployment does not have minimum availability.', nowMs));
  return st;
}

/** Every replica updated and available, and the latest spec observed. */
export function isComplete(d: Obj, st: Record<string, unknown>): boolean {
  const want = replicasOf(d);
  return int(st.updatedReplicas, 0) === want && int(st.replicas, 0) === want && int(st.availableReplicas, 0) === want && int(st.observedGeneration, 0) >= int(d.metadata.generation, 0);
}

/** More updated, ready or available replicas, or fewer old ones, than the stored status says. */
export function isProgressing(d: Obj, st: Record<string, unknown>): boolean {
  const old = status(d);
  const oldOld = int(old.replicas, 0) - int(old.updatedReplicas, 0);
  const newOld = int(st.replicas, 0) - int(st.updatedReplicas, 0);
  return int(st.updatedReplicas, 0) > int(old.updatedReplicas, 0) || newOld < oldOld || int(st.readyReplicas, 0) > int(old.readyReplicas, 0) || int(st.availableReplicas, 0) > int(old.availableReplicas, 0);
}

export function isTimedOut(d: Obj, st: Record<string, unknown>, nowMs: number): boolean {
  const deadline = progressDeadlineSeconds(d);
  const c = getCondition(st, 'Progressing');
  if (deadline === undefined || !c || c.reason === REASON.newRSAvailable) return false;
  if (c.reason === REASON.timedOut) return true;
  return Date.parse(c.lastUpdateTime ?? '') + deadline * 1000 < nowMs;
}

/** While progressing, look again when the progress deadline would pass. */
export function stuckRequeue(d: Obj, st: Record<string, unknown>, nowMs: number): ReconcileResult {
  const deadline = progressDeadlineSeconds(d);
  const c = getCondition(st, 'Progressing');
  if (deadline === undefined || !c || isComplete(d, st) || c.reason === REASON.timedOut) return {};
  const at = Date.parse(c.lastUpdateTime ?? '') + deadline * 1000;
  return { requeueAfterMs: Math.max(0, at - nowMs) + 1000 };
}
