// Compact JWS (RFC 7515) with RS256/ES256 over node:crypto: what service-account tokens are.
// Only the pieces Kubernetes uses: a JSON header {alg, kid}, a JSON claims object, one signature.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { TokenError } from './errors';

export type JwtAlgorithm = 'RS256' | 'ES256';

export interface JwtHeader {
  readonly alg: string;
  readonly kid?: string;
  readonly typ?: string;
}

export type JwtClaims = Readonly<Record<string, unknown>>;

export interface DecodedJwt {
  readonly header: JwtHeader;
  readonly claims: JwtClaims;
  /** `<header>.<payload>` exactly as received: the bytes the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly alg: JwtAlgorithm;
  readonly kid: string;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** The key id upstream puts in `kid`: base64url(sha256(DER SubjectPublicKeyInfo)). */
export function keyId(publicKey: KeyObject): string {
  return base64url(createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest());
}

export function algorithmFor(key: KeyObject): JwtAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new TokenError('invalid-key', `service-account keys must be RSA or EC P-256, got ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ''}`);
}

export function signingKey(privateKey: KeyObject): SigningKey {
  return { privateKey, alg: algorithmFor(privateKey), kid: keyId(createPublicKey(privateKey)) };
}

function signBytes(alg: JwtAlgorithm, key: KeyObject, data: Buffer): Buffer {
  // ES256 signatures are the raw r||s form (IEEE P1363), not DER.
  return alg === 'RS256' ? sign('sha256', data, key) : sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
}

export function signJwt(claims: JwtClaims, key: SigningKey): string {
  const input = `${base64url(JSON.stringify({ alg: key.alg, kid: key.kid }))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${base64url(signBytes(key.alg, key.privateKey, Buffer.from(input)))}`;
}

/** Whether `token` has the shape of a compact JWS (three base64url segments); says nothing about validity. */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every((p) => SEGMENT.test(p));
}

function parseSegment(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed', `token ${what} is not base64url-encoded JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TokenError('malformed', `token ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Splits and parses a compact JWS without verifying it. */
export function decodeJwt(token: string): DecodedJwt {
  if (!looksLikeJwt(token)) throw new TokenError('malformed', 'token is not a JWT (expected three base64url segments separated by ".")');
  const [h, p, s] = token.split('.') as [string, string, string];
  const header = parseSegment(h, 'header');
  if (typeof header.alg !== 'string') throw new TokenError('malformed', 'token header has no "alg"');
  return {
    header: { alg: header.alg, ...(typeof header.kid === 'string' ? { kid: header.kid } : {}) },
    claims: parseSegment(p, 'payload'),
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

export interface VerifyingKey {
  readonly publicKey: KeyObject;
  readonly kid: string;
}

export function verifyingKey(key: KeyObject): VerifyingKey {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return { publicKey, kid: keyId(publicKey) };
}

/** Throws TokenError('bad-signature') unless one of `keys` verifies the token (a `kid` in the header narrows the search). */
export function verifyJwtSignature(jwt: DecodedJwt, keys: readonly VerifyingKey[]): void {
  const alg = jwt.header.alg;
  if (alg !== 'RS256' && alg !== 'ES256') throw new TokenError('bad-signature', `token algorithm ${JSON.stringify(alg)} is not accepted (expected RS256 or ES256)`);
  const data = Buffer.from(jwt.signingInput);
  for (const { publicKey, kid } of keys) {
    if (jwt.header.kid !== undefined && jwt.header.kid !== '' && jwt.header.kid !== kid) continue;
    let ok = false;
    try {
      if (alg === 'RS256' && publicKey.asymmetricKeyType === 'rsa') ok = verify('sha256', data, publicKey, jwt.signature);
      else if (alg === 'ES256' && publicKey.asymmetricKeyType === 'ec') ok = verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jwt.signature);
    } catch {
      ok = false;
    }
    if (ok) return;
  }
  throw new TokenError('bad-signature', 'token signature does not verify with any service-account key');
}
