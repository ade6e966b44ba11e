// A parser for the subset of proto2 that go-to-protobuf writes: syntax, package, import, option,
// flat messages whose fields are `optional|repeated|required <type> <name> = <n>;` or
// `map<k, v> <name> = <n>;`. Leading `//` comments are kept per message and field, because the
// Kubernetes markers (`+listType=map`, `+patchMergeKey=name`, …) live there.

export interface ProtoField {
  readonly label: 'optional' | 'repeated' | 'required' | 'map';
  /** For maps, the value type; otherwise the field type as written (`string`, `.k8s.io.x.Y`, `Y`). */
  readonly type: string;
  readonly mapKey?: string;
  readonly name: string;
  readonly number: number;
  readonly comments: readonly string[];
}

export interface ProtoMessage {
  readonly name: string;
  readonly fields: readonly ProtoField[];
  readonly comments: readonly string[];
}

export interface ProtoFile {
  readonly package: string;
  readonly imports: readonly string[];
  readonly messages: readonly ProtoMessage[];
}

export class ProtoParseError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'ProtoParseError';
  }
}

type Token = { readonly text: string; readonly line: number; readonly comments: readonly string[] };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let pending: string[] = [];
  let line = 1;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      pending.push(source.slice(i + 2, stop).replace(/^ /, ''));
      i = stop;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) throw new ProtoParseError('unterminated block comment', line);
      for (let j = i; j < end; j++) if (source[j] === '\n') line++;
      i = end + 2;
      continue; // block comments hold the licence header only; they carry no markers
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      if (j >= n) throw new ProtoParseError('unterminated string', line);
      tokens.push({ text: source.slice(i, j + 1), line, comments: pending });
      pending = [];
      i = j + 1;
      continue;
    }
    if (/[A-Za-z0-9_.]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_.]/.test(source[j]!)) j++;
      tokens.push({ text: source.slice(i, j), line, comments: pending });
      pending = [];
      i = j;
      continue;
    }
    if ('{}[]()<>;=,'.includes(c)) {
      tokens.push({ text: c, line, comments: pending });
      pending = [];
      i++;
      continue;
    }
    throw new ProtoParseError(`unexpected character ${JSON.stringify(c)}`, line);
  }
  return tokens;
}

export function parseProto(source: string): ProtoFile {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const next = (): Token => {
    const t = tokens[pos++];
    if (!t) throw new ProtoParseError('unexpected end of file', tokens[tokens.length - 1]?.line ?? 0);
    return t;
  };
  const expect = (text: string): Token => {
    const t = next();
    if (t.text !== text) throw new ProtoParseError(`expected ${JSON.stringify(text)}, found ${JSON.stringify(t.text)}`, t.line);
    return t;
  };
  const unquote = (t: Token): string => {
    if (!/^["'].*["']$/.test(t.text)) throw new ProtoParseError(`expected a string, found ${t.text}`, t.line);
    return t.text.slice(1, -1);
  };
  const skipStatement = (): void => {
    while (next().text !== ';');
  };

  let pkg = '';
  const imports: string[] = [];
  const messages: ProtoMessage[] = [];
  while (peek()) {
    const t = next();
    switch (t.text) {
      case 'syntax':
      case 'option':
        skipStatement();
        break;
      case 'package':
        pkg = next().text;
        expect(';');
        break;
      case 'import': {
        let target = next();
        if (target.text === 'public' || target.text === 'weak') target = next();
        imports.push(unquote(target));
        expect(';');
        break;
      }
      case 'message':
        messages.push(parseMessage(t));
        break;
      default:
        throw new ProtoParseError(`unsupported top-level statement ${JSON.stringify(t.text)}`, t.line);
    }
  }
  if (!pkg) throw new ProtoParseError('no package statement', 1);
  return { package: pkg, imports, messages };

  function parseMessage(keyword: Token): ProtoMessage {
    const name = next().text;
    expect('{');
    const fields: ProtoField[] = [];
    for (;;) {
      const t = next();
      if (t.text === '}') break;
      if (t.text === 'option' || t.text === 'reserved') {
        skipStatement();
        continue;
      }
      if (t.text === 'optional' || t.text === 'repeated' || t.text === 'required') {
        const type = next().text;
        const fname = next().text;
        expect('=');
        const number = parseFieldNumber(next());
        skipOptions();
        fields.push({ label: t.text, type, name: fname, number, comments: t.comments });
        continue;
      }
      if (t.text === 'map') {
        expect('<');
        const key = next().text;
        expect(',');
        const value = next().text;
        expect('>');
        const fname = next().text;
        expect('=');
        const number = parseFieldNumber(next());
        skipOptions();
        fields.push({ label: 'map', type: value, mapKey: key, name: fname, number, comments: t.comments });
        continue;
      }
      throw new ProtoParseError(`unsupported statement ${JSON.stringify(t.text)} in message ${name}`, t.line);
    }
    return { name, fields, comments: keyword.comments };
  }

  function parseFieldNumber(t: Token): number {
    const n = Number(t.text);
    if (!Number.isInteger(n) || n <= 0) throw new ProtoParseError(`expected a field number, found ${t.text}`, t.line);
    return n;
  }

  function skipOptions(): void {
    const t = next();
    if (t.text === ';') return;
    if (t.text !== '[') throw new ProtoParseError(`expected ";" or "[", found ${t.text}`, t.line);
    while (next().text !== ']');
    expect(';');
  }
}

/** Markers in comments: `+name=value` lines, in order; a bare `+name` has value `''`. */
export function markersOf(comments: readonly string[]): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, string[]>();
  for (const line of comments) {
    const m = /^\s*\+([A-Za-z0-9_.:()-]+)(?:=(.*))?$/.exec(line);
    if (!m) continue;
    const name = m[1]!;
    const value = (m[2] ?? '').trim();
    const list = out.get(name);
    if (list) list.push(value);
    else out.set(name, [value]);
  }
  return out;
}
