// Validation of the create-only review kinds (authorization.k8s.io access and rules reviews,
// authentication.k8s.io token and self-subject reviews). They are never stored: the server answers
// a create with the object and its status filled in.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { invalid } from '../../validation/errors';
import { asArray, asObject, asString } from '../../validation/json';

/** Whether metadata carries nothing but empty values (`creationTimestamp: null` is what clients send). */
function metaIsEmpty(meta: Record<string, unknown>, except: readonly string[] = []): boolean {
  return Object.entries(meta).every(([k, v]) => except.includes(k) || v === null || v === undefined || v === '' || (typeof v === 'object' && Object.keys(v).length === 0));
}

function attributesErrors(spec: Record<string, unknown>): FieldError[] {
  const res = asObject(spec.resourceAttributes);
  const nonRes = asObject(spec.nonResourceAttributes);
  if (res && nonRes) return [invalid('spec.nonResourceAttributes', nonRes, 'cannot be specified in combination with resourceAttributes')];
  if (!res && !nonRes) return [invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  return [];
}

function subjectErrors(spec: Record<string, unknown>): FieldError[] {
  const user = asString(spec.user) ?? '';
  const groups = asArray(spec.groups) ?? [];
  return user === '' && groups.length === 0 ? [invalid('spec.user', user, 'at least one of user or group must be specified')] : [];
}

function specOf(obj: KubeObject): Record<string, unknown> {
  return asObject(obj.spec) ?? {};
}

export const subjectAccessReviewStrategy: Strategy = Object.freeze({
  validate: (obj: KubeObject) => [
    ...(metaIsEmpty(obj.metadata) ? [] : [invalid('metadata', obj.metadata, 'must be empty')]),
    ...attributesErrors(specOf(obj)),
    ...subjectErrors(specOf(obj)),
  ],
});

export const selfSubjectAccessReviewStrategy: Strategy = Object.freeze({
  validate: (obj: KubeObject) => [...(metaIsEmpty(obj.metadata) ? [] : [invalid('metadata', obj.metadata, 'must be empty')]), ...attributesErrors(specOf(obj))],
});

export const localSubjectAccessReviewStrategy: Strategy = Object.freeze({
  validate: (obj: KubeObject) => {
    const spec = specOf(obj);
    const errs: FieldError[] = [];
    if (!metaIsEmpty(obj.metadata, ['namespace'])) errs.push(invalid('metadata', obj.metadata, 'must be empty except for namespace'));
    if (asObject(spec.nonResourceAttributes)) errs.push(invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
    else errs.push(...attributesErrors(spec));
    errs.push(...subjectErrors(spec));
    return errs;
  },
});

/** SelfSubjectRulesReview, SelfSubjectReview and TokenReview: the answer depends only on the caller or the token. */
export const reviewStrategy: Strategy = Object.freeze({});
