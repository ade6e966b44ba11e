// The authorizer chain of the API server (upstream's union authorizer): each part answers allow,
// deny or no opinion synchronously from in-memory state; the first allow or deny wins, and a
// request nobody allows is refused with every part's reason. Plus the rule listing that
// SelfSubjectRulesReview (`kubectl auth can-i --list`) serves.
import type { AuthorizationAttributes, AuthorizationDecision, Authorizer } from '../apiserver/authorization';
import type { UserInfo } from '../apiserver/handlers/request-context';
import type { PolicyRule } from './rbac/policy-rule';

/** One link of the chain. `decide` must not do I/O: it runs on every request. */
export interface DecidingAuthorizer {
  readonly name: string;
  decide(attrs: AuthorizationAttributes): AuthorizationDecision;
}

export interface RulesResult {
  readonly resourceRules: readonly PolicyRule[];
  readonly nonResourceRules: readonly PolicyRule[];
  /** True when some authorizer grants permissions it cannot list (the node authorizer). */
  readonly incomplete: boolean;
  readonly evaluationError?: string;
}

export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): RulesResult;
}

export const NO_OPINION: AuthorizationDecision = Object.freeze({ allowed: false });

/** Members of these groups may do anything (upstream: system:masters), before any other check. */
export function privilegedGroups(groups: readonly string[]): DecidingAuthorizer {
  const set = new Set(groups);
  const allow: AuthorizationDecision = Object.freeze({ allowed: true, reason: 'privileged group' });
  return {
    name: 'PrivilegedGroups',
    decide: (a) => {
      for (const g of a.user.groups) if (set.has(g)) return allow;
      return NO_OPINION;
    },
  };
}

export class UnionAuthorizer implements Authorizer, DecidingAuthorizer {
  readonly name = 'Union';

  constructor(private readonly parts: readonly DecidingAuthorizer[]) {}

  decide(attrs: AuthorizationAttributes): AuthorizationDecision {
    let reasons: string[] | undefined;
    for (const p of this.parts) {
      const d = p.decide(attrs);
      if (d.allowed || d.denied) return d;
      if (d.reason) (reasons ??= []).push(d.reason);
    }
    return reasons ? { allowed: false, reason: reasons.join('; ') } : NO_OPINION;
  }

  authorize(attrs: AuthorizationAttributes): Promise<AuthorizationDecision> {
    return Promise.resolve(this.decide(attrs));
  }
}

/** Rule listings of several resolvers, concatenated; incomplete if any is. */
export function unionRuleResolver(resolvers: readonly RuleResolver[]): RuleResolver {
  return {
    rulesFor(user, namespace) {
      const resourceRules: PolicyRule[] = [];
      const nonResourceRules: PolicyRule[] = [];
      const errors: string[] = [];
      let incomplete = false;
      for (const r of resolvers) {
        const res = r.rulesFor(user, namespace);
        resourceRules.push(...res.resourceRules);
        nonResourceRules.push(...res.nonResourceRules);
        incomplete ||= res.incomplete;
        if (res.evaluationError) errors.push(res.evaluationError);
      }
      return { resourceRules, nonResourceRules, incomplete, ...(errors.length ? { evaluationError: errors.join('; ') } : {}) };
    },
  };
}
