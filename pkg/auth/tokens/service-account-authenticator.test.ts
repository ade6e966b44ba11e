import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types';
import { ApiError } from '../../apiserver/errors';
import { signJwt, signingKey } from './jwt';
import { cachedObjectReader, type AuthResource, type ObjectReader } from './object-reader';
import { LEGACY_ISSUER, boundTokenClaims, legacyTokenClaims, validateServiceAccountClaims } from './service-account-claims';
import { createServiceAccountAuthenticator, verifyServiceAccountToken } from './service-account-authenticator';
import { parseServiceAccountKeys } from './service-account-keys';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const AUDIENCES = [ISSUER, 'k3ts'];
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }) as string;
const keys = parseServiceAccountKeys(pem(privateKey));
const T0 = new Date('2030-01-01T00:00:00Z');

class FakeObjects implements ObjectReader {
  readonly objects = new Map<string, KubeObject>();
  reads = 0;
  put(resource: AuthResource, ns: string, name: string, uid: string, extra: Record<string, unknown> = {}): void {
    this.objects.set(`${resource}/${ns}/${name}`, { metadata: { name, namespace: ns, uid }, ...extra });
  }
  async get(resource: AuthResource, ns: string, name: string): Promise<KubeObject | undefined> {
    this.reads++;
    return this.objects.get(`${resource}/${resource === 'nodes' ? '' : ns}/${name}`);
  }
}

function setup(now = T0) {
  const objects = new FakeObjects();
  objects.put('serviceaccounts', 'default', 'builder', 'sa-uid');
  const opts = { keys: async () => keys, reader: objects, issuer: ISSUER, audiences: AUDIENCES, now: () => now };
  return { objects, opts, authn: createServiceAccountAuthenticator(opts) };
}

function token(over: Partial<Parameters<typeof boundTokenClaims>[0]> = {}, extra: Record<string, unknown> = {}): string {
  const claims = boundTokenClaims({ issuer: ISSUER, audiences: AUDIENCES, namespace: 'default', serviceAccount: { name: 'builder', uid: 'sa-uid' }, now: T0, expirationSeconds: 3600, id: 'jti-1', ...over });
  return signJwt({ ...claims, ...extra }, keys.signing);
}

const request = (t?: string) => ({ headers: t === undefined ? {} : { authorization: `Bearer ${t}` } }) as IncomingMessage;

async function status(p: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
}

describe('service-account token claims', () => {
  it('writes the upstream claim set', () => {
    const c = boundTokenClaims({ issuer: ISSUER, audiences: ['a'], namespace: 'ns', serviceAccount: { name: 'sa', uid: 'u' }, pod: { name: 'p', uid: 'pu' }, now: T0, expirationSeconds: 600, id: 'j' });
    const iat = T0.getTime() / 1000;
    expect(c).toEqual({ aud: ['a'], exp: iat + 600, iat, nbf: iat, iss: ISSUER, jti: 'j', sub: 'system:serviceaccount:ns:sa', 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'sa', uid: 'u' }, pod: { name: 'p', uid: 'pu' } } });
    const l = legacyTokenClaims({ namespace: 'ns', serviceAccount: { name: 'sa', uid: 'u' }, secretName: 's' });
    expect(l).toMatchObject({ iss: LEGACY_ISSUER, sub: 'system:serviceaccount:ns:sa', 'kubernetes.io/serviceaccount/secret.name': 's' });
    expect(validateServiceAccountClaims(c, { issuers: [ISSUER], audiences: ['a'], now: T0 })).toMatchObject({ legacy: false, namespace: 'ns', pod: { name: 'p', uid: 'pu' } });
  });
});

