// What an HTTP request asks of the API: resource path segments and the verb (as upstream's
// RequestInfo). Non-resource paths (/version, /healthz, discovery, openapi) have isResource=false.
import type { Verb } from '../api/resource-def';

export interface ResourceRequest {
  readonly isResource: true;
  readonly verb: Verb;
  readonly group: string;
  readonly version: string;
  readonly namespace?: string;
  readonly resource: string;
  readonly name?: string;
  readonly subresource?: string;
  /** Segments after the subresource (pods/proxy/…). */
  readonly rest: readonly string[];
}

export interface NonResourceRequest {
  readonly isResource: false;
  readonly path: string;
  readonly verb: string;
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function isWatch(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w === 'true' || w === '1';
}

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const nonResource: NonResourceRequest = { isResource: false, path: pathname, verb: method.toLowerCase() };
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return nonResource;
  }
  let namespace: string | undefined;
  // /namespaces/{ns}/{resource}… is namespaced; /namespaces and /namespaces/{name}[/status|/finalize] address namespaces themselves.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2]!))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...tail] = rest as [string, string?, string?, ...string[]];
  let verb: Verb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = isWatch(query) ? 'watch' : name === undefined ? 'list' : 'get';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      return nonResource;
  }
  return { isResource: true, verb, group, version, namespace, resource, name, subresource, rest: tail };
}

/**
 * Namespace and name as authorization sees them (upstream RequestInfo): a namespace object is
 * addressed in its own namespace (`get namespace a` is a request in namespace a), and a list or
 * watch narrowed to one object by `fieldSelector=metadata.name=x` is a request for object x.
 */
export function authorizationScope(info: ResourceRequest, query: URLSearchParams): { namespace: string; name: string } {
  let namespace = info.namespace ?? '';
  let name = info.name ?? '';
  if (info.group === '' && info.resource === 'namespaces' && name !== '') namespace = name;
  if (name === '' && (info.verb === 'list' || info.verb === 'watch')) {
    const selector = query.get('fieldSelector');
    if (selector) {
      for (const term of selector.split(',')) {
        const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
        if (m) name = m[1]!;
      }
    }
  }
  return { namespace, name };
}
