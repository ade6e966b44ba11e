// Bootstrap tokens as upstream defines them: `<token-id>.<token-secret>` ([a-z0-9]{6}.[a-z0-9]{16})
// stored as Secret kube-system/bootstrap-token-<id> of type bootstrap.kubernetes.io/token with
// data keys token-id, token-secret, expiration (RFC 3339), description, usage-bootstrap-*,
// auth-extra-groups (comma-separated, each system:bootstrappers:…).
import { randomInt } from 'node:crypto';
import type { KubeObject } from '../../api/types';
import { TokenError } from './errors';

export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_NAMESPACE = 'kube-system';
export const BOOTSTRAP_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
/** The group `k3ts token create` adds unless told otherwise (K3s: system:bootstrappers:k3s:default-node-token). */
export const DEFAULT_EXTRA_GROUP = 'system:bootstrappers:k3ts:default-node-token';
export const USAGES = ['authentication', 'signing'] as const;
export type BootstrapUsage = (typeof USAGES)[number];

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const TOKEN_ID = /^[a-z0-9]{6}$/;
const EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface BootstrapToken {
  readonly id: string;
  readonly secret: string;
  readonly description?: string;
  /** Absent: never expires. */
  readonly expiration?: Date;
  readonly usages: readonly BootstrapUsage[];
  readonly extraGroups: readonly string[];
}

export function isBootstrapTokenShape(text: string): boolean {
  return TOKEN.test(text);
}

/** `<id>.<secret>` → its parts; throws TokenError('malformed') otherwise. */
export function parseBootstrapToken(text: string): { id: string; secret: string } {
  const m = TOKEN.exec(text.trim());
  if (!m) throw new TokenError('malformed', `bootstrap token must look like [a-z0-9]{6}.[a-z0-9]{16} (e.g. abcdef.0123456789abcdef)`);
  return { id: m[1]!, secret: m[2]! };
}

export function isBootstrapTokenId(text: string): boolean {
  return TOKEN_ID.test(text);
}

function randomString(n: number, rnd: (max: number) => number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[rnd(ALPHABET.length)];
  return s;
}

/** A fresh random `<id>.<secret>` (crypto-random unless a source is passed for tests). */
export function generateBootstrapToken(rnd: (max: number) => number = (max) => randomInt(max)): string {
  return `${randomString(6, rnd)}.${randomString(16, rnd)}`;
}

export function bootstrapSecretName(id: string): string {
  return `${BOOTSTRAP_SECRET_PREFIX}${id}`;
}

export function validateExtraGroups(groups: readonly string[]): void {
  for (const g of groups) {
    if (!EXTRA_GROUP.test(g)) throw new TokenError('invalid-option', `extra group ${JSON.stringify(g)} must match ${EXTRA_GROUP.source}`);
  }
}

export function validateUsages(usages: readonly string[]): asserts usages is readonly BootstrapUsage[] {
  for (const u of usages) {
    if (!(USAGES as readonly string[]).includes(u)) throw new TokenError('invalid-option', `usage ${JSON.stringify(u)} is not one of ${USAGES.join(', ')}`);
  }
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The Secret that stores `token` (stringData; the API server turns it into data). */
export function bootstrapTokenSecret(token: BootstrapToken): KubeObject {
  validateExtraGroups(token.extraGroups);
  validateUsages(token.usages);
  const stringData: Record<string, string> = { 'token-id': token.id, 'token-secret': token.secret };
  if (token.description) stringData.description = token.description;
  if (token.expiration) stringData.expiration = rfc3339(token.expiration);
  for (const u of token.usages) stringData[`usage-bootstrap-${u}`] = 'true';
  if (token.extraGroups.length > 0) stringData['auth-extra-groups'] = token.extraGroups.join(',');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: bootstrapSecretName(token.id), namespace: BOOTSTRAP_NAMESPACE },
    type: BOOTSTRAP_TOKEN_TYPE,
    stringData,
  } as KubeObject;
}

function dataString(data: Record<string, unknown>, key: string): string | undefined {
  const v = data[key];
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
}

/** Reads a bootstrap-token Secret (data in base64) back; undefined when it is not a well-formed one. */
export function bootstrapTokenFromSecret(secret: KubeObject): BootstrapToken | undefined {
  if (secret.type !== BOOTSTRAP_TOKEN_TYPE) return undefined;
  const data = (secret.data ?? {}) as Record<string, unknown>;
  const id = dataString(data, 'token-id');
  const tokenSecret = dataString(data, 'token-secret');
  if (!id || !tokenSecret || !TOKEN_ID.test(id) || !/^[a-z0-9]{16}$/.test(tokenSecret)) return undefined;
  if (secret.metadata.name !== bootstrapSecretName(id)) return undefined;
  const exp = dataString(data, 'expiration');
  let expiration: Date | undefined;
  if (exp !== undefined) {
    const t = Date.parse(exp);
    // An unparseable expiration counts as already expired (upstream refuses such tokens).
    expiration = Number.isNaN(t) ? new Date(0) : new Date(t);
  }
  const description = dataString(data, 'description');
  return {
    id,
    secret: tokenSecret,
    ...(description ? { description } : {}),
    ...(expiration ? { expiration } : {}),
    usages: USAGES.filter((u) => dataString(data, `usage-bootstrap-${u}`) === 'true'),
    extraGroups: (dataString(data, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter((g) => g !== ''),
  };
}

export function isExpired(token: Pick<BootstrapToken, 'expiration'>, now: Date): boolean {
  return token.expiration !== undefined && token.expiration.getTime() <= now.getTime();
}

/** `24h`, `90m`, `1h30m`, `3600s`, `0` (never) → seconds, as Go's time.ParseDuration reads them. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (t === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : n / 1000;
    matched = re.lastIndex;
  }
  if (t === '' || matched !== t.length) throw new TokenError('invalid-option', `invalid duration ${JSON.stringify(text)}: expected e.g. 24h, 90m, 1h30m or 0`);
  return Math.round(total);
}
