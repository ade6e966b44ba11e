// coordination.k8s.io/v1 leases.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { forbidden, required } from '../../validation/errors';
import { validateEnum, validateImmutableField, validateNonNegative, validatePositive } from '../../validation/fields';
import { asObject, asString } from '../../validation/json';
import { nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { metaValidator } from './common';

export const LEASE_STRATEGIES = ['OldestEmulationVersion'] as const;

function validate(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  const spec = asObject(obj.spec) ?? {};
  errs.push(...validatePositive(spec.leaseDurationSeconds, 'spec.leaseDurationSeconds'));
  errs.push(...validateNonNegative(spec.leaseTransitions, 'spec.leaseTransitions'));
  errs.push(...validateEnum(spec.strategy, LEASE_STRATEGIES, 'spec.strategy'));
  if (asString(spec.preferredHolder) && !asString(spec.strategy)) errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return errs;
}

export const leaseStrategy: Strategy = Object.freeze({
  validate,
  validateUpdate: (obj: KubeObject, old: KubeObject) => validateObjectMetaUpdate(obj.metadata, old.metadata),
});

/** coordination.k8s.io/v1beta1 leasecandidates: a candidate for a coordinated lease. */
export const leaseCandidateStrategy: Strategy = Object.freeze({
  validate(obj: KubeObject): FieldError[] {
    const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
    const spec = asObject(obj.spec) ?? {};
    for (const f of ['leaseName', 'binaryVersion']) if (!asString(spec[f])) errs.push(required(`spec.${f}`));
    errs.push(...validateEnum(spec.strategy, LEASE_STRATEGIES, 'spec.strategy', true));
    if (spec.strategy === 'OldestEmulationVersion' && !asString(spec.emulationVersion)) errs.push(required('spec.emulationVersion', 'must be specified when strategy is "OldestEmulationVersion"'));
    return errs;
  },
  validateUpdate: (obj: KubeObject, old: KubeObject) => [
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...validateImmutableField(asObject(obj.spec)?.leaseName, asObject(old.spec)?.leaseName, 'spec.leaseName'),
  ],
});
