// core/v1 pods: upstream v1 defaults, the create-time fields the API server fills (status,
// QoS, service account, priority, default not-ready/unreachable tolerations), validation and the
// "pods are mostly immutable" update rule.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, forbidden, invalid } from '../../validation/errors';
import { asArray, asObject, asString, clone, objectsOf, semanticEqual, type JsonRecord } from '../../validation/json';
import { nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { validatePodSpec } from '../../validation/pod-spec';
import { defaultPodOnly, defaultPodSpec } from '../defaults/pod-defaults';
import { metaValidator, preserveStatus, specOf } from './common';
import { computePodQOS } from './pod-qos';

/** Tolerations the DefaultTolerationSeconds admission adds to every pod (300 s). */
export const DEFAULT_NOT_READY_TOLERATIONS: readonly JsonRecord[] = Object.freeze([
  Object.freeze({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }),
  Object.freeze({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }),
]);

export const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

export function defaultPod(obj: KubeObject): void {
  const spec = specOf(obj);
  defaultPodSpec(spec);
  defaultPodOnly(spec);
}

function addDefaultTolerations(spec: JsonRecord): void {
  const tolerations = (asArray(spec.tolerations) ?? []).slice();
  for (const t of DEFAULT_NOT_READY_TOLERATIONS) {
    const tolerated = tolerations.some((x) => {
      const o = asObject(x);
      if (!o) return false;
      const keyMatches = o.key === t.key || ((o.key ?? '') === '' && o.operator === 'Exists');
      const effectMatches = (o.effect ?? '') === '' || o.effect === 'NoExecute';
      return keyMatches && effectMatches;
    });
    if (!tolerated) tolerations.push({ ...t });
  }
  spec.tolerations = tolerations;
}

function prepareForCreate(obj: KubeObject): void {
  const spec = specOf(obj);
  if (!asString(spec.serviceAccountName)) {
    spec.serviceAccountName = 'default';
    spec.serviceAccount = 'default';
  }
  if (!asString(spec.priorityClassName) && spec.priority === undefined) spec.priority = 0;
  if (!asString(spec.preemptionPolicy)) spec.preemptionPolicy = 'PreemptLowerPriority';
  addDefaultTolerations(spec);
  // Ephemeral containers are added through pods/ephemeralcontainers only.
  delete spec.ephemeralContainers;
  if (typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0) spec.terminationGracePeriodSeconds = 1;
  const status: JsonRecord = { phase: 'Pending', qosClass: computePodQOS(spec) };
  if ((asArray(spec.schedulingGates) ?? []).length > 0) {
    status.conditions = [
      { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null, reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' },
    ];
  }
  obj.status = status;
}

function prepareForUpdate(obj: KubeObject, old: KubeObject): void {
  preserveStatus(obj, old);
  // Ephemeral containers change only through pods/ephemeralcontainers.
  const spec = specOf(obj);
  const oldEphemeral = asObject(old.spec)?.ephemeralContainers;
  if (oldEphemeral === undefined) delete spec.ephemeralContainers;
  else spec.ephemeralContainers = clone(oldEphemeral);
}

function validate(obj: KubeObject): FieldError[] {
  return [...metaValidator(true, nameIsDNSSubdomain)(obj), ...validatePodSpec(obj.spec, 'spec')];
}

/** First differing paths between two JSON values (for the update error's summary). */
export function differingPaths(a: unknown, b: unknown, path: string, out: string[] = [], limit = 5): string[] {
  if (out.length >= limit || semanticEqual(a, b)) return out;
  const ao = asObject(a);
  const bo = asObject(b);
  if (ao && bo) {
    for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) differingPaths(ao[k], bo[k], child(path, k), out, limit);
    return out;
  }
  const aa = asArray(a);
  const ba = asArray(b);
  if (aa && ba && aa.length === ba.length) {
    aa.forEach((x, i) => differingPaths(x, ba[i], `${path}[${i}]`, out, limit));
    return out;
  }
  out.push(path);
  return out;
}

function tolerationKey(t: JsonRecord): string {
  const { tolerationSeconds: _ignored, ...rest } = t;
  return JSON.stringify(Object.keys(rest).sort().map((k) => [k, rest[k]]));
}

/** ValidatePodUpdate: only images, activeDeadlineSeconds, added tolerations, removed scheduling gates. */
export function validatePodSpecUpdate(newSpecValue: unknown, oldSpecValue: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const newSpec = asObject(newSpecValue) ?? {};
  const munged = clone(asObject(oldSpecValue) ?? {});
  for (const field of ['containers', 'initContainers']) {
    const newCtrs = objectsOf(newSpec[field]);
    const oldCtrs = objectsOf(munged[field]);
    if (newCtrs.length === oldCtrs.length) oldCtrs.forEach(([c, i]) => (c.image = newCtrs[i]![0].image));
  }
  const oldADS = munged.activeDeadlineSeconds;
  const newADS = newSpec.activeDeadlineSeconds;
  if (typeof oldADS === 'number') {
    if (typeof newADS !== 'number') errs.push(invalid('spec.activeDeadlineSeconds', newADS ?? null, 'must not update from a positive integer to nil value'));
    else if (newADS > oldADS) errs.push(invalid('spec.activeDeadlineSeconds', newADS, 'must be less than or equal to previous value'));
  }
  munged.activeDeadlineSeconds = newADS;
  const newTolerations = new Set(objectsOf(newSpec.tolerations).map(([t]) => tolerationKey(t)));
  if (objectsOf(munged.tolerations).some(([t]) => !newTolerations.has(tolerationKey(t)))) {
    errs.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
  }
  munged.tolerations = newSpec.tolerations;
  if (typeof munged.terminationGracePeriodSeconds === 'number' && munged.terminationGracePeriodSeconds < 0 && newSpec.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = 1;
  }
  const oldGates = new Set(objectsOf(munged.schedulingGates).map(([g]) => g.name));
  const gated = oldGates.size > 0;
  for (const [g] of objectsOf(newSpec.schedulingGates)) {
    if (!oldGates.has(g.name)) errs.push(forbidden('spec.schedulingGates', `only deletion is allowed, but found new scheduling gate '${String(g.name)}'`));
  }
  munged.schedulingGates = newSpec.schedulingGates;
  if (gated) {
    for (const f of ['nodeSelector', 'affinity']) munged[f] = newSpec[f];
  }
  munged.ephemeralContainers = newSpec.ephemeralContainers;
  if (!semanticEqual(munged, newSpec)) {
    const changed = differingPaths(munged, newSpec, 'spec');
    errs.push(forbidden('spec', `${POD_UPDATE_FORBIDDEN}\n  changed: ${changed.join(', ')}`));
  }
  return errs;
}

function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validatePodSpecUpdate(obj.spec, old.spec)];
}

/** Unscheduled and finished pods go at once; others get their grace period. */
export function podGracePeriodSeconds(obj: KubeObject): number {
  const spec = asObject(obj.spec) ?? {};
  const phase = asString(asObject(obj.status)?.phase);
  if (!asString(spec.nodeName) || phase === 'Succeeded' || phase === 'Failed') return 0;
  const g = spec.terminationGracePeriodSeconds;
  if (typeof g !== 'number') return 30;
  return g < 0 ? 1 : g;
}

export const podStrategy: Strategy = Object.freeze({
  defaults: defaultPod,
  prepareForCreate,
  prepareForUpdate,
  validate,
  validateUpdate,
  defaultGracePeriodSeconds: podGracePeriodSeconds,
  generationPaths: Object.freeze(['spec']),
});
