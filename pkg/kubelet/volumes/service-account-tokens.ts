// Service account tokens for projected volumes, through the TokenRequest API
// (`POST …/serviceaccounts/<name>/token`), bound to the pod. A token is cached per
// (namespace, service account, audience, lifetime, pod) and requested anew once it is older than
// 80% of its lifetime (or 24 h), as upstream's kubelet token manager does; the pod's resync then
// writes the new token into the volume atomically.
import type { Clock } from '../../client/clock';
import { RESOURCES } from '../../client/resource-ref';
import { resourcePath } from '../../client/resource-ref';
import type { RestClient } from '../../client/rest-client';
import { KubeletError } from '../errors';
import type { TokenRequestSpec } from './volume-types';

const MAX_AGE_MS = 24 * 3600 * 1000;

interface CachedToken {
  readonly token: string;
  readonly issuedMs: number;
  readonly expiresMs: number;
}

/** How a token is obtained: the API call, replaceable in tests. */
export type RequestToken = (spec: TokenRequestSpec) => Promise<{ token: string; expirationTimestamp: string }>;

export function tokenRequester(client: RestClient): RequestToken {
  return async (spec) => {
    const body = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        ...(spec.audience ? { audiences: [spec.audience] } : {}),
        expirationSeconds: spec.expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: spec.pod.name, uid: spec.pod.uid },
      },
    };
    const res = (await client.request({ method: 'POST', path: resourcePath(RESOURCES.serviceaccounts, spec.namespace, spec.serviceAccountName, 'token'), body: JSON.stringify(body), contentType: 'application/json' })) as { status?: { token?: unknown; expirationTimestamp?: unknown } };
    const token = res.status?.token;
    const exp = res.status?.expirationTimestamp;
    if (typeof token !== 'string' || !token || typeof exp !== 'string') throw new KubeletError('io', `the TokenRequest for ${spec.namespace}/${spec.serviceAccountName} answered without status.token/expirationTimestamp`);
    return { token, expirationTimestamp: exp };
  };
}

export class ServiceAccountTokens {
  readonly #cache = new Map<string, CachedToken>();

  constructor(private readonly deps: { readonly request: RequestToken; readonly clock: Pick<Clock, 'now'> }) {}

  static key(s: TokenRequestSpec): string {
    return [s.namespace, s.serviceAccountName, s.audience ?? '', s.expirationSeconds, s.pod.uid].join('|');
  }

  /** Whether a cached token must be replaced at `nowMs`. */
  static needsRefresh(t: CachedToken, nowMs: number): boolean {
    if (nowMs >= t.expiresMs) return true;
    if (nowMs - t.issuedMs > MAX_AGE_MS) return true;
    return nowMs > t.issuedMs + 0.8 * (t.expiresMs - t.issuedMs);
  }

  async get(spec: TokenRequestSpec): Promise<string> {
    const key = ServiceAccountTokens.key(spec);
    const now = this.deps.clock.now();
    // Tokens of pods that are gone expire unused: drop those.
    for (const [k, t] of this.#cache) if (t.expiresMs <= now && k !== key) this.#cache.delete(k);
    const cached = this.#cache.get(key);
    if (cached && !ServiceAccountTokens.needsRefresh(cached, now)) return cached.token;
    try {
      const r = await this.deps.request(spec);
      const expiresMs = Date.parse(r.expirationTimestamp);
      const fresh = { token: r.token, issuedMs: now, expiresMs: Number.isFinite(expiresMs) ? expiresMs : now + spec.expirationSeconds * 1000 };
      this.#cache.set(key, fresh);
      return fresh.token;
    } catch (e) {
      // A still-valid token keeps serving while the API is unreachable.
      if (cached && now < cached.expiresMs) return cached.token;
      throw e;
    }
  }

  /** Drops the tokens bound to a pod that is gone. */
  forgetPod(uid: string): void {
    for (const k of [...this.#cache.keys()]) if (k.endsWith(`|${uid}`)) this.#cache.delete(k);
  }
}
