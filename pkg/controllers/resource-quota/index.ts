// The API-server side of resource policy: LimitRange defaults and limits, then ResourceQuota
// enforcement, as admission plugins for the control plane (deps.admission), in that order.
import * as crypto from 'node:crypto';
import type { ResourceDef } from '../../api/resource-def';
import type { AdmissionPlugin } from '../../apiserver/authorization';
import { Store } from '../../apiserver/registry/store';
import type { Backend } from '../../storage/backend';
import { LimitRangerAdmission } from './limit-range-admission';
import { ResourceQuotaAdmission } from './quota-admission';

export { LimitRangerAdmission, ResourceQuotaAdmission };

export interface ResourcePolicyAdmissionDeps {
  readonly backend: Backend;
  /** The served resources (the limitranges and resourcequotas definitions are taken from here). */
  readonly resources: readonly ResourceDef[];
  readonly now?: () => Date;
}

/** LimitRanger then ResourceQuota; none when the catalog lacks the resources. */
export function resourcePolicyAdmission(deps: ResourcePolicyAdmissionDeps): AdmissionPlugin[] {
  const now = deps.now ?? (() => new Date());
  const ctx = { backend: deps.backend, now, newUid: () => crypto.randomUUID(), random: Math.random };
  const def = (resource: string) => deps.resources.find((d) => d.group === '' && d.version === 'v1' && d.resource === resource && !d.storageResource);
  const limitRanges = def('limitranges');
  const quotas = def('resourcequotas');
  const out: AdmissionPlugin[] = [];
  if (limitRanges) out.push(new LimitRangerAdmission(new Store(limitRanges, ctx)));
  if (quotas) out.push(new ResourceQuotaAdmission(new Store(quotas, ctx), now));
  return out;
}
