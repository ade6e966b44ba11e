// Stored-value encryption, byte-compatible with upstream's prefix transformers:
//   aescbc: "k8s:enc:aescbc:v1:<key name>:" + IV (16) + AES-CBC ciphertext (PKCS#7 padding)
//   aesgcm: "k8s:enc:aesgcm:v1:<key name>:" + nonce (12) + AES-GCM ciphertext + tag (16), with the
//           storage key as additional authenticated data (a value copied to another key fails)
//   identity: the plain bytes.
// Writes use the first provider's first key. Reads pick the key by prefix; a value read with
// anything but the write key is "stale" (re-encryption rewrites exactly those).
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCM, type CipherGCMTypes, type DecipherGCM } from 'node:crypto';
import { EncryptionError } from './errors';
import type { KeyType, ProviderInfo } from './encryption-config';

export interface ReadResult {
  readonly value: Uint8Array;
  /** True when the value was not written with the current write key. */
  readonly stale: boolean;
}

export interface ValueTransformer {
  /** Provider type and key name that new writes use (`identity` writes plaintext). */
  readonly writeKey: { readonly type: KeyType | 'identity'; readonly name?: string };
  toStorage(plain: Uint8Array, key: string): Uint8Array;
  fromStorage(stored: Uint8Array, key: string): ReadResult;
}

const ENC_PREFIX = Buffer.from('k8s:enc:');
const IV_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

interface KeyEntry {
  readonly type: KeyType;
  readonly name: string;
  readonly prefix: Buffer;
  readonly key: Buffer;
  readonly algorithm: string;
}

function entry(type: KeyType, name: string, secret: string): KeyEntry {
  const key = Buffer.from(secret, 'base64');
  const bits = key.length * 8;
  return { type, name, prefix: Buffer.from(`k8s:enc:${type}:v1:${name}:`), key, algorithm: `aes-${bits}-${type === 'aescbc' ? 'cbc' : 'gcm'}` };
}

function startsWith(data: Uint8Array, prefix: Buffer): boolean {
  return data.length >= prefix.length && prefix.equals(data.subarray(0, prefix.length));
}

function encrypt(e: KeyEntry, plain: Uint8Array, key: string): Buffer {
  if (e.type === 'aescbc') {
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv(e.algorithm, e.key, iv);
    return Buffer.concat([e.prefix, iv, c.update(plain), c.final()]);
  }
  const nonce = randomBytes(NONCE_BYTES);
  const c = createCipheriv(e.algorithm as CipherGCMTypes, e.key, nonce, { authTagLength: TAG_BYTES }) as CipherGCM;
  c.setAAD(Buffer.from(key));
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([e.prefix, nonce, body, c.getAuthTag()]);
}

function decrypt(e: KeyEntry, stored: Uint8Array, key: string): Buffer {
  const data = Buffer.from(stored.buffer, stored.byteOffset + e.prefix.length, stored.byteLength - e.prefix.length);
  try {
    if (e.type === 'aescbc') {
      if (data.length < IV_BYTES * 2 || (data.length - IV_BYTES) % 16 !== 0) throw new Error('ciphertext has the wrong length for AES-CBC');
      const d = createDecipheriv(e.algorithm, e.key, data.subarray(0, IV_BYTES));
      return Buffer.concat([d.update(data.subarray(IV_BYTES)), d.final()]);
    }
    if (data.length < NONCE_BYTES + TAG_BYTES) throw new Error('ciphertext is too short for AES-GCM');
    const d = createDecipheriv(e.algorithm as CipherGCMTypes, e.key, data.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES }) as DecipherGCM;
    d.setAAD(Buffer.from(key));
    d.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([d.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), d.final()]);
  } catch (err) {
    throw new EncryptionError('decrypt-failed', `cannot decrypt ${key} with ${e.type} key ${JSON.stringify(e.name)}: ${(err as Error).message}`, { cause: err });
  }
}

export function createValueTransformer(providers: readonly ProviderInfo[]): ValueTransformer {
  if (providers.length === 0) throw new EncryptionError('invalid-config', 'no providers for secrets: expected at least one of aescbc, aesgcm, identity');
  const entries: KeyEntry[] = [];
  for (const p of providers) if (p.type !== 'identity') for (const k of p.keys) entries.push(entry(p.type, k.name, k.secret));
  // Longest prefix first, so a key named `a` never claims a value written with a key named `a:b`.
  const byPrefix = [...entries].sort((a, b) => b.prefix.length - a.prefix.length);
  const first = providers[0]!;
  const writer = first.type === 'identity' ? undefined : entries[0];
  const identityReads = providers.some((p) => p.type === 'identity');
  return {
    writeKey: writer ? { type: writer.type, name: writer.name } : { type: 'identity' },
    toStorage(plain, key) {
      return writer ? encrypt(writer, plain, key) : plain;
    },
    fromStorage(stored, key) {
      if (startsWith(stored, ENC_PREFIX)) {
        for (const e of byPrefix) {
          if (startsWith(stored, e.prefix)) return { value: decrypt(e, stored, key), stale: e !== writer };
        }
        const shown = Buffer.from(stored.subarray(0, Math.min(stored.length, 64))).toString('latin1').split(':').slice(0, 5).join(':');
        throw new EncryptionError('decrypt-failed', `cannot decrypt ${key}: it was written with ${shown}:, a key the encryption config does not have`);
      }
      if (!identityReads) throw new EncryptionError('decrypt-failed', `${key} is stored unencrypted but the encryption config has no identity provider to read it`);
      return { value: stored, stale: writer !== undefined };
    },
  };
}
