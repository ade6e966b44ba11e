import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultEncryptionConfig, newKey, parseEncryptionConfig, renderEncryptionConfig, secretProviders, type ProviderInfo } from './encryption-config';
import { isEncryptionError } from './errors';
import { createValueTransformer } from './value-transformer';

const KEY = '/registry/secrets/default/s1';
const plain = new TextEncoder().encode('{"metadata":{"name":"s1"},"data":{"password":"c2VjcmV0"}}');
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const cbc = (name: string, bytes = 32): ProviderInfo => ({ type: 'aescbc', keys: [newKey(name, bytes)] });
const gcm = (name: string, bytes = 32): ProviderInfo => ({ type: 'aesgcm', keys: [newKey(name, bytes)] });
const identity: ProviderInfo = { type: 'identity', keys: [] };

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isEncryptionError(e) ? e.code : String(e);
  }
  return undefined;
}

describe('value transformer', () => {
  it('aescbc: upstream layout (prefix, 16-byte IV, PKCS#7 CBC), round trip, random IV per write', () => {
    const p = cbc('k1');
    const t = createValueTransformer([p, identity]);
    const a = t.toStorage(plain, KEY);
    expect(text(a).startsWith('k8s:enc:aescbc:v1:k1:')).toBe(true);
    expect(text(a)).not.toContain('c2VjcmV0');
    const body = Buffer.from(a).subarray('k8s:enc:aescbc:v1:k1:'.length);
    const d = createDecipheriv('aes-256-cbc', Buffer.from(p.keys[0]!.secret, 'base64'), body.subarray(0, 16));
    expect(Buffer.concat([d.update(body.subarray(16)), d.final()]).equals(Buffer.from(plain))).toBe(true);
    expect(t.fromStorage(a, KEY)).toEqual({ value: Buffer.from(plain), stale: false });
    expect(Buffer.from(t.toStorage(plain, KEY)).equals(Buffer.from(a))).toBe(false);
  });

  it('aesgcm: round trip with 16/24/32-byte keys, bound to the storage key', () => {
    for (const bytes of [16, 24, 32]) {
      const t = createValueTransformer([gcm('g', bytes)]);
      const a = t.toStorage(plain, KEY);
      expect(text(a).startsWith('k8s:enc:aesgcm:v1:g:')).toBe(true);
      expect(Buffer.from(t.fromStorage(a, KEY).value).equals(Buffer.from(plain))).toBe(true);
      // Copied under another key, the value does not authenticate.
      expect(code(() => t.fromStorage(a, '/registry/secrets/default/other'))).toBe('decrypt-failed');
    }
  });

  it('reads old keys and plaintext (identity) as stale, and fails clearly on unknown keys or tampering', () => {
    const oldP = cbc('old');
    const older = createValueTransformer([oldP, identity]);
    const written = older.toStorage(plain, KEY);
    const rotated = createValueTransformer([{ type: 'aescbc', keys: [newKey('new'), ...oldP.keys] }, identity]);
    expect(rotated.writeKey).toEqual({ type: 'aescbc', name: 'new' });
    expect(rotated.fromStorage(written, KEY).stale).toBe(true);
    expect(rotated.fromStorage(plain, KEY)).toEqual({ value: plain, stale: true });
    expect(rotated.fromStorage(rotated.toStorage(plain, KEY), KEY).stale).toBe(false);
    const withoutOld = createValueTransformer([cbc('new'), identity]);
    expect(code(() => withoutOld.fromStorage(written, KEY))).toBe('decrypt-failed');
    expect(() => withoutOld.fromStorage(written, KEY)).toThrow(/k8s:enc:aescbc:v1:old/);
    const noIdentity = createValueTransformer([cbc('x')]);
    expect(code(() => noIdentity.fromStorage(plain, KEY))).toBe('decrypt-failed');
    const tampered = Buffer.from(written);
    tampered[tampered.length - 1]! ^= 1;
    expect(code(() => older.fromStorage(tampered, KEY))).not.toBeUndefined();
    // identity first = encryption effectively off: writes are plaintext, encrypted values still read.
    const off = createValueTransformer([identity, oldP]);
    expect(off.toStorage(plain, KEY)).toBe(plain);
    expect(off.fromStorage(written, KEY).stale).toBe(true);
  });
});

describe('encryption config', () => {
  it('writes K3s\'s default (aescbc key + identity) and parses it back', () => {
    const cfg = defaultEncryptionConfig();
    const parsed = parseEncryptionConfig(renderEncryptionConfig(cfg));
    expect(parsed).toEqual(cfg);
    const providers = secretProviders(parsed)!;
    expect(providers.map((p) => p.type)).toEqual(['aescbc', 'identity']);
    expect(providers[0]!.keys[0]!.name).toBe('aescbckey');
    expect(Buffer.from(providers[0]!.keys[0]!.secret, 'base64')).toHaveLength(32);
  });

  it('accepts YAML as upstream does and rejects bad configs with a reason', () => {
    const yaml = `kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n- resources: [secrets]\n  providers:\n  - aesgcm:\n      keys:\n      - {name: g1, secret: ${Buffer.alloc(16, 1).toString('base64')}}\n  - identity: {}\n`;
    expect(secretProviders(parseEncryptionConfig(yaml))!.map((p) => p.type)).toEqual(['aesgcm', 'identity']);
    const bad: [string, RegExp][] = [
      ['{}', /kind must be EncryptionConfiguration/],
      [yaml.replace('aesgcm', 'secretbox'), /not supported/],
      [yaml.replace(Buffer.alloc(16, 1).toString('base64'), Buffer.alloc(20, 1).toString('base64')), /16, 24 or 32 bytes/],
      [yaml.replace('keys:\n      - {name: g1', 'keys: []\n      x: [{name: g1'), /./],
    ];
    for (const [doc, re] of bad) expect(() => parseEncryptionConfig(doc, 'cfg.json')).toThrow(re);
  });
});
