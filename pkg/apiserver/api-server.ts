// The Kubernetes API over HTTP: authentication → routing → discovery / openapi / resource
// handlers. Transport-agnostic: `handle(req, res)` serves any node http(s) request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log/logger';
import { KUBERNETES_VERSION, versionInfo } from '../version/version';
import { forbiddenMessage, type AuthorizationAttributes, type Authorizer } from './authorization';
import { ApiError, errors, toApiError } from './errors';
import { aggregatedContentType, aggregatedDiscovery, legacyApiVersions, legacyGroup, legacyGroupList, legacyResourceList } from './handlers/discovery';
import { handleGet, handleList, handleWatch } from './handlers/read';
import type { ResourceContext, ServerServices, UserInfo } from './handlers/request-context';
import { handleScale } from './handlers/scale';
import { handleCreate, handleDelete, handleDeleteCollection, handlePatch, handleUpdate } from './handlers/write';
import { warningHeaders, writeError, writeJson, writeText } from './http/respond';
import { aggregatedDiscoveryVersion } from './negotiation';
import { authorizationScope, parseRequestInfo, type ResourceRequest } from './request-info';
import { impersonatedUser } from './impersonation';
import { OpenApiEndpoints, type AggregatedOpenApi } from './openapi-endpoints';

/**
 * Returns the caller, undefined when this authenticator does not apply (no credentials of its
 * kind), or throws an ApiError (401) when credentials of its kind are present but invalid.
 */
export type Authenticator = (req: IncomingMessage) => UserInfo | undefined | Promise<UserInfo | undefined>;
export type SubresourceHandler = (ctx: ResourceContext) => Promise<void>;
/** A non-resource path served beyond discovery and health (K3s-style `/v1-k3ts/…` endpoints), after authn/authz. */
export type NonResourceHandler = (ctx: { readonly req: IncomingMessage; readonly res: ServerResponse; readonly query: URLSearchParams; readonly user: UserInfo }) => Promise<void>;

export interface OpenApiProvider {
  /** `/openapi/v3` index. */
  index(): unknown;
  /** `/openapi/v3/apis/<g>/<v>` (or `api/v1`) document, or undefined when unknown. */
  document(path: string): unknown | undefined;
}

/** Group versions served by extension API servers (APIService with spec.service): routing and discovery. */
export interface AggregatedApis extends AggregatedOpenApi {
  /** True when the path is under an aggregated `/apis/<group>/<version>`. */
  routes(path: string): boolean;
  /** Forwards an authorized request (503 Status while its APIService is unavailable). */
  proxy(req: IncomingMessage, res: ServerResponse, path: string, user: UserInfo): Promise<void>;
  legacyGroups(): readonly { readonly name: string }[];
  legacyGroup(group: string): object | undefined;
  aggregatedItems(): readonly { readonly metadata: { readonly name: string } }[];
}

export interface ApiServerOptions {
  readonly services: ServerServices;
  readonly authenticators: readonly Authenticator[];
  readonly authorizer: Authorizer;
  /** Allow unauthenticated requests beyond health and version (K3s --anonymous-auth). */
  readonly anonymousAuth: boolean;
  /** host:port advertised in /api's serverAddressByClientCIDRs. */
  readonly serverAddress: string;
  readonly openapi?: OpenApiProvider;
  /** Handlers for subresources that are not plain store views (log, exec, binding, token…), keyed `<group>/<resource>/<subresource>`; a `<group>/<resource>` key serves the whole resource (never stored: metrics.k8s.io). */
  readonly subresources?: ReadonlyMap<string, SubresourceHandler>;
  /** Handlers for other non-resource paths, by exact path (`/v1-k3ts/encrypt/status`…). */
  readonly nonResourceHandlers?: ReadonlyMap<string, NonResourceHandler>;
  /** Readiness checks for /readyz (name → ok). */
  readonly readyChecks?: ReadonlyMap<string, () => boolean>;
  readonly aggregator?: AggregatedApis;
}

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz', '/version/']);
const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Users from verified TLS client certificates: CN is the user name, O the groups. */
export function x509Authenticator(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  return userOfCertificate(socket);
}

/** x509 authentication remembered per connection: the certificate cannot change on a TLS socket. */
export function createX509Authenticator(): Authenticator {
  const bySocket = new WeakMap<object, UserInfo | undefined>();
  return (req) => {
    const socket = req.socket as TLSSocket;
    if (bySocket.has(socket)) return bySocket.get(socket);
    const user = x509Authenticator(req);
    bySocket.set(socket, user);
    return user;
  };
}

function userOfCertificate(socket: TLSSocket): UserInfo | undefined {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return undefined;
  const cn = cert.subject.CN;
  const o = cert.subject.O;
  const username = Array.isArray(cn) ? cn[0] : cn;
  if (!username) return undefined;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { username, groups: [...groups, 'system:authenticated'] };
}

export class ApiServer {
  private readonly log: Logger;
  /** /openapi/v3 (index and documents, aggregated ones included) and /openapi/v2. */
  private readonly openapi?: OpenApiEndpoints;

