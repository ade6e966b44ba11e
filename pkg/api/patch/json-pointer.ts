// RFC 6901 JSON Pointers: `""` is the whole document, `/a/b` walks members and indices,
// `~1` stands for `/` and `~0` for `~`.
import { UnprocessablePatchError } from './errors';

/** The reference tokens of a pointer, unescaped. Throws for a pointer that is not `""` or `/…`. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new UnprocessablePatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: expected "" or a string starting with "/"`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) {
        throw new UnprocessablePatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: "~" must be followed by "0" or "1"`);
      }
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** The pointer of a list of (unescaped) tokens. */
export function formatPointer(tokens: readonly string[]): string {
  return tokens.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** An array index token: digits without leading zeros. Returns undefined for anything else (`-` included). */
export function parseArrayIndex(token: string): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}
