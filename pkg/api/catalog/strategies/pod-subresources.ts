// Strategies of pods/status, pods/binding (and the `bindings` resource), pods/ephemeralcontainers
// and pods/resize.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, forbidden, index, invalid, notFound, notSupported, required } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { validateIP } from '../../validation/ip';
import { asObject, asString, clone, objectsOf, semanticEqual, type JsonRecord } from '../../validation/json';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { validatePodSpec } from '../../validation/pod-spec';
import { defaultPod } from './pod';
import { computePodQOS } from './pod-qos';
import { statusStrategy } from './common';

export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;

export const podStatusStrategy: Strategy = statusStrategy({
  prepare(obj, old) {
    const status = asObject(obj.status);
    const oldQos = asObject(old.status)?.qosClass;
    if (status && oldQos !== undefined) status.qosClass = oldQos;
  },
  validateStatus(obj) {
    const status = asObject(obj.status) ?? {};
    const errs = validateEnum(status.phase, POD_PHASES, 'status.phase');
    const podIP = asString(status.podIP);
    if (podIP) errs.push(...validateIP(podIP, 'status.podIP'));
    for (const [ip, i] of objectsOf(status.podIPs)) errs.push(...validateIP(asString(ip.ip) ?? '', child(index('status.podIPs', i), 'ip')));
    return errs;
  },
});

/** A Binding body (pods/binding, bindings): target a node by name. */
export const bindingStrategy: Strategy = Object.freeze({
  validate(obj: KubeObject): FieldError[] {
    const errs: FieldError[] = [];
    const target = asObject(obj.target) ?? {};
    const kind = asString(target.kind) ?? '';
    if (kind !== '' && kind !== 'Node') errs.push(notSupported('target.kind', kind, ['Node', '<empty>']));
    if (!asString(target.name)) errs.push(required('target.name'));
    if (!asString(obj.metadata?.name)) errs.push(required('metadata.name', 'name or generateName is required'));
    return errs;
  },
});

/** Start from the stored pod and take only `take` from the request (ephemeralcontainers, resize). */
function keepOldExcept(obj: KubeObject, old: KubeObject, take: (fresh: KubeObject, incoming: KubeObject) => void): void {
  const incoming = clone(obj);
  for (const k of Object.keys(obj)) delete obj[k];
  Object.assign(obj, clone(old));
  const rv = incoming.metadata?.resourceVersion;
  if (rv !== undefined) obj.metadata.resourceVersion = rv;
  take(obj, incoming);
}

function specRecord(obj: KubeObject): JsonRecord {
  const s = asObject(obj.spec);
  if (s) return s;
  obj.spec = {};
  return obj.spec as JsonRecord;
}

export const podEphemeralContainersStrategy: Strategy = Object.freeze({
  defaults: defaultPod,
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    keepOldExcept(obj, old, (fresh, incoming) => {
      const ec = asObject(incoming.spec)?.ephemeralContainers;
      const spec = specRecord(fresh);
      if (ec === undefined) delete spec.ephemeralContainers;
      else spec.ephemeralContainers = ec;
    });
  },
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
    const errs = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validatePodSpec(obj.spec, 'spec')];
    const spec = asObject(obj.spec) ?? {};
    const byName = new Map(objectsOf(spec.ephemeralContainers).map(([c, i]) => [asString(c.name) ?? '', [c, i] as const]));
    for (const [oldCtr] of objectsOf(asObject(old.spec)?.ephemeralContainers)) {
      const name = asString(oldCtr.name) ?? '';
      const now = byName.get(name);
      if (!now) errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(name)} may not be removed`));
      else if (!semanticEqual(now[0], oldCtr)) errs.push(forbidden(index('spec.ephemeralContainers', now[1]), 'existing ephemeral containers may not be changed'));
    }
    const regular = new Set([...objectsOf(spec.containers), ...objectsOf(spec.initContainers)].map(([c]) => asString(c.name)));
    for (const [ctr, i] of objectsOf(spec.ephemeralContainers)) {
      const target = asString(ctr.targetContainerName);
      if (target && !regular.has(target)) errs.push(notFound(child(index('spec.ephemeralContainers', i), 'targetContainerName'), target));
    }
    return errs;
  },
  generationPaths: Object.freeze(['spec']),
});

const RESIZABLE = new Set(['cpu', 'memory']);

export const podResizeStrategy: Strategy = Object.freeze({
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    keepOldExcept(obj, old, (fresh, incoming) => {
      const inSpec = asObject(incoming.spec) ?? {};
      const spec = specRecord(fresh);
      for (const field of ['containers', 'initContainers']) {
        const wanted = new Map(objectsOf(inSpec[field]).map(([c]) => [asString(c.name), c]));
        for (const [ctr] of objectsOf(spec[field])) {
          const w = wanted.get(asString(ctr.name));
          if (!w) continue;
          for (const k of ['resources', 'resizePolicy']) {
            if (w[k] === undefined) delete ctr[k];
            else ctr[k] = w[k];
          }
        }
      }
    });
  },
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
    const errs = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validatePodSpec(obj.spec, 'spec')];
    const spec = asObject(obj.spec) ?? {};
    const oldSpec = asObject(old.spec) ?? {};
    for (const field of ['containers', 'initContainers']) {
      const olds = new Map(objectsOf(oldSpec[field]).map(([c]) => [asString(c.name), c]));
      for (const [ctr, i] of objectsOf(spec[field])) {
        const before = olds.get(asString(ctr.name));
        if (!before) continue;
        const p = child(index(`spec.${field}`, i), 'resources');
        if (field === 'initContainers' && ctr.restartPolicy !== 'Always' && !semanticEqual(ctr.resources, before.resources)) {
          errs.push(forbidden(p, 'resources for non-sidecar init containers are immutable'));
          continue;
        }
        for (const part of ['requests', 'limits']) {
          const a = asObject(asObject(ctr.resources)?.[part]) ?? {};
          const b = asObject(asObject(before.resources)?.[part]) ?? {};
          const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !RESIZABLE.has(k) && !semanticEqual(a[k], b[k]));
          if (changed.length) errs.push(forbidden(p, 'only cpu and memory resources are mutable'));
        }
      }
    }
    const qos = computePodQOS(spec);
    const oldQos = asString(asObject(old.status)?.qosClass) ?? computePodQOS(oldSpec);
    if (qos !== oldQos) errs.push(invalid('spec', qos, 'Pod QOS Class may not change as a result of resizing'));
    return errs;
  },
  generationPaths: Object.freeze(['spec']),
});
