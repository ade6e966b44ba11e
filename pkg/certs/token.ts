// Join tokens as K3s writes and accepts them:
//   K10<sha256 hex of the server CA bundle>::<user>:<password>   (full form, user `server` or `node`)
//   <password>  or  <user>:<password>                             (bare forms, no CA pinning)
// The hash pins the CA an agent must find at /cacerts before it sends its credentials.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CertError } from './errors';

const PREFIX = 'K10';

export interface ParsedToken {
  /** Lower-case sha256 hex of the CA bundle; absent for bare tokens. */
  readonly caHash?: string;
  readonly user?: string;
  readonly password: string;
}

/** sha256 hex of the CA bundle exactly as served (the PEM file's bytes). */
export function caHash(caPem: string | Buffer): string {
  return createHash('sha256').update(caPem).digest('hex');
}

function checkPart(value: string, what: string): void {
  if (value === '') throw new CertError('invalid-token', `token ${what} is empty`);
  if (/[\s]/.test(value)) throw new CertError('invalid-token', `token ${what} must not contain whitespace`);
}

export function formatToken(caPem: string | Buffer, user: string, password: string): string {
  checkPart(user, 'user');
  checkPart(password, 'password');
  if (user.includes(':')) throw new CertError('invalid-token', `token user ${JSON.stringify(user)} must not contain ':'`);
  return `${PREFIX}${caHash(caPem)}::${user}:${password}`;
}

function splitCredentials(creds: string): { user?: string; password: string } {
  const colon = creds.indexOf(':');
  if (colon < 0) {
    checkPart(creds, 'password');
    return { password: creds };
  }
  const user = creds.slice(0, colon);
  const password = creds.slice(colon + 1);
  checkPart(user, 'user');
  checkPart(password, 'password');
  return { user, password };
}

/** Accepts the full form and the bare forms; surrounding whitespace (a token file's newline) is ignored. */
export function parseToken(text: string): ParsedToken {
  const token = text.trim();
  if (token === '') throw new CertError('invalid-token', 'token is empty');
  if (!token.startsWith(PREFIX) || !token.includes('::')) {
    if (token.startsWith(PREFIX) && /^K10[0-9a-fA-F]{64}/.test(token)) {
      throw new CertError('invalid-token', 'token starts with a K10 CA hash but lacks "::" before the credentials (expected K10<hash>::<user>:<password>)');
    }
    return splitCredentials(token);
  }
  const sep = token.indexOf('::');
  const hash = token.slice(PREFIX.length, sep);
  if (!/^[0-9a-fA-F]{64}$/.test(hash)) {
    throw new CertError('invalid-token', `token CA hash must be 64 hex characters (sha256), got ${hash.length} characters`);
  }
  return { caHash: hash.toLowerCase(), ...splitCredentials(token.slice(sep + 2)) };
}

/** Random hex password: 16 bytes (32 characters) unless told otherwise. */
export function generatePassword(bytes = 16): string {
  if (!Number.isInteger(bytes) || bytes < 8) throw new CertError('invalid-option', `password length must be at least 8 bytes, got ${bytes}`);
  return randomBytes(bytes).toString('hex');
}

/** Constant-time check that `caPem` is the bundle the token's hash pins (case-insensitive hex). */
export function verifyCaHash(caPem: string | Buffer, hash: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(hash)) return false;
  return timingSafeEqual(Buffer.from(caHash(caPem), 'hex'), Buffer.from(hash, 'hex'));
}
