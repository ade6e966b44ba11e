// core/v1 namespaces: the kubernetes.io/metadata.name label, Active phase and `kubernetes`
// finalizer on create; spec.finalizers change only through namespaces/finalize.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { index, invalid } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { asArray, asObject, asString, clone } from '../../validation/json';
import { nameIsDNSLabel } from '../../validation/names';
import { validateKubeFinalizerName, validateObjectMetaUpdate } from '../../validation/object-meta';
import { metaValidator, preserveStatus, specOf, statusStrategy } from './common';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

function defaults(obj: KubeObject): void {
  const name = obj.metadata.name;
  if (name) obj.metadata.labels = { ...(obj.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: name };
  const status = asObject(obj.status) ?? {};
  if (!asString(status.phase)) status.phase = 'Active';
  obj.status = status;
}

function prepareForCreate(obj: KubeObject): void {
  obj.status = { phase: 'Active' };
  const spec = specOf(obj);
  const finalizers = (asArray(spec.finalizers) ?? []).filter((f) => typeof f === 'string');
  if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
  spec.finalizers = finalizers;
}

function validateFinalizers(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  (asArray(asObject(obj.spec)?.finalizers) ?? []).forEach((f, i) => {
    if (typeof f === 'string') errs.push(...validateKubeFinalizerName(f, index('spec.finalizers', i)));
  });
  return errs;
}

function validate(obj: KubeObject): FieldError[] {
  return [...metaValidator(false, nameIsDNSLabel)(obj), ...validateFinalizers(obj)];
}

export const namespaceStrategy: Strategy = Object.freeze({
  defaults,
  prepareForCreate,
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    preserveStatus(obj, old);
    const spec = specOf(obj);
    const oldFinalizers = asObject(old.spec)?.finalizers;
    if (oldFinalizers === undefined) delete spec.finalizers;
    else spec.finalizers = clone(oldFinalizers);
  },
  validate,
  validateUpdate: (obj: KubeObject, old: KubeObject) => validateObjectMetaUpdate(obj.metadata, old.metadata),
  pendingFinalizers,
  prepareForDeletion(obj: KubeObject) {
    obj.status = { ...(asObject(obj.status) ?? {}), phase: 'Terminating' };
  },
});

/** spec.finalizers: the namespace controller removes `kubernetes` once the namespace is empty. */
function pendingFinalizers(obj: KubeObject): string[] {
  return (asArray(asObject(obj.spec)?.finalizers) ?? []).filter((f): f is string => typeof f === 'string');
}

export const namespaceStatusStrategy: Strategy = statusStrategy({
  validateStatus(obj) {
    const phase = asObject(obj.status)?.phase;
    const errs = validateEnum(phase, ['Active', 'Terminating'], 'status.phase');
    if (phase === 'Terminating' && !obj.metadata.deletionTimestamp) {
      errs.push(invalid('status.phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
    }
    if (phase === 'Active' && obj.metadata.deletionTimestamp) {
      errs.push(invalid('status.phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
    }
    return errs;
  },
});

/** namespaces/finalize: only spec.finalizers changes. */
export const namespaceFinalizeStrategy: Strategy = Object.freeze({
  defaults,
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    preserveStatus(obj, old);
  },
  validateUpdate: (obj: KubeObject, old: KubeObject) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateFinalizers(obj)],
});
