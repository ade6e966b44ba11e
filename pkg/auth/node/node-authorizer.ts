// The node authorizer (upstream's Node authorization mode): a kubelet, user `system:node:<name>` in
// group `system:nodes`, may read a secret, config map, persistent volume claim or persistent volume
// only when a pod bound to its node needs it, and request tokens only for the service accounts of
// its pods. Everything else a kubelet does is checked against the node rules;
// the NodeRestriction admission plugin then limits writes to its own Node, Lease and pods.
import type { AuthorizationAttributes, AuthorizationDecision } from '../../apiserver/authorization';
import type { UserInfo } from '../../apiserver/handlers/request-context';
import { NO_OPINION, type DecidingAuthorizer, type RuleResolver, type RulesResult } from '../authorizer';
import { NODE_RULES } from '../rbac/bootstrap-policy';
import { compileRule, compiledRuleAllows, type CompiledRule, type PolicyRule } from '../rbac/policy-rule';
import type { GraphKind, NodeGraph } from './node-graph';

export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';

/** The node a kubelet user speaks for, or undefined for anyone else. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  return user.username.slice(NODE_USER_PREFIX.length) || undefined;
}

const GRAPH_RESOURCES: Readonly<Record<string, GraphKind>> = {
  secrets: 'secret',
  configmaps: 'configmap',
  persistentvolumeclaims: 'persistentvolumeclaim',
  serviceaccounts: 'serviceaccount',
};

const ALLOW: AuthorizationDecision = Object.freeze({ allowed: true });
const READ_VERBS = new Set(['get', 'list', 'watch']);

export class NodeAuthorizer implements DecidingAuthorizer, RuleResolver {
  readonly name = 'Node';
  private readonly rules: readonly CompiledRule[];

  constructor(
    private readonly graph: NodeGraph,
    rules: readonly PolicyRule[] = NODE_RULES,
  ) {
    this.rules = rules.map(compileRule);
  }

  /** Whether the node rules allow the request at all. */
  private nodeRulesAllow(a: AuthorizationAttributes): boolean {
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    for (const r of this.rules) if (compiledRuleAllows(a, combined, r)) return true;
    return false;
  }

  private noRelation(node: string): AuthorizationDecision {
    return { allowed: false, reason: `no relationship found between node '${node}' and this object` };
  }

  /** Reads of one named object the node's pods need. */
  private readObject(a: AuthorizationAttributes, node: string, check: () => boolean): AuthorizationDecision {
    if (!READ_VERBS.has(a.verb)) return { allowed: false, reason: `node '${node}' can only read resources of this type` };
    if (!a.name) return { allowed: false, reason: `node '${node}' can only read individual objects of this type` };
    if (!this.nodeRulesAllow(a)) return NO_OPINION;
    return check() ? ALLOW : this.noRelation(node);
  }

  decide(a: AuthorizationAttributes): AuthorizationDecision {
    const node = nodeNameOf(a.user);
    if (node === undefined) return NO_OPINION;
    if (!a.isResource || a.group !== '') return this.nodeRulesAllow(a) ? ALLOW : NO_OPINION;
    const kind = GRAPH_RESOURCES[a.resource];
    if (kind === 'serviceaccount') {
      // Only tokens for the service accounts of its pods; nothing else of service accounts.
      if (a.subresource !== 'token' || a.verb !== 'create' || !a.name) return { allowed: false, reason: `node '${node}' can only create tokens for individual service accounts` };
      return this.graph.hasPath(node, kind, a.namespace, a.name) ? ALLOW : this.noRelation(node);
    } else if (kind === 'persistentvolumeclaim' && a.subresource === 'status') {
      if (!this.nodeRulesAllow(a)) return NO_OPINION;
      return a.name && this.graph.hasPath(node, kind, a.namespace, a.name) ? ALLOW : this.noRelation(node);
    } else if (kind && !a.subresource) {
      return this.readObject(a, node, () => this.graph.hasPath(node, kind, a.namespace, a.name));
    } else if (a.resource === 'persistentvolumes' && !a.subresource) {
      return this.readObject(a, node, () => this.graph.volumeOnNode(a.name, node));
    }
    return this.nodeRulesAllow(a) ? ALLOW : NO_OPINION;
  }

  rulesFor(user: UserInfo): RulesResult {
    // A node's object-scoped permissions cannot be listed as rules.
    return nodeNameOf(user) === undefined ? { resourceRules: [], nonResourceRules: [], incomplete: false } : { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' };
  }
}
