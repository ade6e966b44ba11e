// RBAC escalation prevention (upstream semantics): nobody grants what they do not hold.
// - Creating or updating a Role/ClusterRole needs every permission of its rules (in the role's
//   namespace), or the `escalate` verb on the role. An aggregationRule needs full authority.
// - Creating or updating a binding needs every permission of the referenced role (in the binding's
//   namespace), or the `bind` verb on that role.
// system:masters is exempt; with authorization off (AlwaysAllow) every escalate/bind check passes.
import type { AdmissionPlugin, AdmissionRequest, Authorizer } from '../../apiserver/authorization';
import type { KubeObject } from '../../api/types';
import { ApiError } from '../../apiserver/errors';
import { deepEqual } from '../../apiserver/registry/deep-equal';
import type { UserInfo } from '../../apiserver/handlers/request-context';
import { compactRule, policyRulesOf, type PolicyRule } from './policy-rule';
import { RBAC_GROUP, type RoleRef } from './rbac-objects';
import { rule, urls } from './rule-builders';
import { uncoveredRules } from './rule-covers';

/** Rules a user holds in a namespace ('' = cluster-wide only), and the rules of a referenced role. */
export interface EscalationRules {
  rulesFor(user: UserInfo, namespace: string): { readonly resourceRules: readonly PolicyRule[]; readonly nonResourceRules: readonly PolicyRule[] };
  roleRefRules(ref: RoleRef, namespace: string): readonly PolicyRule[] | undefined;
}

const FULL_AUTHORITY: readonly PolicyRule[] = [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])];
const EXEMPT_GROUP = 'system:masters';

const ROLE_RESOURCES = new Set(['roles', 'clusterroles']);
const BINDING_RESOURCES = new Set(['rolebindings', 'clusterrolebindings']);

export class EscalationAdmission implements AdmissionPlugin {
  readonly name = 'RBACEscalation';

  constructor(
    private readonly authorizer: Authorizer,
    private readonly rules: EscalationRules,
  ) {}

  async admit(req: AdmissionRequest): Promise<void> {
    if (req.def.group !== RBAC_GROUP || (req.operation !== 'create' && req.operation !== 'update') || req.subresource || !req.object) return;
    const resource = req.def.resource;
    if (!ROLE_RESOURCES.has(resource) && !BINDING_RESOURCES.has(resource)) return;
    if (req.user.groups.includes(EXEMPT_GROUP)) return;
    if (req.operation === 'update' && onlyGarbageCollectionFields(req.object, req.oldObject)) return;
    const namespace = req.def.namespaced ? req.namespace ?? String(req.object.metadata.namespace ?? '') : '';
    const name = String(req.object.metadata.name ?? req.name ?? '');
    if (ROLE_RESOURCES.has(resource)) return this.admitRole(req, resource, namespace, name);
    return this.admitBinding(req, resource, namespace, name);
  }

  private async allowedVerb(user: UserInfo, verb: string, resource: string, namespace: string, name: string): Promise<boolean> {
    const d = await this.authorizer.authorize({ user, verb, isResource: true, group: RBAC_GROUP, version: 'v1', resource, subresource: '', namespace, name, path: '' });
    return d.allowed;
  }

  private confirm(req: AdmissionRequest, resource: string, namespace: string, name: string, wanted: readonly PolicyRule[], message?: string): void {
    const held = this.rules.rulesFor(req.user, namespace);
    const missing = uncoveredRules([...held.resourceRules, ...held.nonResourceRules], wanted);
    if (missing.length === 0) return;
    const groups = `[${req.user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
    const why = message ?? `user ${JSON.stringify(req.user.username)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${missing.map(compactRule).join('\n')}`;
    throw forbidden(resource, name, why);
  }

  private async admitRole(req: AdmissionRequest, resource: string, namespace: string, name: string): Promise<void> {
    if (await this.allowedVerb(req.user, 'escalate', resource, namespace, name)) return;
    const obj = req.object!;
    this.confirm(req, resource, namespace, name, policyRulesOf(obj.rules));
    // An aggregationRule can gather anything, so setting or changing one takes full authority.
    const hasAggregation = obj.aggregationRule !== undefined && obj.aggregationRule !== null;
    if (hasAggregation && !deepEqual(obj.aggregationRule, req.oldObject?.aggregationRule)) {
      this.confirm(req, resource, namespace, name, FULL_AUTHORITY, 'must have cluster-admin privileges to use the aggregationRule');
    }
  }

  private async admitBinding(req: AdmissionRequest, resource: string, namespace: string, name: string): Promise<void> {
    const ref = (req.object!.roleRef ?? {}) as { kind?: unknown; name?: unknown };
    const roleRef: RoleRef = { kind: String(ref.kind ?? ''), name: String(ref.name ?? '') };
    const roleResource = roleRef.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
    if (await this.allowedVerb(req.user, 'bind', roleResource, namespace, roleRef.name)) return;
    const rules = this.rules.roleRefRules(roleRef, namespace);
    if (!rules) throw forbidden(resource, name, `${roleResource}.${RBAC_GROUP} "${roleRef.name}" not found`);
    this.confirm(req, resource, namespace, name, rules);
  }
}

function forbidden(resource: string, name: string, why: string): ApiError {
  return new ApiError(403, 'Forbidden', `${resource}.${RBAC_GROUP} "${name}" is forbidden: ${why}`, { name, group: RBAC_GROUP, kind: resource });
}

/** Updates that only touch what garbage collection needs (owners, finalizers) are never escalations. */
function onlyGarbageCollectionFields(obj: KubeObject, old: KubeObject | undefined): boolean {
  if (!old) return false;
  const strip = (o: KubeObject) => {
    const { ownerReferences: _o, finalizers: _f, managedFields: _m, resourceVersion: _r, ...meta } = o.metadata;
    return { ...o, metadata: meta };
  };
  return deepEqual(strip(obj), strip(old));
}
