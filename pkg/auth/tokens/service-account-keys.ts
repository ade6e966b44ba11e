// The keys behind service-account tokens: server/tls/service.key. The first private key in the
// file signs; every key in it (private or public) verifies, so a rotated-out key can be kept in
// the file until the tokens it signed have expired.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { TokenError } from './errors';
import { signingKey, verifyingKey, type SigningKey, type VerifyingKey } from './jwt';

export interface ServiceAccountKeys {
  readonly signing: SigningKey;
  readonly verifying: readonly VerifyingKey[];
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g;

export function parseServiceAccountKeys(pem: string, what = 'service-account key file'): ServiceAccountKeys {
  const privates: KeyObject[] = [];
  const publics: KeyObject[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) {
    const label = m[1]!;
    try {
      if (label.endsWith('PRIVATE KEY')) privates.push(createPrivateKey(m[0]));
      else if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') publics.push(createPublicKey(m[0]));
    } catch (e) {
      throw new TokenError('invalid-key', `${what}: cannot parse the ${label} block: ${(e as Error).message}`, { cause: e });
    }
  }
  const first = privates[0];
  if (!first) throw new TokenError('invalid-key', `${what} holds no private key (expected a PEM "PRIVATE KEY" block to sign service-account tokens)`);
  return { signing: signingKey(first), verifying: [...privates, ...publics].map(verifyingKey) };
}

/**
 * Reads the key file on first use and keeps the result: the control plane creates service.key
 * before it serves requests, and the authenticators are built before the control plane starts.
 */
export function lazyServiceAccountKeys(file: string): () => Promise<ServiceAccountKeys> {
  let loaded: Promise<ServiceAccountKeys> | undefined;
  return () => {
    loaded ??= readFile(file, 'utf8').then(
      (pem) => parseServiceAccountKeys(pem, file),
      (e: unknown) => {
        throw new TokenError('io', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
      },
    );
    // A failed read is retried on the next call rather than remembered.
    loaded.catch(() => {
      loaded = undefined;
    });
    return loaded;
  };
}
