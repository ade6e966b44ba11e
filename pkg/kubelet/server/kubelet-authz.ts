// Who may use the kubelet API, as the kubelet's webhook authorizer decides it upstream: the request
// maps to verb and subresource of the node (`/stats/*` → nodes/stats, `/metrics/*` →
// nodes/metrics, `/logs/*` → nodes/log, anything else → nodes/proxy; GET → get, POST → create…)
// and the API server answers a SubjectAccessReview for the caller. Answers are cached as upstream
// does (allowed 5 min, denied 30 s). Callers are identified by client certificate only.
import type { Clock } from '../../client/clock';

export interface KubeletUser {
  readonly username: string;
  readonly groups: readonly string[];
}

export interface KubeletAttributes {
  readonly verb: string;
  readonly subresource: 'stats' | 'metrics' | 'log' | 'proxy';
}

/** Decides whether `user` may do `attrs` on this node. Never throws (errors deny). */
export type KubeletAuthorizer = (user: KubeletUser, attrs: KubeletAttributes) => Promise<boolean>;

const VERBS: Readonly<Record<string, string>> = { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function kubeletRequestAttributes(method: string, pathname: string): KubeletAttributes {
  const first = pathname.split('/').filter(Boolean)[0] ?? '';
  const subresource = first === 'stats' ? 'stats' : first === 'metrics' ? 'metrics' : first === 'logs' ? 'log' : 'proxy';
  return { verb: VERBS[method.toUpperCase()] ?? method.toLowerCase(), subresource };
}

export type SubjectAccessReviewPost = (body: object) => Promise<unknown>;

const ALLOWED_TTL_MS = 5 * 60_000;
const DENIED_TTL_MS = 30_000;
const MAX_CACHE = 1024;

export function subjectAccessReviewAuthorizer(nodeName: string, post: SubjectAccessReviewPost, clock: Clock): KubeletAuthorizer {
  const cache = new Map<string, { allowed: boolean; until: number }>();
  return async (user, attrs) => {
    const key = JSON.stringify([user.username, [...user.groups].sort(), attrs.verb, attrs.subresource]);
    const hit = cache.get(key);
    if (hit && hit.until > clock.now()) return hit.allowed;
    let allowed = false;
    try {
      const review = (await post({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user: user.username, groups: [...user.groups], resourceAttributes: { verb: attrs.verb, resource: 'nodes', subresource: attrs.subresource, name: nodeName } },
      })) as { status?: { allowed?: boolean } };
      allowed = review.status?.allowed === true;
    } catch {
      return false;
    }
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(key, { allowed, until: clock.now() + (allowed ? ALLOWED_TTL_MS : DENIED_TTL_MS) });
    return allowed;
  };
}