  constructor(private readonly opts: ApiServerOptions) {
    this.log = opts.services.log;
    this.openapi = opts.openapi ? new OpenApiEndpoints(opts.openapi, opts.aggregator) : undefined;
  }

  private async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    for (const a of this.opts.authenticators) {
      const u = await a(req);
      if (u) return u;
    }
    return undefined;
  }

  private readonly authorizeOrThrow = (attrs: AuthorizationAttributes): Promise<void> => this.authorize(attrs);

  private async authorize(attrs: AuthorizationAttributes): Promise<void> {
    const d = await this.opts.authorizer.authorize(attrs);
    if (!d.allowed) {
      throw new ApiError(403, 'Forbidden', forbiddenMessage(attrs, d.reason), attrs.isResource ? { name: attrs.name || undefined, group: attrs.group || undefined, kind: attrs.resource } : undefined);
    }
  }

  /** Serves one request; never throws. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    this.dispatch(req, res)
      .catch((e: unknown) => {
        const err = toApiError(e, { group: '', resource: '' });
        // A 504 for a future resourceVersion is the client's doing, not a server failure.
        if (err.code >= 500 && err.reason !== 'Timeout') this.log.error('request failed', { method: req.method, url: req.url, error: e instanceof Error ? e.stack ?? e.message : String(e) });
        writeError(res, err);
      })
      .finally(() => {
        this.log.debug('request', { method: req.method, url: req.url, status: res.statusCode, ms: Math.round(performance.now() - started) });
      });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'https://k3ts.invalid');
    } catch {
      throw errors.badRequest('malformed request URL');
    }
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    let user = await this.authenticate(req);
    const isPublic = PUBLIC_PATHS.has(path) || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/');
    if (!user) {
      if (isPublic || this.opts.anonymousAuth) user = ANONYMOUS;
      else throw errors.unauthorized();
    }
    user = await impersonatedUser(req, user, this.authorizeOrThrow);
    let info;
    try {
      info = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
    } catch {
      throw errors.badRequest('malformed request path');
    }
    if (this.opts.aggregator?.routes(path)) {
      // Authorized here as for a local request, then the extension server answers.
      if (info.isResource) {
        const s = authorizationScope(info, url.searchParams);
        await this.authorize({ user, verb: info.verb, isResource: true, group: info.group, version: info.version, resource: info.resource, subresource: info.subresource ?? '', namespace: s.namespace, name: s.name, path });
      } else await this.authorize({ user, verb: info.verb, isResource: false, group: '', version: '', resource: '', subresource: '', namespace: '', name: '', path });
      return this.opts.aggregator.proxy(req, res, path, user);
    }
    if (!info.isResource) {
      if (!isPublic) await this.authorize({ user, verb: info.verb, isResource: false, group: '', version: '', resource: '', subresource: '', namespace: '', name: '', path });
      const extra = this.opts.nonResourceHandlers?.get(path);
      if (extra) return extra({ req, res, query: url.searchParams, user });
      return this.nonResource(req, res, path, url.searchParams);
    }
    const scope = authorizationScope(info, url.searchParams);
    await this.authorize({ user, verb: info.verb, isResource: true, group: info.group, version: info.version, resource: info.resource, subresource: info.subresource ?? '', namespace: scope.namespace, name: scope.name, path });
    return this.resource(req, res, info, url.searchParams, user);
  }

  private health(res: ServerResponse, path: string, query: URLSearchParams): void {
    const checks = path.startsWith('/readyz') ? [...(this.opts.readyChecks ?? new Map())] : [];
    const failed = checks.filter(([, ok]) => !ok()).map(([n]) => n);
    if (query.has('verbose')) {
      const lines = [['ping', true] as const, ...checks.map(([n]) => [n, !failed.includes(n)] as const)].map(([n, ok]) => `[${ok ? '+' : '-'}]${n} ${ok ? 'ok' : 'failed'}`);
      return writeText(res, failed.length ? 500 : 200, `${lines.join('\n')}\n${path.slice(1)} check ${failed.length ? 'failed' : 'passed'}\n`);
    }
    writeText(res, failed.length ? 500 : 200, failed.length ? `[-]${failed.join(',')} failed: reason withheld\n${path.slice(1)} check failed\n` : 'ok');
  }

  private async nonResource(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    if (path === '/version') {
      const v = versionInfo();
      const k = KUBERNETES_VERSION;
      return writeJson(res, 200, {
        major: k.major,
        minor: k.minor,
        emulationMajor: k.major,
        emulationMinor: k.minor,
        minCompatibilityMajor: k.major,
        minCompatibilityMinor: String(Number(k.minor) - 1),
        gitVersion: v.version,
        gitCommit: v.commit,
        gitTreeState: 'clean',
        buildDate: v.buildDate,
        goVersion: `node${v.nodeVersion.replace(/^v/, '')}`,
        compiler: 'k3ts',
        platform: `${v.platform}/${v.arch === 'x64' ? 'amd64' : v.arch}`,
      });
    }
    if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(path)) return this.health(res, path, query);
    const catalog = this.opts.services.catalog;
    if (path === '/api' || path === '/apis') {
      const agg = aggregatedDiscoveryVersion(req.headers.accept);
      const extension = path === '/apis' ? this.opts.aggregator : undefined;
      if (agg) {
        const doc = aggregatedDiscovery(catalog, path === '/api', agg);
        // A group served here and also by an APIService (metrics-server over metrics.k8s.io) is listed once.
        const local = new Set(doc.items.map((i) => i.metadata.name));
        const extra = extension ? extension.aggregatedItems().filter((i) => !local.has(i.metadata.name)) : [];
        return writeJson(res, 200, { ...doc, items: [...doc.items, ...extra] }, { contentType: aggregatedContentType(agg) });
      }
      if (path === '/api') return writeJson(res, 200, legacyApiVersions(this.opts.serverAddress));
      const list = legacyGroupList(catalog);
      const listed = new Set(list.groups.map((g) => g.name));
      const more = extension ? extension.legacyGroups().filter((g) => !listed.has(g.name)) : [];
      return writeJson(res, 200, { ...list, groups: [...list.groups, ...more] });
    }
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2 && catalog.servesGroupVersion('', parts[1]!)) return writeJson(res, 200, legacyResourceList(catalog, '', parts[1]!));
    if (parts[0] === 'apis' && parts.length === 2) {
      const g = legacyGroup(catalog, parts[1]!) ?? this.opts.aggregator?.legacyGroup(parts[1]!);
      if (g) return writeJson(res, 200, g);
    }
    if (parts[0] === 'apis' && parts.length === 3 && catalog.servesGroupVersion(parts[1]!, parts[2]!)) return writeJson(res, 200, legacyResourceList(catalog, parts[1]!, parts[2]!));
    if (parts[0] === 'openapi' && this.openapi?.serve(req, res, parts.slice(1), query)) return;
    throw errors.notFoundPath();
  }

  private async resource(req: IncomingMessage, res: ServerResponse, info: ResourceRequest, query: URLSearchParams, user: UserInfo): Promise<void> {
    const services = this.opts.services;
    const def = services.catalog.lookup(info.group, info.version, info.resource);
    if (!def) throw errors.notFoundPath();
    // Namespaced resources need a namespace except for cluster-wide list/watch; cluster-scoped ones never take one.
    if (def.namespaced ? !info.namespace && !(info.verb === 'list' || info.verb === 'watch') : info.namespace !== undefined) throw errors.notFoundPath();
    // PUT and PATCH address one object; on a collection they mean nothing (upstream: 405).
    if ((info.verb === 'update' || info.verb === 'patch') && info.name === undefined) throw errors.methodNotAllowed(req.method ?? info.verb, `${def.kind}List`);
    const sub = info.subresource ? def.subresources?.find((s) => s.name === info.subresource) : undefined;
    if (info.subresource && !sub) throw errors.notFoundPath();
    if (sub ? !sub.verbs.includes(info.verb === 'watch' ? 'get' : info.verb) : !def.verbs.includes(info.verb)) {
      throw errors.methodNotAllowed(req.method ?? info.verb, sub ? `${def.kind}/${sub.name}` : def.kind);
    }
    const store = services.stores.get(def);
    if (!store) throw errors.notFoundPath();
    const warnings = services.resourceWarnings?.(def);
    if (warnings?.length) for (const [name, value] of Object.entries(warningHeaders(warnings))) res.setHeader(name, value);
    const ctx: ResourceContext = { req, res, query, info, def, sub, store, user, services };
    // Resources answered by a handler instead of the store (metrics.k8s.io): keyed `<group>/<resource>`.
    const served = sub ? undefined : this.opts.subresources?.get(`${def.group}/${def.resource}`);
    if (served) return served(ctx);
    // status and namespaces/finalize are the same store written through the subresource's strategy.
    if (sub && sub.name !== 'status' && sub.name !== 'finalize') {
      const dynamic = services.dynamicSubresources?.(def, sub.name);
      if (dynamic) return dynamic(ctx);
      if (sub.name === 'scale') return handleScale(ctx);
      const handler = this.opts.subresources?.get(`${def.group}/${def.resource}/${sub.name}`);
      if (handler) return handler(ctx);
      // Other subresources of the parent kind with their own strategy (CSR approval) are the store written through it.
      if (!(sub.strategy && sub.kind === def.kind)) throw new ApiError(404, 'NotFound', `the ${sub.name} subresource of ${def.resource} is not served by this k3ts server yet`);
    }
    switch (info.verb) {
      case 'get':
        return handleGet(ctx);
      case 'list':
        return handleList(ctx);
      case 'watch':
        return handleWatch(ctx);
      case 'create':
        return handleCreate(ctx);
      case 'update':
        return handleUpdate(ctx);
      case 'patch':
        return handlePatch(ctx);
      case 'delete':
        return handleDelete(ctx);
      case 'deletecollection':
        return handleDeleteCollection(ctx);
    }
  }
}
