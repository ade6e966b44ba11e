import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isTokenError } from './errors';
import { base64url, decodeJwt, keyId, looksLikeJwt, signJwt, signingKey, verifyJwtSignature, verifyingKey } from './jwt';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isTokenError(e) ? e.code : `not a TokenError: ${String(e)}`;
  }
  return undefined;
}

describe('compact JWS', () => {
  it('signs RS256 with a kid derived from the public key and verifies it', () => {
    const key = signingKey(rsa.privateKey);
    const token = signJwt({ sub: 'x', n: 1 }, key);
    expect(looksLikeJwt(token)).toBe(true);
    const jwt = decodeJwt(token);
    expect(jwt.header).toEqual({ alg: 'RS256', kid: keyId(rsa.publicKey) });
    expect(jwt.claims).toEqual({ sub: 'x', n: 1 });
    expect(() => verifyJwtSignature(jwt, [verifyingKey(rsa.publicKey)])).not.toThrow();
    // Any of several keys may verify (rotation keeps old keys for verification).
    expect(() => verifyJwtSignature(jwt, [verifyingKey(other.publicKey), verifyingKey(rsa.privateKey)])).not.toThrow();
  });

  it('signs and verifies ES256 (P-256, raw r||s signature)', () => {
    const token = signJwt({ a: true }, signingKey(ec.privateKey));
    const jwt = decodeJwt(token);
    expect(jwt.header.alg).toBe('ES256');
    expect(jwt.signature).toHaveLength(64);
    expect(() => verifyJwtSignature(jwt, [verifyingKey(ec.publicKey)])).not.toThrow();
  });

  it('rejects a tampered payload, header or signature, another key and alg "none"', () => {
    const key = signingKey(rsa.privateKey);
    const token = signJwt({ sub: 'system:serviceaccount:a:b' }, key);
    const [h, p, s] = token.split('.') as [string, string, string];
    const keys = [verifyingKey(rsa.publicKey)];
    const forged = `${h}.${base64url(JSON.stringify({ sub: 'system:serviceaccount:kube-system:admin' }))}.${s}`;
    expect(code(() => verifyJwtSignature(decodeJwt(forged), keys))).toBe('bad-signature');
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    expect(code(() => verifyJwtSignature(decodeJwt(flipped), keys))).toBe('bad-signature');
    expect(code(() => verifyJwtSignature(decodeJwt(token), [verifyingKey(other.publicKey)]))).toBe('bad-signature');
    const none = `${base64url(JSON.stringify({ alg: 'none' }))}.${p}.${s}`;
    expect(code(() => verifyJwtSignature(decodeJwt(none), keys))).toBe('bad-signature');
    const hs = `${base64url(JSON.stringify({ alg: 'HS256', kid: key.kid }))}.${p}.${s}`;
    expect(code(() => verifyJwtSignature(decodeJwt(hs), keys))).toBe('bad-signature');
  });

  it('refuses things that are not JWTs with malformed', () => {
    for (const t of ['', 'a.b', 'a.b.c.d', 'abc.def.gh!', `${base64url('not json')}.${base64url('{}')}.x`, `${base64url('[1]')}.${base64url('{}')}.x`]) {
      expect([t, code(() => decodeJwt(t))]).toEqual([t, 'malformed']);
    }
  });
});
