// Authenticates `Authorization: Bearer <id>.<secret>` bootstrap tokens against the Secret
// kube-system/bootstrap-token-<id>: matching secret, not expired, not being deleted, and marked
// usage-bootstrap-authentication. User system:bootstrap:<id> in system:bootstrappers (+ extras).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../apiserver/errors';
import type { UserInfo } from '../../apiserver/handlers/request-context';
import type { Logger } from '../../log/logger';
import { bearerToken } from './bearer';
import {
  BOOTSTRAP_NAMESPACE,
  BOOTSTRAP_USER_PREFIX,
  BOOTSTRAPPERS_GROUP,
  bootstrapSecretName,
  bootstrapTokenFromSecret,
  isBootstrapTokenShape,
  isExpired,
  parseBootstrapToken,
  validateExtraGroups,
} from './bootstrap-token';
import { TokenError, isTokenError } from './errors';
import type { ObjectReader } from './object-reader';

export interface BootstrapAuthenticatorOptions {
  readonly reader: ObjectReader;
  readonly now?: () => Date;
  readonly log?: Logger;
}

/** The user a valid bootstrap token stands for; throws TokenError when it is not valid. */
export async function verifyBootstrapToken(text: string, opts: BootstrapAuthenticatorOptions): Promise<UserInfo> {
  const { id, secret } = parseBootstrapToken(text);
  const obj = await opts.reader.get('secrets', BOOTSTRAP_NAMESPACE, bootstrapSecretName(id));
  if (!obj) throw new TokenError('revoked', `no secret ${BOOTSTRAP_NAMESPACE}/${bootstrapSecretName(id)} for bootstrap token ${id}`);
  if (obj.metadata.deletionTimestamp) throw new TokenError('revoked', `bootstrap token ${id} is being deleted`);
  const token = bootstrapTokenFromSecret(obj);
  if (!token) throw new TokenError('revoked', `secret ${bootstrapSecretName(id)} is not a well-formed bootstrap token`);
  const a = Buffer.from(token.secret);
  const b = Buffer.from(secret);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new TokenError('revoked', `bootstrap token ${id}: secret does not match`);
  if (isExpired(token, opts.now?.() ?? new Date())) throw new TokenError('expired', `bootstrap token ${id} expired at ${token.expiration!.toISOString()}`);
  if (!token.usages.includes('authentication')) throw new TokenError('revoked', `bootstrap token ${id} is not marked usage-bootstrap-authentication`);
  validateExtraGroups(token.extraGroups);
  return { username: `${BOOTSTRAP_USER_PREFIX}${id}`, groups: [BOOTSTRAPPERS_GROUP, ...token.extraGroups.filter((g) => g !== BOOTSTRAPPERS_GROUP), 'system:authenticated'] };
}

export function createBootstrapTokenAuthenticator(opts: BootstrapAuthenticatorOptions): (req: IncomingMessage) => Promise<UserInfo | undefined> {
  return async (req) => {
    const token = bearerToken(req);
    if (!token || !isBootstrapTokenShape(token)) return undefined;
    try {
      return await verifyBootstrapToken(token, opts);
    } catch (e) {
      if (!isTokenError(e)) throw e;
      opts.log?.debug('bootstrap token rejected', { code: e.code, reason: e.message });
      throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    }
  };
}
