// scheduling.k8s.io/v1 priorityclasses: the integer priority a pod gets from spec.priorityClassName.
// Facts from upstream: names starting `system-` are reserved for the two built-in classes (with
// their exact values), user classes may not exceed 1,000,000,000, value and preemptionPolicy are
// immutable, preemptionPolicy defaults to PreemptLowerPriority.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { forbidden, required } from '../../validation/errors';
import { validateEnum, validateImmutableField } from '../../validation/fields';
import { nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { metaValidator } from './common';

export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
/** The highest value a user-defined PriorityClass may have. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
export const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'] as const;

export interface BuiltinPriorityClass {
  readonly name: string;
  readonly value: number;
  readonly description: string;
}

/** The classes every cluster has (created by the API server at start). */
export const BUILTIN_PRIORITY_CLASSES: readonly BuiltinPriorityClass[] = Object.freeze([
  { name: 'system-node-critical', value: SYSTEM_CRITICAL_PRIORITY + 1000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: SYSTEM_CRITICAL_PRIORITY, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
]);

function defaults(obj: KubeObject): void {
  if (obj.preemptionPolicy === undefined || obj.preemptionPolicy === null) obj.preemptionPolicy = 'PreemptLowerPriority';
}

function validate(obj: KubeObject): FieldError[] {
  const errs = metaValidator(false, nameIsDNSSubdomain)(obj);
  const name = String(obj.metadata.name ?? '');
  const value = obj.value;
  if (typeof value !== 'number' || !Number.isInteger(value)) errs.push(required('value', 'must be an integer'));
  else if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const known = BUILTIN_PRIORITY_CLASSES.find((c) => c.name === name);
    const why = !known
      ? `${name} is not a known system priority class`
      : known.value !== value
        ? `value of ${name} PriorityClass must be ${known.value}`
        : obj.globalDefault === true
          ? `globalDefault of ${name} PriorityClass must be false`
          : undefined;
    if (why) errs.push(forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`));
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  errs.push(...validateEnum(obj.preemptionPolicy, PREEMPTION_POLICIES, 'preemptionPolicy'));
  return errs;
}

function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  return [
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...validateImmutableField(obj.value, old.value, 'value'),
    ...validateImmutableField(obj.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy'),
  ];
}

export const priorityClassStrategy: Strategy = Object.freeze({ defaults, validate, validateUpdate });
