// Tokenizer for the label selector query syntax (`a=b,c!=d,e in (x,y),!f,g>3`). Whitespace separates
// tokens; `= == != ! ( ) , < >` are symbols (the longest symbol wins); any other run of characters is
// an identifier, except the words `in` and `notin`, which are keywords.

export type TokenKind =
  | 'end'
  | 'identifier'
  | 'in'
  | 'notin'
  | 'open-paren'
  | 'close-paren'
  | 'comma'
  | 'equals'
  | 'double-equals'
  | 'not-equals'
  | 'not' // `!`, "does not exist"
  | 'greater-than'
  | 'less-than';

export interface Token {
  readonly kind: TokenKind;
  /** The text as written ('' for the end). */
  readonly text: string;
}

const SYMBOLS: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  ['(', 'open-paren'],
  [')', 'close-paren'],
  [',', 'comma'],
  ['=', 'equals'],
  ['==', 'double-equals'],
  ['!=', 'not-equals'],
  ['!', 'not'],
  ['>', 'greater-than'],
  ['<', 'less-than'],
]);

const SYMBOL_CHARS = new Set(['=', '!', '(', ')', ',', '>', '<']);

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/** Splits the whole selector into tokens, ending with one `end` token. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (isWhitespace(ch)) {
      i++;
      continue;
    }
    if (SYMBOL_CHARS.has(ch)) {
      // Longest run of symbol characters that is still a known symbol.
      let best = ch;
      let j = i + 1;
      while (j < input.length && SYMBOL_CHARS.has(input[j]) && SYMBOLS.has(input.slice(i, j + 1))) {
        best = input.slice(i, j + 1);
        j++;
      }
      tokens.push({ kind: SYMBOLS.get(best) as TokenKind, text: best });
      i += best.length;
      continue;
    }
    let j = i;
    while (j < input.length && !isWhitespace(input[j]) && !SYMBOL_CHARS.has(input[j])) j++;
    const word = input.slice(i, j);
    tokens.push({ kind: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'identifier', text: word });
    i = j;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}
