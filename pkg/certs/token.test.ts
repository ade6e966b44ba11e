import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isCertError } from './errors';
import { caHash, formatToken, generatePassword, parseToken, verifyCaHash } from './token';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const HASH = createHash('sha256').update(CA).digest('hex');

describe('join tokens', () => {
  it('formats K10<sha256 of the CA bundle>::user:password and parses it back', () => {
    const password = generatePassword();
    const token = formatToken(CA, 'server', password);
    expect(token).toBe(`K10${HASH}::server:${password}`);
    expect(parseToken(token)).toEqual({ caHash: HASH, user: 'server', password });
    expect(parseToken(`  ${token}\n`)).toEqual({ caHash: HASH, user: 'server', password });
    expect(parseToken(`K10${HASH.toUpperCase()}::node:p`)).toEqual({ caHash: HASH, user: 'node', password: 'p' });
    expect(parseToken(`K10${HASH}::justapassword`)).toEqual({ caHash: HASH, password: 'justapassword' });
  });

  it('accepts bare passwords and user:password without a CA hash', () => {
    expect(parseToken('s3cret')).toEqual({ password: 's3cret' });
    expect(parseToken('node:s3cret')).toEqual({ user: 'node', password: 's3cret' });
    expect(parseToken('abcdef.0123456789abcdef')).toEqual({ password: 'abcdef.0123456789abcdef' });
  });

  it('rejects malformed tokens with invalid-token and a message saying what was expected', () => {
    const bad = ['', '   ', `K10${HASH.slice(2)}::server:pw`, `K10zz${HASH.slice(2)}::server:pw`, `K10${HASH}::server:`, `K10${HASH}::`, `K10${HASH}server:pw`, ':pw', 'a b'];
    for (const t of bad) {
      let err: unknown;
      try {
        parseToken(t);
      } catch (e) {
        err = e;
      }
      expect([t, isCertError(err, 'invalid-token')]).toEqual([t, true]);
    }
    expect(() => parseToken(`K10${HASH.slice(1)}::server:pw`)).toThrow(/64 hex characters/);
    expect(() => formatToken(CA, 'a:b', 'pw')).toThrow(/must not contain ':'/);
  });

  it('verifies the CA hash in constant time and generates random hex passwords', () => {
    expect(caHash(Buffer.from(CA))).toBe(HASH);
    expect(verifyCaHash(CA, HASH)).toBe(true);
    expect(verifyCaHash(CA, HASH.toUpperCase())).toBe(true);
    expect(verifyCaHash(CA + '\n', HASH)).toBe(false);
    expect(verifyCaHash(CA, 'abc')).toBe(false);
    const a = generatePassword();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(generatePassword()).not.toBe(a);
    expect(generatePassword(24)).toHaveLength(48);
  });
});
