// The claims of service-account tokens, as upstream writes and checks them:
//  - bound tokens (TokenRequest): iss, sub, aud, exp, iat, nbf, jti and a `kubernetes.io` claim
//    {namespace, serviceaccount {name, uid}, pod|secret|node {name, uid}};
//  - legacy secret tokens: iss `kubernetes/serviceaccount`, no expiry, flat
//    `kubernetes.io/serviceaccount/*` claims naming the secret that holds the token.
import { TokenError } from './errors';
import type { JwtClaims } from './jwt';

export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
/** Upstream's clock-skew allowance on exp/nbf/iat. */
export const LEEWAY_SECONDS = 60;

export interface ObjectRef {
  readonly name: string;
  readonly uid: string;
}

export interface BoundTokenSpec {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly namespace: string;
  readonly serviceAccount: ObjectRef;
  readonly pod?: ObjectRef;
  readonly secret?: ObjectRef;
  readonly node?: ObjectRef;
  readonly now: Date;
  readonly expirationSeconds: number;
  /** Unique token id (jti). */
  readonly id: string;
}

export interface LegacyTokenSpec {
  readonly namespace: string;
  readonly serviceAccount: ObjectRef;
  readonly secretName: string;
}

export interface ServiceAccountTokenInfo {
  readonly legacy: boolean;
  readonly namespace: string;
  readonly serviceAccount: { readonly name: string; readonly uid?: string };
  readonly pod?: ObjectRef;
  readonly secret?: ObjectRef;
  readonly node?: ObjectRef;
  /** Legacy tokens: the secret whose data.token must still equal the token. */
  readonly secretName?: string;
  readonly expiresAt?: Date;
  readonly id?: string;
}

export interface ClaimExpectations {
  /** Issuers of bound tokens this server accepts (its own --service-account-issuer). */
  readonly issuers: readonly string[];
  /** The API server's audiences: a bound token must name at least one. */
  readonly audiences: readonly string[];
  readonly now: Date;
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

export function boundTokenClaims(spec: BoundTokenSpec): JwtClaims {
  const iat = Math.floor(spec.now.getTime() / 1000);
  const k8s: Record<string, unknown> = { namespace: spec.namespace, serviceaccount: { name: spec.serviceAccount.name, uid: spec.serviceAccount.uid } };
  if (spec.pod) k8s.pod = { name: spec.pod.name, uid: spec.pod.uid };
  if (spec.secret) k8s.secret = { name: spec.secret.name, uid: spec.secret.uid };
  if (spec.node) k8s.node = { name: spec.node.name, uid: spec.node.uid };
  return {
    aud: [...spec.audiences],
    exp: iat + spec.expirationSeconds,
    iat,
    iss: spec.issuer,
    jti: spec.id,
    'kubernetes.io': k8s,
    nbf: iat,
    sub: serviceAccountUsername(spec.namespace, spec.serviceAccount.name),
  };
}

export function legacyTokenClaims(spec: LegacyTokenSpec): JwtClaims {
  return {
    iss: LEGACY_ISSUER,
    'kubernetes.io/serviceaccount/namespace': spec.namespace,
    'kubernetes.io/serviceaccount/secret.name': spec.secretName,
    'kubernetes.io/serviceaccount/service-account.name': spec.serviceAccount.name,
    'kubernetes.io/serviceaccount/service-account.uid': spec.serviceAccount.uid,
    sub: serviceAccountUsername(spec.namespace, spec.serviceAccount.name),
  };
}

/** Whether the server should try to verify this token at all (its issuer is one of ours). */
export function isOurIssuer(claims: JwtClaims, issuers: readonly string[]): boolean {
  return typeof claims.iss === 'string' && (claims.iss === LEGACY_ISSUER || issuers.includes(claims.iss));
}

const invalid = (what: string): TokenError => new TokenError('invalid-claims', `service-account token ${what}`);

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw invalid(`has no ${what}`);
  return v;
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`has no numeric ${what}`);
  return v;
}

function ref(v: unknown, what: string): ObjectRef | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object') throw invalid(`claim ${what} is not an object`);
  const o = v as Record<string, unknown>;
  return { name: str(o.name, `${what}.name`), uid: str(o.uid, `${what}.uid`) };
}

function checkSubject(claims: JwtClaims, namespace: string, name: string): void {
  if (claims.sub !== serviceAccountUsername(namespace, name)) throw invalid(`subject ${JSON.stringify(claims.sub)} does not match its namespace/name claims`);
}

/** Checks time, audience and shape (not the signature, not whether the objects still exist). */
export function validateServiceAccountClaims(claims: JwtClaims, expect: ClaimExpectations): ServiceAccountTokenInfo {
  if (claims.iss === LEGACY_ISSUER) {
    const namespace = str(claims['kubernetes.io/serviceaccount/namespace'], 'namespace claim');
    const name = str(claims['kubernetes.io/serviceaccount/service-account.name'], 'service-account name claim');
    const uid = str(claims['kubernetes.io/serviceaccount/service-account.uid'], 'service-account uid claim');
    checkSubject(claims, namespace, name);
    return { legacy: true, namespace, serviceAccount: { name, uid }, secretName: str(claims['kubernetes.io/serviceaccount/secret.name'], 'secret name claim') };
  }
  if (typeof claims.iss !== 'string' || !expect.issuers.includes(claims.iss)) throw invalid(`issuer ${JSON.stringify(claims.iss)} is not ${expect.issuers.join(' or ')}`);
  const now = expect.now.getTime() / 1000;
  const exp = num(claims.exp, 'exp');
  if (now > exp + LEEWAY_SECONDS) throw new TokenError('expired', `service-account token expired at ${new Date(exp * 1000).toISOString()}`);
  if (claims.nbf !== undefined && now < num(claims.nbf, 'nbf') - LEEWAY_SECONDS) throw new TokenError('not-yet-valid', 'service-account token is not valid yet (nbf in the future)');
  if (claims.iat !== undefined && now < num(claims.iat, 'iat') - LEEWAY_SECONDS) throw new TokenError('not-yet-valid', 'service-account token was issued in the future (iat)');
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];
  if (!aud.some((a) => expect.audiences.includes(a))) throw new TokenError('wrong-audience', `service-account token audiences [${aud.join(', ')}] include none of [${expect.audiences.join(', ')}]`);
  const k8s = claims['kubernetes.io'];
  if (k8s === null || typeof k8s !== 'object') throw invalid('has no "kubernetes.io" claim');
  const k = k8s as Record<string, unknown>;
  const namespace = str(k.namespace, 'kubernetes.io.namespace');
  const sa = ref(k.serviceaccount, 'kubernetes.io.serviceaccount');
  if (!sa) throw invalid('has no kubernetes.io.serviceaccount claim');
  checkSubject(claims, namespace, sa.name);
  const pod = ref(k.pod, 'kubernetes.io.pod');
  const secret = ref(k.secret, 'kubernetes.io.secret');
  const node = ref(k.node, 'kubernetes.io.node');
  return {
    legacy: false,
    namespace,
    serviceAccount: sa,
    ...(pod ? { pod } : {}),
    ...(secret ? { secret } : {}),
    ...(node ? { node } : {}),
    expiresAt: new Date(exp * 1000),
    ...(typeof claims.jti === 'string' ? { id: claims.jti } : {}),
  };
}
