// The RBAC authorizer: which rules each subject holds, cluster-wide and per namespace, compiled from
// the cached roles and bindings whenever one of them changed, so that a request only looks up its
// user's and groups' grants and matches their rules (no datastore read, no per-request allocation
// beyond the decision).
import type { AuthorizationAttributes, AuthorizationDecision } from '../../apiserver/authorization';
import type { UserInfo } from '../../apiserver/handlers/request-context';
import { NO_OPINION, type DecidingAuthorizer, type RuleResolver, type RulesResult } from '../authorizer';
import type { ReadonlyCache } from '../cache/store-cache';
import { compileRule, compiledRuleAllows, type CompiledRule, type PolicyRule } from './policy-rule';
import type { BindingView, RoleRef, RoleView, Subject } from './rbac-objects';

export interface RbacCaches {
  readonly roles: ReadonlyCache<RoleView>;
  readonly roleBindings: ReadonlyCache<BindingView>;
  readonly clusterRoles: ReadonlyCache<RoleView>;
  readonly clusterRoleBindings: ReadonlyCache<BindingView>;
}

/** The rules one binding gives one of its subjects, with the reason an allow reports. */
interface Grant {
  readonly rules: readonly CompiledRule[];
  readonly decision: AuthorizationDecision;
}

/** Grants by user name and by group name. */
interface SubjectGrants {
  readonly users: Map<string, Grant[]>;
  readonly groups: Map<string, Grant[]>;
}

interface CompiledIndex {
  /** Grants from ClusterRoleBindings. */
  readonly cluster: SubjectGrants;
  /** namespace → grants from that namespace's RoleBindings. */
  readonly namespaced: ReadonlyMap<string, SubjectGrants>;
}

function grantAllowing(grants: readonly Grant[] | undefined, attrs: AuthorizationAttributes, combined: string): AuthorizationDecision | undefined {
  if (grants === undefined) return undefined;
  for (const g of grants) for (const r of g.rules) if (compiledRuleAllows(attrs, combined, r)) return g.decision;
  return undefined;
}

function subjectAllowing(grants: SubjectGrants, attrs: AuthorizationAttributes, combined: string): AuthorizationDecision | undefined {
  const d = grantAllowing(grants.users.get(attrs.user.username), attrs, combined);
  if (d) return d;
  for (const g of attrs.user.groups) {
    const dg = grantAllowing(grants.groups.get(g), attrs, combined);
    if (dg) return dg;
  }
  return undefined;
}

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** Which map and name a binding subject is found under; ServiceAccounts match their user name. */
function subjectKey(s: Subject, bindingNamespace: string): { readonly group: boolean; readonly name: string } | undefined {
  switch (s.kind) {
    case 'User':
      return { group: false, name: s.name };
    case 'Group':
      return { group: true, name: s.name };
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns && s.name ? { group: false, name: `${SERVICE_ACCOUNT_PREFIX}${ns}:${s.name}` } : undefined;
    }
    default:
      return undefined;
  }
}

const emptyGrants = (): SubjectGrants => ({ users: new Map(), groups: new Map() });

function describeSubject(s: Subject, bindingNamespace: string): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount "${s.name}/${s.namespace || bindingNamespace}"` : `${s.kind} "${s.name}"`;
}

export class RbacAuthorizer implements DecidingAuthorizer, RuleResolver {
  readonly name = 'RBAC';
  private index?: CompiledIndex;
  /** Compiled rules per role rule list (role views are replaced on change, so this never goes stale). */
  private readonly compiledRules = new WeakMap<readonly PolicyRule[], readonly CompiledRule[]>();
  /** Times the index was rebuilt (for tests and benchmarks). */
  compilations = 0;

  constructor(private readonly caches: RbacCaches) {
    const invalidate = () => {
      this.index = undefined;
    };
    for (const c of [caches.roles, caches.roleBindings, caches.clusterRoles, caches.clusterRoleBindings] as const) (c as ReadonlyCache<unknown>).subscribe(invalidate);
  }

  /** Rules of the role a binding refers to; undefined when that role does not exist. */
  roleRefRules(ref: RoleRef, namespace: string): readonly PolicyRule[] | undefined {
    if (ref.kind === 'ClusterRole') return this.caches.clusterRoles.get(ref.name)?.rules;
    if (ref.kind === 'Role' && namespace) return this.caches.roles.get(`${namespace}/${ref.name}`)?.rules;
    return undefined;
  }

  private compiledOf(rules: readonly PolicyRule[]): readonly CompiledRule[] {
    let c = this.compiledRules.get(rules);
    if (!c) this.compiledRules.set(rules, (c = rules.map(compileRule)));
    return c;
  }

  private compile(): CompiledIndex {
    this.compilations++;
    const cluster = emptyGrants();
    const namespaced = new Map<string, SubjectGrants>();
    const add = (into: SubjectGrants, b: BindingView, kind: string, rules: readonly PolicyRule[]) => {
      if (rules.length === 0) return;
      const compiled = this.compiledOf(rules);
      const bindingName = b.namespace ? `${b.name}/${b.namespace}` : b.name;
      for (const s of b.subjects) {
        const key = subjectKey(s, b.namespace);
        if (!key) continue;
        const reason = `RBAC: allowed by ${kind} "${bindingName}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(s, b.namespace)}`;
        const map = key.group ? into.groups : into.users;
        const list = map.get(key.name) ?? [];
        list.push({ rules: compiled, decision: Object.freeze({ allowed: true, reason }) });
        map.set(key.name, list);
      }
    };
    for (const b of this.caches.clusterRoleBindings.values()) {
      if (b.roleRef.kind !== 'ClusterRole') continue;
      add(cluster, b, 'ClusterRoleBinding', this.roleRefRules(b.roleRef, '') ?? []);
    }
    for (const b of this.caches.roleBindings.values()) {
      let ns = namespaced.get(b.namespace);
      if (!ns) namespaced.set(b.namespace, (ns = emptyGrants()));
      add(ns, b, 'RoleBinding', this.roleRefRules(b.roleRef, b.namespace) ?? []);
    }
    return { cluster, namespaced };
  }

  private compiled(): CompiledIndex {
    return (this.index ??= this.compile());
  }

  decide(attrs: AuthorizationAttributes): AuthorizationDecision {
    const idx = this.index ?? this.compiled();
    const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const d = subjectAllowing(idx.cluster, attrs, combined);
    if (d) return d;
    const ns = attrs.namespace ? idx.namespaced.get(attrs.namespace) : undefined;
    return (ns && subjectAllowing(ns, attrs, combined)) || NO_OPINION;
  }

  rulesFor(user: UserInfo, namespace: string): RulesResult {
    const idx = this.compiled();
    const nsGrants = namespace ? idx.namespaced.get(namespace) : undefined;
    const resourceRules: PolicyRule[] = [];
    const nonResourceRules: PolicyRule[] = [];
    const of = (grants: SubjectGrants | undefined): Grant[] => (grants ? [...(grants.users.get(user.username) ?? []), ...user.groups.flatMap((g) => grants.groups.get(g) ?? [])] : []);
    for (const g of of(idx.cluster)) for (const { rule: r } of g.rules) (r.nonResourceURLs.length > 0 ? nonResourceRules : resourceRules).push(r);
    // URLs have no namespace: a RoleBinding never grants them.
    for (const g of of(nsGrants)) for (const { rule: r } of g.rules) if (r.nonResourceURLs.length === 0) resourceRules.push(r);
    return { resourceRules, nonResourceRules, incomplete: false };
  }
}
