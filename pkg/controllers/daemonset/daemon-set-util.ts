// DaemonSet facts: the revision hash (the pod template's hash, as Deployments compute it), the pod
// made for one node, which pods on a node are old or new, and the rolling-update budget.
import type { KubeObject } from '../../api/types';
import { asObject, asString } from '../../api/validation/json';
import type { ResourceRef } from '../../client/resource-ref';
import { podTemplateHash, scaledValue } from '../deployment/deployment-util';
import { controllerRef, int, podFromTemplate } from '../internal/pods';
import { CONTROLLER_REVISION_HASH } from '../workloads/controller-history';
import { affinityForNode, withDaemonTolerations } from './node-fit';

export const DAEMONSETS: ResourceRef = Object.freeze({ group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true });

export type DaemonSet = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

export const dsSpec = (ds: KubeObject): Record<string, unknown> => asObject(ds.spec) ?? {};
export const templatePodSpec = (ds: KubeObject): Record<string, unknown> => asObject(asObject(dsSpec(ds).template)?.spec) ?? {};
export const minReadySeconds = (ds: KubeObject): number => int(dsSpec(ds).minReadySeconds, 0);
export const isRollingUpdate = (ds: KubeObject): boolean => (asString(asObject(dsSpec(ds).updateStrategy)?.type) ?? 'RollingUpdate') === 'RollingUpdate';
const rollingUpdate = (ds: KubeObject) => asObject(asObject(dsSpec(ds).updateStrategy)?.rollingUpdate) ?? {};

export function templateHash(ds: KubeObject, collisionCount: number): string {
  return podTemplateHash(dsSpec(ds).template, collisionCount);
}

/** Surge is allowed: a rolling update with maxSurge above zero. */
export function allowsSurge(ds: KubeObject): boolean {
  return isRollingUpdate(ds) && scaledValue(rollingUpdate(ds).maxSurge ?? 0, 100, true) > 0;
}

/** [maxSurge, maxUnavailable] of `desired` nodes (percentages round up); both zero means one unavailable. */
export function rollingBudget(ds: KubeObject, desired: number): [number, number] {
  const ru = rollingUpdate(ds);
  const surge = isRollingUpdate(ds) ? scaledValue(ru.maxSurge ?? 0, desired, true) : 0;
  const unavailable = isRollingUpdate(ds) ? scaledValue(ru.maxUnavailable ?? 1, desired, true) : 0;
  return desired > 0 && surge === 0 && unavailable === 0 ? [0, 1] : [surge, unavailable];
}

/** The daemon pod for `nodeName`: template labels plus the revision hash, the daemon tolerations, affinity to the node. */
export function daemonPod(ds: KubeObject, hash: string, nodeName: string, placeDirectly: boolean): KubeObject {
  const pod = podFromTemplate(dsSpec(ds).template, ds, controllerRef(ds, 'apps/v1', 'DaemonSet'));
  pod.metadata.labels = { ...pod.metadata.labels, [CONTROLLER_REVISION_HASH]: hash };
  if (Object.keys(pod.metadata.annotations ?? {}).length === 0) delete pod.metadata.annotations;
  const spec = pod.spec as Record<string, unknown>;
  spec.tolerations = withDaemonTolerations(spec);
  spec.affinity = affinityForNode(spec.affinity, nodeName);
  if (placeDirectly) spec.nodeName = nodeName;
  return pod;
}

export const isPodUpdated = (pod: KubeObject, hash: string): boolean => hash !== '' && pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash;

/** The new and old pod on one node; ok false when there are several of either (the manage loop prunes those). */
export function updatedPodsOnNode(pods: readonly KubeObject[], hash: string): { newPod?: KubeObject; oldPod?: KubeObject; ok: boolean } {
  let newPod: KubeObject | undefined;
  let oldPod: KubeObject | undefined;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isPodUpdated(p, hash)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

/** Scheduled pods first, then the oldest, then by name (upstream's podByCreationTimestampAndPhase). */
export function byCreationAndPhase(a: KubeObject, b: KubeObject): number {
  const scheduled = (p: KubeObject) => (asString(asObject(p.spec)?.nodeName) ? 0 : 1);
  if (scheduled(a) !== scheduled(b)) return scheduled(a) - scheduled(b);
  const created = (p: KubeObject) => Date.parse(String(p.metadata.creationTimestamp ?? '')) || 0;
  return created(a) - created(b) || String(a.metadata.name).localeCompare(String(b.metadata.name));
}