describe('service-account authenticator', () => {
  it('authenticates a valid bound token as the service account', async () => {
    const { authn } = setup();
    expect(await authn(request(token()))).toEqual({
      username: 'system:serviceaccount:default:builder',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      uid: 'sa-uid',
    });
  });

  it('is not applicable without a bearer JWT or for a foreign issuer', async () => {
    const { authn } = setup();
    expect(await authn(request())).toBeUndefined();
    expect(await authn(request('abcdef.0123456789abcdef'))).toBeUndefined();
    expect(await authn({ headers: { authorization: `Basic ${token()}` } } as IncomingMessage)).toBeUndefined();
    expect(await authn(request(token({ issuer: 'https://other.example' })))).toBeUndefined();
  });

  it('answers 401 for tampered, expired, not-yet-valid and wrong-audience tokens', async () => {
    const { authn } = setup();
    const good = token();
    const [h, , s] = good.split('.');
    const claims = JSON.parse(Buffer.from(good.split('.')[1]!, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:default:admin' })).toString('base64url')}.${s}`;
    expect(await status(authn(request(forged)))).toBe(401);
    expect(await status(authn(request(`${good.slice(0, -4)}AAAA`)))).toBe(401);
    const expired = token({ now: new Date(T0.getTime() - 2 * 3600_000) });
    expect(await status(authn(request(expired)))).toBe(401);
    // Within upstream's 60 s leeway an expired token is still accepted.
    expect(await status(authn(request(token({ now: new Date(T0.getTime() - 3630_000) }))))).toBe('ok');
    expect(await status(authn(request(token({ now: new Date(T0.getTime() + 3600_000) }))))).toBe(401);
    expect(await status(authn(request(token({ audiences: ['vault'] }))))).toBe(401);
    expect(await status(authn(request(token({}, { sub: 'system:serviceaccount:default:other' }))))).toBe(401);
    const otherKey = signingKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    expect(await status(authn(request(signJwt(JSON.parse(Buffer.from(good.split('.')[1]!, 'base64url').toString()), otherKey))))).toBe(401);
  });

  it('answers 401 once the service account is gone or recreated, or a bound object is', async () => {
    const { authn, objects } = setup();
    objects.put('pods', 'default', 'web', 'pod-uid');
    objects.put('secrets', 'default', 'bound', 'sec-uid');
    objects.put('nodes', '', 'n1', 'node-uid');
    const podToken = token({ pod: { name: 'web', uid: 'pod-uid' } });
    const secretToken = token({ secret: { name: 'bound', uid: 'sec-uid' } });
    const nodeToken = token({ node: { name: 'n1', uid: 'node-uid' } });
    for (const t of [podToken, secretToken, nodeToken]) expect(await status(authn(request(t)))).toBe('ok');
    objects.put('pods', 'default', 'web', 'pod-uid-2');
    expect(await status(authn(request(podToken)))).toBe(401);
    objects.objects.delete('secrets/default/bound');
    expect(await status(authn(request(secretToken)))).toBe(401);
    objects.put('nodes', '', 'n1', 'node-uid', { metadata: { name: 'n1', uid: 'node-uid', deletionTimestamp: '2029-12-31T23:00:00Z' } });
    expect(await status(authn(request(nodeToken)))).toBe(401);
    objects.put('serviceaccounts', 'default', 'builder', 'sa-uid-2');
    expect(await status(authn(request(token())))).toBe(401);
    objects.objects.delete('serviceaccounts/default/builder');
    expect(await status(authn(request(token())))).toBe(401);
  });

  it('accepts a legacy secret token only while the secret holds it', async () => {
    const { authn, objects, opts } = setup();
    const legacy = signJwt(legacyTokenClaims({ namespace: 'default', serviceAccount: { name: 'builder', uid: 'sa-uid' }, secretName: 'builder-token' }), keys.signing);
    const secret = (t: string) => ({ type: 'kubernetes.io/service-account-token', data: { token: Buffer.from(t).toString('base64') } });
    objects.put('secrets', 'default', 'builder-token', 's-uid', secret(legacy));
    expect(await authn(request(legacy))).toMatchObject({ username: 'system:serviceaccount:default:builder' });
    expect(await verifyServiceAccountToken(legacy, opts)).toMatchObject({ legacy: true, secretName: 'builder-token' });
    objects.put('secrets', 'default', 'builder-token', 's-uid', secret(`${legacy}x`));
    expect(await status(authn(request(legacy)))).toBe(401);
    objects.objects.delete('secrets/default/builder-token');
    expect(await status(authn(request(legacy)))).toBe(401);
  });

  it('reuses object lookups for the cache TTL only', async () => {
    const objects = new FakeObjects();
    objects.put('serviceaccounts', 'default', 'builder', 'sa-uid');
    let t = 0;
    const reader = cachedObjectReader(objects, { ttlMs: 1000, now: () => t });
    await reader.get('serviceaccounts', 'default', 'builder');
    await reader.get('serviceaccounts', 'default', 'builder');
    expect(objects.reads).toBe(1);
    t = 1000;
    await reader.get('serviceaccounts', 'default', 'builder');
    expect(objects.reads).toBe(2);
  });
});
