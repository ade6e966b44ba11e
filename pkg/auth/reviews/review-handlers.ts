// Handlers of the create-only review resources: access reviews (SubjectAccessReview and its self
// and local forms) ask the authorizer; SelfSubjectRulesReview lists the caller's rules (`kubectl
// auth can-i --list`); SelfSubjectReview returns the caller (`kubectl auth whoami`); TokenReview runs
// a bearer token through the server's authenticators.
import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../../api/types';
import type { Authenticator } from '../../apiserver/api-server';
import type { AuthorizationAttributes, Authorizer } from '../../apiserver/authorization';
import { ApiError, errors } from '../../apiserver/errors';
import type { CreateOnlyHandler, UserInfo } from '../../apiserver/handlers/request-context';
import type { RuleResolver } from '../authorizer';
import { ruleToJson } from '../rbac/policy-rule';

type Rec = Record<string, unknown>;

function rec(v: unknown): Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** The request a review asks about, as authorization attributes. */
function reviewAttributes(spec: Rec, user: UserInfo): AuthorizationAttributes {
  const res = spec.resourceAttributes === undefined || spec.resourceAttributes === null ? undefined : rec(spec.resourceAttributes);
  if (res) {
    return {
      user,
      verb: str(res.verb),
      isResource: true,
      group: str(res.group),
      version: str(res.version),
      resource: str(res.resource),
      subresource: str(res.subresource),
      namespace: str(res.namespace),
      name: str(res.name),
      path: '',
    };
  }
  const non = rec(spec.nonResourceAttributes);
  return { user, verb: str(non.verb), isResource: false, group: '', version: '', resource: '', subresource: '', namespace: '', name: '', path: str(non.path) };
}

function extraOf(v: unknown): Record<string, string[]> | undefined {
  const r = rec(v);
  const out: Record<string, string[]> = {};
  for (const [k, vals] of Object.entries(r)) out[k] = strings(vals);
  return Object.keys(out).length ? out : undefined;
}

function userInfoJson(user: UserInfo): Rec {
  const extra = (user as { extra?: unknown }).extra;
  return { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: [...user.groups], ...(extra !== undefined ? { extra } : {}) };
}

function answer(obj: KubeObject, status: Rec, metadata: Rec = {}): KubeObject {
  return { ...obj, metadata: { ...metadata, creationTimestamp: null }, status };
}

async function accessStatus(authorizer: Authorizer, attrs: AuthorizationAttributes): Promise<Rec> {
  const d = await authorizer.authorize(attrs);
  return { allowed: d.allowed, ...(d.denied ? { denied: true } : {}), ...(d.reason ? { reason: d.reason } : {}) };
}

export interface ReviewDeps {
  readonly authorizer: Authorizer;
  readonly rules: RuleResolver;
  /** Bearer-token authenticators (TokenReview); client certificates cannot be reviewed. */
  readonly tokenAuthenticators: readonly Authenticator[];
}

function subjectOf(spec: Rec): UserInfo {
  const extra = extraOf(spec.extra);
  return { username: str(spec.user), groups: strings(spec.groups), ...(str(spec.uid) ? { uid: str(spec.uid) } : {}), ...(extra ? { extra } : {}) };
}

/** `group/resource` → handler, for ServerServices.createOnly. */
export function reviewHandlers(deps: ReviewDeps): ReadonlyMap<string, CreateOnlyHandler> {
  const handlers = new Map<string, CreateOnlyHandler>();
  handlers.set('authorization.k8s.io/subjectaccessreviews', async ({ object }) => {
    const spec = rec(object.spec);
    return answer(object, await accessStatus(deps.authorizer, reviewAttributes(spec, subjectOf(spec))));
  });
  handlers.set('authorization.k8s.io/selfsubjectaccessreviews', async ({ object, user }) => {
    return answer(object, await accessStatus(deps.authorizer, reviewAttributes(rec(object.spec), user)));
  });
  handlers.set('authorization.k8s.io/localsubjectaccessreviews', async ({ object, namespace }) => {
    const spec = rec(object.spec);
    const res = rec(spec.resourceAttributes);
    const ns = namespace ?? '';
    if (str(res.namespace) !== '' && str(res.namespace) !== ns) {
      throw errors.badRequest(`spec.resourceAttributes.namespace must match namespace: ${ns}`);
    }
    const attrs = { ...reviewAttributes(spec, subjectOf(spec)), namespace: ns };
    return answer(object, await accessStatus(deps.authorizer, attrs), { namespace: ns });
  });
  handlers.set('authorization.k8s.io/selfsubjectrulesreviews', async ({ object, user }) => {
    const namespace = str(rec(object.spec).namespace);
    if (namespace === '') throw errors.badRequest('no namespace on request');
    const r = deps.rules.rulesFor(user, namespace);
    return answer(object, {
      resourceRules: r.resourceRules.map(({ verbs, apiGroups, resources, resourceNames }) => ruleToJson({ verbs, apiGroups, resources, resourceNames, nonResourceURLs: [] })),
      nonResourceRules: r.nonResourceRules.map((rule) => ({ verbs: [...rule.verbs], nonResourceURLs: [...rule.nonResourceURLs] })),
      incomplete: r.incomplete,
      ...(r.evaluationError ? { evaluationError: r.evaluationError } : {}),
    });
  });
  handlers.set('authentication.k8s.io/selfsubjectreviews', async ({ object, user }) => answer(object, { userInfo: userInfoJson(user) }));
  handlers.set('authentication.k8s.io/tokenreviews', async ({ object }) => {
    const spec = rec(object.spec);
    const token = str(spec.token);
    if (token === '') throw errors.badRequest('token is required for TokenReview in authentication');
    const audiences = strings(spec.audiences);
    const status = await reviewToken(deps.tokenAuthenticators, token);
    return answer(object, { ...status, ...(audiences.length && status.authenticated ? { audiences } : {}) });
  });
  return handlers;
}

/** Runs `token` through the authenticators as if it came in an Authorization header. */
async function reviewToken(authenticators: readonly Authenticator[], token: string): Promise<Rec> {
  const req = { headers: { authorization: `Bearer ${token}` }, socket: {}, method: 'POST', url: '/' } as unknown as IncomingMessage;
  try {
    for (const a of authenticators) {
      const user = await a(req);
      if (user) return { authenticated: true, user: userInfoJson(user) };
    }
    return { authenticated: false, user: {} };
  } catch (e) {
    return { authenticated: false, user: {}, error: e instanceof ApiError || e instanceof Error ? e.message : String(e) };
  }
}
