// The authorization and admission seams of the API server. Implementations live in pkg/auth
// (RBAC, node authorizer) and wherever an admission plugin belongs; the server only calls them.
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';
import type { UserInfo } from './handlers/request-context';

/** What a request wants to do, as upstream's authorizer.Attributes. */
export interface AuthorizationAttributes {
  readonly user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection; or the HTTP verb for non-resource paths. */
  readonly verb: string;
  readonly isResource: boolean;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  /** The URL path for non-resource requests (`/healthz`, `/api`, `/openapi/v3`…). */
  readonly path: string;
}

export interface AuthorizationDecision {
  readonly allowed: boolean;
  /**
   * An explicit denial: no later authorizer of a chain is asked. Not allowed and not denied means
   * "no opinion" (the next authorizer decides; at the end of the chain, 403).
   */
  readonly denied?: boolean;
  /** Why it was denied (appended to the 403 message) or allowed (for SubjectAccessReview). */
  readonly reason?: string;
}

export interface Authorizer {
  authorize(attrs: AuthorizationAttributes): Promise<AuthorizationDecision>;
}

export interface AdmissionRequest {
  readonly user: UserInfo;
  readonly operation: 'create' | 'update' | 'delete';
  readonly def: ResourceDef;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** The object as it will be written (create/update); plugins may mutate it. */
  readonly object?: KubeObject;
  readonly oldObject?: KubeObject;
  readonly dryRun: boolean;
  /** Adds a warning to the response (`Warning: 299 - "…"`, printed by kubectl). */
  readonly warn?: (message: string) => void;
}

/** An admission plugin: mutate `object` in place and/or throw an ApiError to refuse. */
export interface AdmissionPlugin {
  readonly name: string;
  admit(req: AdmissionRequest): Promise<void>;
}

/** Allows everything an authenticated caller asks (for tests that are not about authorization). */
export const allowAll: Authorizer = { authorize: async () => ({ allowed: true }) };

/** The 403 message upstream returns, e.g. `pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "default"`. */
export function forbiddenMessage(a: AuthorizationAttributes, reason?: string): string {
  const tail = reason ? `: ${reason}` : '';
  if (!a.isResource) return `forbidden: User "${a.user.username}" cannot ${a.verb} path "${a.path}"${tail}`;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const what = `${a.group ? `${a.resource}.${a.group}` : a.resource}${a.name ? ` "${a.name}"` : ''}`;
  const scope = a.namespace ? ` in the namespace "${a.namespace}"` : a.verb === 'list' || a.verb === 'watch' || a.verb === 'create' || a.verb === 'deletecollection' ? ' at the cluster scope' : '';
  return `${what} is forbidden: User "${a.user.username}" cannot ${a.verb} resource "${res}" in API group "${a.group}"${scope}${tail}`;
}
