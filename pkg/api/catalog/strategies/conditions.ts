// metav1.Condition lists as upstream's meta/v1 validation checks them: a qualified-name type that
// appears once, status True/False/Unknown, a set lastTransitionTime, a CamelCase-ish reason of at
// most 1024 characters, a message of at most 32 KiB and a non-negative observedGeneration.
import type { FieldError } from '../../types';
import { child, duplicate, index, invalid, invalidEach, notSupported, required, tooLong, tooMany } from '../../validation/errors';
import { objectsOf } from '../../validation/json';
import { isQualifiedName } from '../../validation/names';

const CONDITION_STATUSES = ['False', 'True', 'Unknown'] as const;
const REASON_RE = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const REASON_FORMAT = '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?';
const MAX_REASON = 1024;
const MAX_MESSAGE = 32 * 1024;

function reasonProblem(): string {
  return (
    "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' " +
    `(e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '${REASON_FORMAT}')`
  );
}

/** Problems of one metav1.Condition at `path`. */
export function validateCondition(cond: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = typeof cond.type === 'string' ? cond.type : '';
  errs.push(...invalidEach(child(path, 'type'), type, isQualifiedName(type)));
  if (!CONDITION_STATUSES.includes(cond.status as (typeof CONDITION_STATUSES)[number])) errs.push(notSupported(child(path, 'status'), cond.status ?? '', CONDITION_STATUSES));
  if (typeof cond.observedGeneration === 'number' && cond.observedGeneration < 0) errs.push(invalid(child(path, 'observedGeneration'), cond.observedGeneration, 'must be greater than or equal to zero'));
  if (typeof cond.lastTransitionTime !== 'string' || cond.lastTransitionTime === '') errs.push(required(child(path, 'lastTransitionTime'), 'must be set'));
  const reason = typeof cond.reason === 'string' ? cond.reason : '';
  if (reason === '') errs.push(required(child(path, 'reason'), 'must be set'));
  else {
    if (!REASON_RE.test(reason)) errs.push(invalid(child(path, 'reason'), reason, reasonProblem()));
    if (reason.length > MAX_REASON) errs.push(tooLong(child(path, 'reason'), MAX_REASON));
  }
  if (typeof cond.message === 'string' && cond.message.length > MAX_MESSAGE) errs.push(tooLong(child(path, 'message'), MAX_MESSAGE));
  return errs;
}

/** Problems of a condition list at `path`; `maxItems` bounds its length where the API does. */
export function validateConditions(conditions: unknown, path: string, maxItems?: number): FieldError[] {
  const errs: FieldError[] = [];
  const items = objectsOf(conditions);
  if (maxItems !== undefined && Array.isArray(conditions) && conditions.length > maxItems) errs.push(tooMany(path, conditions.length, maxItems));
  const seen = new Set<unknown>();
  for (const [cond, i] of items) {
    const p = index(path, i);
    if (seen.has(cond.type)) errs.push(duplicate(child(p, 'type'), cond.type));
    seen.add(cond.type);
    errs.push(...validateCondition(cond, p));
  }
  return errs;
}

/** Whether the list holds a condition of `type` with status True. */
export function conditionTrue(conditions: unknown, type: string): boolean {
  return objectsOf(conditions).some(([c]) => c.type === type && c.status === 'True');
}
