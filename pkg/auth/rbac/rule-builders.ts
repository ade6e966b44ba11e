// Shorthands for writing policy rules as data (the bootstrap policy and tests).
import { policyRule, type PolicyRule } from './policy-rule';

export const READ = ['get', 'list', 'watch'] as const;
export const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;
export const READ_WRITE = [...READ, ...WRITE] as const;
export const EVENT_WRITE = ['create', 'update', 'patch'] as const;

/** A resource rule: verbs on resources of API groups (optionally only the named objects). */
export function rule(verbs: readonly string[], apiGroups: readonly string[], resources: readonly string[], resourceNames: readonly string[] = []): PolicyRule {
  return policyRule({ verbs, apiGroups, resources, resourceNames });
}

/** A non-resource rule (`/healthz`, `/api/*`). */
export function urls(verbs: readonly string[], nonResourceURLs: readonly string[]): PolicyRule {
  return policyRule({ verbs, nonResourceURLs });
}

export const eventsRule = rule(EVENT_WRITE, ['', 'events.k8s.io'], ['events']);
