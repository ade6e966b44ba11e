// policy/v1 poddisruptionbudgets: minAvailable or maxUnavailable (an int or a percentage, not
// both), a label selector, the unhealthy-pod eviction policy; status is written by the
// disruption controller and the eviction subresource.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { invalid } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { asObject } from '../../validation/json';
import { validateLabelSelector } from '../../validation/labels';
import { nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { metaValidator, nonNegativeStatusFields, preserveStatus, statusStrategy } from './common';
import { intOrPercentValue, validateIntOrPercent } from './workload-common';

function validateSpec(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs: FieldError[] = [];
  const min = spec.minAvailable;
  const max = spec.maxUnavailable;
  if (min !== undefined && min !== null && max !== undefined && max !== null) errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  for (const [field, v] of [['minAvailable', min], ['maxUnavailable', max]] as const) {
    errs.push(...validateIntOrPercent(v, `spec.${field}`));
    const p = intOrPercentValue(v);
    if (p.percent && p.value > 100) errs.push(invalid(`spec.${field}`, v ?? null, 'must not be greater than 100%'));
  }
  if (spec.selector !== undefined && spec.selector !== null) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  errs.push(...validateEnum(spec.unhealthyPodEvictionPolicy, ['IfHealthyBudget', 'AlwaysAllow'], 'spec.unhealthyPodEvictionPolicy'));
  return errs;
}

export const podDisruptionBudgetStrategy: Strategy = Object.freeze({
  prepareForCreate(obj: KubeObject) {
    obj.status = {};
  },
  prepareForUpdate: preserveStatus,
  validate: (obj: KubeObject) => [...metaValidator(true, nameIsDNSSubdomain)(obj), ...validateSpec(obj)],
  validateUpdate: (obj: KubeObject, old: KubeObject) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSpec(obj)],
  generationPaths: Object.freeze(['spec']),
});

export const podDisruptionBudgetStatusStrategy: Strategy = statusStrategy({
  validateStatus: nonNegativeStatusFields(['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']),
});
