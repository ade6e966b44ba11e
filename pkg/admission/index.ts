// Dynamic admission for the API server: MutatingAdmissionPolicy, MutatingAdmissionWebhook,
// ValidatingAdmissionPolicy, ValidatingAdmissionWebhook, in upstream's order, configured by the
// admissionregistration.k8s.io/v1 objects (read from watched caches).
import type { ResourceDef } from '../api/resource-def';
import type { AdmissionPlugin, Authorizer } from '../apiserver/authorization';
import { silentLogger, type Logger } from '../log/logger';
import type { Backend } from '../storage/backend';
import { AdmissionSources } from './admission-sources';
import { MutatingPolicyAdmission } from './mutating-policy-admission';
import { ValidatingPolicyAdmission } from './validating-policy-admission';
import { WebhookAdmission } from './webhook-admission';

export { AdmissionSources, MutatingPolicyAdmission, ValidatingPolicyAdmission, WebhookAdmission };
export { LateBoundAuthorizer } from './admission-authorizer';

export interface DynamicAdmissionDeps {
  readonly backend: Backend;
  readonly resources: readonly ResourceDef[];
  /** Stops the caches. */
  readonly signal: AbortSignal;
  readonly log?: Logger;
  /** What CEL's `authorizer` variable asks (e.g. a LateBoundAuthorizer bound to the server's chain); absent: null. */
  readonly authorizer?: Authorizer;
}

/** The four plugins; none when the catalog does not serve admissionregistration.k8s.io/v1. */
export function dynamicAdmission(deps: DynamicAdmissionDeps): AdmissionPlugin[] {
  if (!deps.resources.some((d) => d.group === 'admissionregistration.k8s.io' && d.version === 'v1')) return [];
  const log = deps.log ?? silentLogger();
  const sources = new AdmissionSources({ backend: deps.backend, resources: deps.resources, signal: deps.signal, log, authorizer: deps.authorizer });
  return [new MutatingPolicyAdmission(sources), new WebhookAdmission('mutating', sources, log), new ValidatingPolicyAdmission(sources, log), new WebhookAdmission('validating', sources, log)];
}
