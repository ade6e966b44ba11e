// The RBAC authorizer: which rules each subject holds, cluster-wide and per namespace, compiled from
// the cached roles and bindings whenever one of them changed, so that a request only looks up its
// user's and groups' grants and matches their rules (no datastore read, no per-request allocation
// beyond the decision).
import type { AuthorizationAttributes, AuthorizationDecision } from '../../apiserver/authorization';
import type { UserInfo } from '../../apiserver/handlers/request-context';
import { NO_OPINION, type DecidingAuthorizer, type RuleResolver, type RulesResult } from '../authorizer';
import type { ReadonlyCache } from '../cache/store-cache';
import { ruleAllows, type PolicyRule } from './policy-rule';
import type { BindingView, RoleRef, RoleView, Subject } from './rbac-objects';

export interface RbacCaches {
  readonly roles: ReadonlyCache<RoleView>;
  readonly roleBindings: ReadonlyCache<BindingView>;
  readonly clusterRoles: ReadonlyCache<RoleView>;
  readonly clusterRoleBindings: ReadonlyCache<BindingView>;
}

/** The rules one binding gives one of its subjects, with the reason an allow reports. */
interface Grant {
  readonly rules: readonly PolicyRule[];
  readonly decision: AuthorizationDecision;
}

interface CompiledIndex {
  /** `u:<user>` / `g:<group>` → grants from ClusterRoleBindings. */
  readonly cluster: ReadonlyMap<string, readonly Grant[]>;
  /** namespace → subject key → grants from that namespace's RoleBindings. */
  readonly namespaced: ReadonlyMap<string, ReadonlyMap<string, readonly Grant[]>>;
}

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** The lookup key a binding subject matches; ServiceAccounts match their user name. */
function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  switch (s.kind) {
    case 'User':
      return `u:${s.name}`;
    case 'Group':
      return `g:${s.name}`;
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns && s.name ? `u:${SERVICE_ACCOUNT_PREFIX}${ns}:${s.name}` : undefined;
    }
    default:
      return undefined;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount "${s.name}/${s.namespace || bindingNamespace}"` : `${s.kind} "${s.name}"`;
}

export class RbacAuthorizer implements DecidingAuthorizer, RuleResolver {
  readonly name = 'RBAC';
  private index?: CompiledIndex;
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

  private compile(): CompiledIndex {
    this.compilations++;
    const cluster = new Map<string, Grant[]>();
    const namespaced = new Map<string, Map<string, Grant[]>>();
    const add = (into: Map<string, Grant[]>, b: BindingView, kind: string, rules: readonly PolicyRule[]) => {
      if (rules.length === 0) return;
      const bindingName = b.namespace ? `${b.name}/${b.namespace}` : b.name;
      for (const s of b.subjects) {
        const key = subjectKey(s, b.namespace);
        if (!key) continue;
        const reason = `RBAC: allowed by ${kind} "${bindingName}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(s, b.namespace)}`;
        const list = into.get(key) ?? [];
        list.push({ rules, decision: Object.freeze({ allowed: true, reason }) });
        into.set(key, list);
      }
    };
    for (const b of this.caches.clusterRoleBindings.values()) {
      if (b.roleRef.kind !== 'ClusterRole') continue;
      add(cluster, b, 'ClusterRoleBinding', this.roleRefRules(b.roleRef, '') ?? []);
    }
    for (const b of this.caches.roleBindings.values()) {
      let ns = namespaced.get(b.namespace);
      if (!ns) namespaced.set(b.namespace, (ns = new Map()));
      add(ns, b, 'RoleBinding', this.roleRefRules(b.roleRef, b.namespace) ?? []);
    }
    return { cluster, namespaced };
  }

  private compiled(): CompiledIndex {
    return (this.index ??= this.compile());
  }

  private static grantAllowing(grants: readonly Grant[] | undefined, attrs: AuthorizationAttributes): AuthorizationDecision | undefined {
    if (!grants) return undefined;
    for (const g of grants) for (const r of g.rules) if (ruleAllows(attrs, r)) return g.decision;
    return undefined;
  }

  decide(attrs: AuthorizationAttributes): AuthorizationDecision {
    const idx = this.compiled();
    const user = attrs.user;
    const nsGrants = attrs.namespace ? idx.namespaced.get(attrs.namespace) : undefined;
    const byKey = (key: string) => RbacAuthorizer.grantAllowing(idx.cluster.get(key), attrs) ?? (nsGrants ? RbacAuthorizer.grantAllowing(nsGrants.get(key), attrs) : undefined);
    const d = byKey(`u:${user.username}`);
    if (d) return d;
    for (const g of user.groups) {
      const dg = byKey(`g:${g}`);
      if (dg) return dg;
    }
    return NO_OPINION;
  }

  rulesFor(user: UserInfo, namespace: string): RulesResult {
    const idx = this.compiled();
    const keys = [`u:${user.username}`, ...user.groups.map((g) => `g:${g}`)];
    const nsGrants = namespace ? idx.namespaced.get(namespace) : undefined;
    const resourceRules: PolicyRule[] = [];
    const nonResourceRules: PolicyRule[] = [];
    for (const k of keys) {
      for (const g of idx.cluster.get(k) ?? []) for (const r of g.rules) (r.nonResourceURLs.length > 0 ? nonResourceRules : resourceRules).push(r);
      // URLs have no namespace: a RoleBinding never grants them.
      for (const g of nsGrants?.get(k) ?? []) for (const r of g.rules) if (r.nonResourceURLs.length === 0) resourceRules.push(r);
    }
    return { resourceRules, nonResourceRules, incomplete: false };
  }
}
