// authentication.k8s.io/v1: who am I (`kubectl auth whoami`) and token reviews. Create-only and
// never stored, like the authorization reviews.
import type { ResourceDef } from '../resource-def';
import { defineResource } from './define';
import { reviewStrategy } from './strategies/reviews';

const authn = { group: 'authentication.k8s.io', version: 'v1', verbs: ['create'], createOnly: true, namespaced: false, strategy: reviewStrategy } as const;

export const authenticationV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ ...authn, kind: 'SelfSubjectReview', resource: 'selfsubjectreviews', singular: 'selfsubjectreview' }),
  defineResource({ ...authn, kind: 'TokenReview', resource: 'tokenreviews', singular: 'tokenreview' }),
]);
