// Key and value rules shared by every driver: validation, ordering and prefix ranges.
import { InvalidKeyError, TooLargeError } from './errors';

/** etcd's default request limit; Kubernetes objects above it are rejected. */
export const DEFAULT_MAX_VALUE_BYTES = 1.5 * 1024 * 1024;

/**
 * Throws InvalidKeyError unless `key` is a non-empty, well-formed string (see backend.ts).
 * `allowEmpty` is for list/count/watch prefixes, where '' means "every key".
 */
export function validateKey(key: unknown, allowEmpty = false): asserts key is string {
  if (typeof key !== 'string') throw new InvalidKeyError(`expected a string, got ${typeof key}`);
  if (key.length === 0) {
    if (allowEmpty) return;
    throw new InvalidKeyError('the key is empty; expected a non-empty string such as /registry/pods/default/web');
  }
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0xd800 && c !== 0) continue;
    if (c === 0) throw new InvalidKeyError(`${JSON.stringify(key)} contains NUL at offset ${i}`);
    if (c === 0xfffd) throw new InvalidKeyError(`${JSON.stringify(key)} contains U+FFFD (a lossy UTF-8 decode) at offset ${i}`);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = key.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) throw new InvalidKeyError(`${JSON.stringify(key)} is not valid UTF-16: lone surrogate at offset ${i}`);
  }
}

/** Throws TooLargeError when the value exceeds `limit` bytes. */
export function checkValueSize(value: Uint8Array, limit: number): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`storage value must be a Uint8Array, got ${typeof value}`);
  if (value.byteLength > limit) throw new TooLargeError(value.byteLength, limit);
}

// Maps a UTF-16 code unit so that numeric order equals code point order: surrogates (which encode
// U+10000 and above) move above U+E000..U+FFFF.
function rank(c: number): number {
  if (c < 0xd800) return c;
  return c <= 0xdfff ? c + 0x2000 : c - 0x800;
}

/** Orders keys by code point (= UTF-8 byte order, etcd's and SQLite BINARY's order). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/**
 * The smallest string greater than every key starting with `prefix` (exclusive upper bound of the
 * prefix range), or undefined when no bound exists (empty prefix, or only U+10FFFF characters).
 */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix);
  while (cps.length > 0) {
    const last = cps.pop()!.codePointAt(0)!;
    if (last === 0x10ffff) continue;
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    return cps.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

