// authorization.k8s.io/v1: access and rules reviews (`kubectl auth can-i`). Create-only and never
// stored; the API server answers each create through the handler registered for the resource.
import type { ResourceDef } from '../resource-def';
import { defineResource } from './define';
import { localSubjectAccessReviewStrategy, reviewStrategy, selfSubjectAccessReviewStrategy, subjectAccessReviewStrategy } from './strategies/reviews';

const authz = { group: 'authorization.k8s.io', version: 'v1', verbs: ['create'], createOnly: true } as const;

export const authorizationV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ ...authz, kind: 'LocalSubjectAccessReview', resource: 'localsubjectaccessreviews', singular: 'localsubjectaccessreview', namespaced: true, strategy: localSubjectAccessReviewStrategy }),
  defineResource({ ...authz, kind: 'SelfSubjectAccessReview', resource: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', namespaced: false, strategy: selfSubjectAccessReviewStrategy }),
  defineResource({ ...authz, kind: 'SelfSubjectRulesReview', resource: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview', namespaced: false, strategy: reviewStrategy }),
  defineResource({ ...authz, kind: 'SubjectAccessReview', resource: 'subjectaccessreviews', singular: 'subjectaccessreview', namespaced: false, strategy: subjectAccessReviewStrategy }),
]);
