// Composition of authorization inside the server: reconcile the bootstrap RBAC policy, fill the
// caches the authorizers read (roles and bindings for RBAC, pods and persistent volumes for the node
// graph), run ClusterRole aggregation, and hand the API server its authorizer chain, admission
// plugins and rule resolver. `--authorization-mode` (hidden) picks the chain; AlwaysAllow exists
// only to measure what authorization costs.
import type { KubeObject } from '../api/types';
import { allowAll, type AdmissionPlugin, type Authorizer } from '../apiserver/authorization';
import type { Logger } from '../log/logger';
import { privilegedGroups, UnionAuthorizer, unionRuleResolver, type DecidingAuthorizer, type RuleResolver } from './authorizer';
import { CacheGroup, StoreCache, type CacheSource } from './cache/store-cache';
import { AuthorizationError } from './errors';
import { NodeAuthorizer } from './node/node-authorizer';
import { NodeGraph } from './node/node-graph';
import { NodeRestrictionAdmission } from './node/node-restriction';
import { persistentVolumeReferences, podReferences } from './node/pod-references';
import { AggregationController } from './rbac/aggregation-controller';
import { RbacAuthorizer } from './rbac/rbac-authorizer';
import { EscalationAdmission } from './rbac/escalation-admission';
import { bindingView, roleView } from './rbac/rbac-objects';
import { reconcileBootstrapPolicy, type PolicyStore } from './rbac/reconcile-policy';
import { rule, urls } from './rbac/rule-builders';

export type AuthorizationMode = 'AlwaysAllow' | 'RBAC' | 'Node';
export const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['AlwaysAllow', 'RBAC', 'Node'];
export const DEFAULT_AUTHORIZATION_MODE = 'RBAC,Node';

export interface AuthorizationConfig {
  readonly modes: readonly AuthorizationMode[];
}

/** `RBAC,Node` → ['RBAC', 'Node']; AlwaysAllow stands alone. */
export function parseAuthorizationModes(text: string): readonly AuthorizationMode[] {
  const modes = text.split(',').map((m) => m.trim()).filter(Boolean);
  for (const m of modes) {
    if (!AUTHORIZATION_MODES.includes(m as AuthorizationMode)) {
      throw new AuthorizationError('invalid-authorization-mode', `unknown authorization mode "${m}": expected a comma-separated list of ${AUTHORIZATION_MODES.join(', ')}`);
    }
  }
  if (modes.length === 0) throw new AuthorizationError('invalid-authorization-mode', 'empty authorization mode: expected RBAC,Node');
  if (new Set(modes).size !== modes.length) throw new AuthorizationError('invalid-authorization-mode', `authorization mode "${text}" names a mode twice`);
  if (modes.includes('AlwaysAllow') && modes.length > 1) throw new AuthorizationError('invalid-authorization-mode', 'AlwaysAllow cannot be combined with other authorization modes');
  return Object.freeze(modes as AuthorizationMode[]);
}

/** A registry Store: cacheable and writable. */
export type AuthorizationStore = CacheSource & PolicyStore;

export interface AuthorizationDeps {
  /** The server's store of a built-in resource. */
  readonly store: (group: string, resource: string) => AuthorizationStore | undefined;
  readonly log: Logger;
}

export interface AuthorizationStack {
  readonly authorizer: Authorizer;
  readonly admission: readonly AdmissionPlugin[];
  /** Rules of a user in a namespace (SelfSubjectRulesReview). */
  readonly rules: RuleResolver;
  stop(): Promise<void>;
}

const EVERYTHING: RuleResolver = {
  rulesFor: () => ({ resourceRules: [rule(['*'], ['*'], ['*'])], nonResourceRules: [urls(['*'], ['*'])], incomplete: false }),
};

export async function startAuthorization(cfg: AuthorizationConfig, deps: AuthorizationDeps): Promise<AuthorizationStack> {
  const log = deps.log;
  const need = (group: string, resource: string): AuthorizationStore => {
    const s = deps.store(group, resource);
    if (!s) throw new AuthorizationError('missing-resource', `authorization needs the ${resource}${group ? `.${group}` : ''} resource, which the server does not serve`);
    return s;
  };
  const rbacGroup = 'rbac.authorization.k8s.io';
  const clusterRolesStore = need(rbacGroup, 'clusterroles');
  await reconcileBootstrapPolicy({ clusterRoles: clusterRolesStore, clusterRoleBindings: need(rbacGroup, 'clusterrolebindings') }, log);
  if (cfg.modes.includes('AlwaysAllow')) {
    log.warn('authorization is off (--authorization-mode=AlwaysAllow): every authenticated request is allowed');
    return { authorizer: allowAll, admission: [], rules: EVERYTHING, stop: async () => undefined };
  }

  const caches: StoreCache<unknown>[] = [];
  const cache = <T>(store: AuthorizationStore, project: (o: KubeObject) => T): StoreCache<T> => {
    const c = new StoreCache(store, { project, log: log.child('cache') });
    caches.push(c as StoreCache<unknown>);
    return c;
  };
  const parts: DecidingAuthorizer[] = [privilegedGroups(['system:masters'])];
  const resolvers: RuleResolver[] = [];
  const admission: AdmissionPlugin[] = [];
  let rbac: RbacAuthorizer | undefined;
  let aggregation: AggregationController | undefined;
  for (const mode of cfg.modes) {
    if (mode === 'RBAC') {
      const clusterRoles = cache(clusterRolesStore, roleView);
      rbac = new RbacAuthorizer({ roles: cache(need(rbacGroup, 'roles'), roleView), roleBindings: cache(need(rbacGroup, 'rolebindings'), bindingView), clusterRoles, clusterRoleBindings: cache(need(rbacGroup, 'clusterrolebindings'), bindingView) });
      aggregation = new AggregationController(clusterRoles, clusterRolesStore, { log: log.child('clusterrole-aggregation') });
      parts.push(rbac);
      resolvers.push(rbac);
    } else if (mode === 'Node') {
      const node = new NodeAuthorizer(new NodeGraph(cache(need('', 'pods'), podReferences), cache(need('', 'persistentvolumes'), persistentVolumeReferences)));
      parts.push(node);
      resolvers.push(node);
      admission.push(new NodeRestrictionAdmission());
    }
  }
  const authorizer = new UnionAuthorizer(parts);
  // One watch for all the caches: each write then wakes one watcher, not six.
  const group = new CacheGroup(caches, { log: log.child('cache') });
  group.start();
  const stopAll = async () => {
    await aggregation?.stop();
    await group.stop();
  };
  try {
    await group.synced;
    if (aggregation) {
      await aggregation.settle();
      aggregation.start();
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  if (rbac) admission.unshift(new EscalationAdmission(authorizer, rbac));
  log.info('authorization ready', { modes: cfg.modes.join(',') });
  return { authorizer, admission, rules: unionRuleResolver(resolvers), stop: stopAll };
}
