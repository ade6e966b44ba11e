// StatefulSet identities: pods `<set>-<ordinal>` with the pod-name and pod-index labels, hostname
// and subdomain; claims `<template>-<set>-<ordinal>` from volumeClaimTemplates mounted in place of
// the template's volume of the same name; and which pods count as running, ready and available.
import type { KubeObject, OwnerReference } from '../../api/types';
import { asArray, asNumber, asObject, asString } from '../../api/validation/json';
import type { ResourceRef } from '../../client/resource-ref';
import { controllerRef, int, isPodAvailable, isPodReady, podFromTemplate, podPhase } from '../internal/pods';
import { CONTROLLER_REVISION_HASH } from '../workloads/controller-history';

export const STATEFULSETS: ResourceRef = Object.freeze({ group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true });
export const PVCS: ResourceRef = Object.freeze({ group: '', version: 'v1', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true });
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export type StatefulSet = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

export const setSpec = (s: KubeObject): Record<string, unknown> => asObject(s.spec) ?? {};
export const replicasOf = (s: KubeObject): number => int(setSpec(s).replicas, 1);
export const ordinalStart = (s: KubeObject): number => int(asObject(setSpec(s).ordinals)?.start, 0);
export const minReadySeconds = (s: KubeObject): number => int(setSpec(s).minReadySeconds, 0);
export const isParallel = (s: KubeObject): boolean => setSpec(s).podManagementPolicy === 'Parallel';
export const updateStrategyType = (s: KubeObject): string => asString(asObject(setSpec(s).updateStrategy)?.type) ?? 'RollingUpdate';
export const partitionOf = (s: KubeObject): number => int(asObject(asObject(setSpec(s).updateStrategy)?.rollingUpdate)?.partition, 0);
export const podRevision = (pod: KubeObject): string => pod.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? '';

/** The ordinal of a pod named `<set>-<n>` belonging to `set`, or -1. */
export function ordinalOf(set: KubeObject, pod: KubeObject): number {
  const m = /^(.*)-(0|[1-9][0-9]*)$/.exec(String(pod.metadata.name ?? ''));
  if (!m || m[1] !== set.metadata.name) return -1;
  const n = Number(m[2]);
  return Number.isSafeInteger(n) ? n : -1;
}

export const isTerminating = (pod: KubeObject): boolean => pod.metadata.deletionTimestamp !== undefined;
export const isFinished = (pod: KubeObject): boolean => ['Succeeded', 'Failed'].includes(podPhase(pod));
export const isRunningAndReady = (pod: KubeObject): boolean => podPhase(pod) === 'Running' && isPodReady(pod);
export const isRunningAndAvailable = (pod: KubeObject, minReady: number, nowMs: number): boolean => podPhase(pod) === 'Running' && isPodAvailable(pod, minReady, nowMs);
export const isHealthy = (pod: KubeObject): boolean => isRunningAndReady(pod) && !isTerminating(pod);

interface ClaimTemplate {
  readonly name: string;
  readonly template: Record<string, unknown>;
}

function claimTemplates(set: KubeObject): ClaimTemplate[] {
  return (asArray(setSpec(set).volumeClaimTemplates) ?? []).map((c) => asObject(c) ?? {}).map((c) => ({ name: asString(asObject(c.metadata)?.name) ?? '', template: c }));
}

export const claimName = (set: KubeObject, template: string, ordinal: number): string => `${template}-${String(set.metadata.name)}-${ordinal}`;

/** The pod of `ordinal`, made from `template` and labeled with `revision`. */
export function statefulPod(set: KubeObject, template: unknown, revision: string, ordinal: number): KubeObject {
  const pod = podFromTemplate(template, set, controllerRef(set, 'apps/v1', 'StatefulSet'));
  const name = `${String(set.metadata.name)}-${ordinal}`;
  delete pod.metadata.generateName;
  pod.metadata.name = name;
  pod.metadata.labels = { ...pod.metadata.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH]: revision };
  if (Object.keys(pod.metadata.annotations ?? {}).length === 0) delete pod.metadata.annotations;
  const spec = pod.spec as Record<string, unknown>;
  spec.hostname = name;
  const service = asString(setSpec(set).serviceName);
  if (service) spec.subdomain = service;
  const claims = claimTemplates(set);
  if (claims.length) {
    const names = new Set(claims.map((c) => c.name));
    const volumes = (asArray(spec.volumes) ?? []).filter((v) => !names.has(asString(asObject(v)?.name) ?? ''));
    spec.volumes = [...claims.map((c) => ({ name: c.name, persistentVolumeClaim: { claimName: claimName(set, c.name, ordinal) } })), ...volumes];
  }
  return pod;
}

/** The claims of `ordinal`, labeled with the selector's matchLabels. */
export function statefulClaims(set: KubeObject, ordinal: number): KubeObject[] {
  const matchLabels = (asObject(asObject(setSpec(set).selector)?.matchLabels) ?? {}) as Record<string, string>;
  const owner = retention(set).whenDeleted === 'Delete' ? [ownerRefTo(set, 'apps/v1', 'StatefulSet')] : undefined;
  return claimTemplates(set).map((c) => {
    const meta = asObject(c.template.metadata) ?? {};
    const spec = structuredClone(asObject(c.template.spec) ?? {});
    return {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName(set, c.name, ordinal),
        namespace: set.metadata.namespace,
        labels: { ...((asObject(meta.labels) as Record<string, string> | undefined) ?? {}), ...matchLabels },
        ...(asObject(meta.annotations) ? { annotations: { ...(asObject(meta.annotations) as Record<string, string>) } } : {}),
        ...(owner ? { ownerReferences: owner } : {}),
      },
      spec,
    };
  });
}

export function retention(set: KubeObject): { whenDeleted: string; whenScaled: string } {
  const r = asObject(setSpec(set).persistentVolumeClaimRetentionPolicy) ?? {};
  return { whenDeleted: asString(r.whenDeleted) ?? 'Retain', whenScaled: asString(r.whenScaled) ?? 'Retain' };
}

/** A plain (non-controller) owner reference, as claims get for the retention policy. */
export function ownerRefTo(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: String(owner.metadata.name), uid: String(owner.metadata.uid) };
}

/** Whether the pod still carries its identity labels (someone may have edited them). */
export function identityMatches(set: KubeObject, pod: KubeObject, ordinal: number): boolean {
  const l = pod.metadata.labels ?? {};
  return l[POD_NAME_LABEL] === pod.metadata.name && l[POD_INDEX_LABEL] === String(ordinal) && ordinal >= 0 && pod.metadata.namespace === set.metadata.namespace;
}

export const collisionCountOf = (s: KubeObject): number => asNumber(asObject(s.status)?.collisionCount) ?? 0;
