// Authenticates `Authorization: Bearer <JWT>` service-account tokens: signature by a key in
// service.key, issuer, expiry and audience, and that the service account (and the pod, secret or
// node the token is bound to, or the secret holding a legacy token) still exists with the same
// uid. A JWT from another issuer is not ours to judge (undefined); one of ours that fails → 401.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../../api/types';
import { ApiError } from '../../apiserver/errors';
import type { UserInfo } from '../../apiserver/handlers/request-context';
import type { Logger } from '../../log/logger';
import { bearerToken } from './bearer';
import { TokenError, isTokenError } from './errors';
import { decodeJwt, looksLikeJwt, verifyJwtSignature } from './jwt';
import type { AuthResource, ObjectReader } from './object-reader';
import { isOurIssuer, serviceAccountUsername, validateServiceAccountClaims, type ObjectRef, type ServiceAccountTokenInfo } from './service-account-claims';
import type { ServiceAccountKeys } from './service-account-keys';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
/** Upstream tolerates a bound object that has been marked for deletion for up to this long. */
const DELETION_GRACE_MS = 60_000;

export interface ServiceAccountAuthenticatorOptions {
  readonly keys: () => Promise<ServiceAccountKeys>;
  readonly reader: ObjectReader;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly now?: () => Date;
  readonly log?: Logger;
}

export function serviceAccountUser(namespace: string, name: string, uid?: string): UserInfo {
  return {
    username: serviceAccountUsername(namespace, name),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    ...(uid ? { uid } : {}),
  };
}

function revoked(message: string): TokenError {
  return new TokenError('revoked', message);
}

function isDeleted(obj: KubeObject, now: Date): boolean {
  const ts = obj.metadata.deletionTimestamp;
  return typeof ts === 'string' && Date.parse(ts) < now.getTime() - DELETION_GRACE_MS;
}

async function requireObject(reader: ObjectReader, resource: AuthResource, namespace: string, ref: { name: string; uid?: string }, now: Date): Promise<KubeObject> {
  const obj = await reader.get(resource, namespace, ref.name);
  if (!obj) throw revoked(`${resource} ${namespace ? `${namespace}/` : ''}${ref.name} the token is for no longer exists`);
  if (ref.uid && obj.metadata.uid !== ref.uid) throw revoked(`${resource} ${ref.name} was recreated (uid ${String(obj.metadata.uid)}, token names ${ref.uid})`);
  if (isDeleted(obj, now)) throw revoked(`${resource} ${ref.name} is being deleted`);
  return obj;
}

function sameToken(stored: unknown, token: string): boolean {
  if (typeof stored !== 'string') return false;
  const a = Buffer.from(stored, 'base64');
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Verifies a token completely; returns what it says or throws TokenError. Exported for tests and TokenReview. */
export async function verifyServiceAccountToken(token: string, opts: ServiceAccountAuthenticatorOptions): Promise<ServiceAccountTokenInfo> {
  const now = opts.now?.() ?? new Date();
  const jwt = decodeJwt(token);
  verifyJwtSignature(jwt, (await opts.keys()).verifying);
  const info = validateServiceAccountClaims(jwt.claims, { issuers: [opts.issuer], audiences: opts.audiences, now });
  const ns = info.namespace;
  await requireObject(opts.reader, 'serviceaccounts', ns, info.serviceAccount, now);
  if (info.legacy) {
    const secret = await requireObject(opts.reader, 'secrets', ns, { name: info.secretName! }, now);
    if (secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE || !sameToken((secret.data as Record<string, unknown> | undefined)?.token, token)) {
      throw revoked(`secret ${ns}/${info.secretName} no longer holds this token`);
    }
  }
  const bound: [AuthResource, ObjectRef | undefined][] = [['pods', info.pod], ['secrets', info.secret], ['nodes', info.node]];
  for (const [resource, ref] of bound) if (ref) await requireObject(opts.reader, resource, resource === 'nodes' ? '' : ns, ref, now);
  return info;
}

export function createServiceAccountAuthenticator(opts: ServiceAccountAuthenticatorOptions): (req: IncomingMessage) => Promise<UserInfo | undefined> {
  return async (req) => {
    const token = bearerToken(req);
    if (!token || !looksLikeJwt(token)) return undefined;
    let claims;
    try {
      claims = decodeJwt(token).claims;
    } catch {
      return undefined;
    }
    if (!isOurIssuer(claims, [opts.issuer])) return undefined;
    try {
      const info = await verifyServiceAccountToken(token, opts);
      return serviceAccountUser(info.namespace, info.serviceAccount.name, info.serviceAccount.uid);
    } catch (e) {
      if (!isTokenError(e)) throw e;
      opts.log?.debug('service-account token rejected', { code: e.code, reason: e.message });
      throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    }
  };
}
