// Field validation (fieldValidation=Strict|Warn): the unknown and duplicate fields of a request
// body, as paths like `spec.template.spec.containers[0].imagee`. Unknown fields are found on a
// decoded value; duplicates only exist in the raw text, so findStrictFieldProblems scans the text
// once and reports both, in document order, the way the API server lists them.
import type { MessageFacts } from './facts';
import type { JsonType, SchemaRegistry } from './schema-registry';

export interface FieldProblem {
  readonly kind: 'unknown' | 'duplicate';
  readonly path: string;
}

/** Upstream stops collecting after this many problems. */
export const MAX_FIELD_PROBLEMS = 100;

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The type of the member `key` of a value of type `type`, or why there is none. */
function memberType(registry: SchemaRegistry, type: JsonType | undefined, key: string): JsonType | 'unknown' | 'free' {
  if (!type) return 'free';
  if (type.kind === 'map') return type.values;
  if (type.kind !== 'object') return 'free';
  const message = type.message;
  if (message.typeMeta && (key === 'apiVersion' || key === 'kind')) return { kind: 'string' };
  const field = registry.fieldOf(message, key);
  return field ? registry.typeOfField(field) : 'unknown';
}

/** Unknown field paths of a decoded JSON value whose root is an instance of `root`. */
export function findUnknownFields(registry: SchemaRegistry, root: MessageFacts, value: unknown, limit = MAX_FIELD_PROBLEMS): string[] {
  const out: string[] = [];
  const walk = (type: JsonType, v: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (type.kind === 'list') {
      if (Array.isArray(v)) v.forEach((item, i) => walk(type.items, item, `${path}[${i}]`));
      return;
    }
    if (type.kind !== 'object' && type.kind !== 'map') return;
    if (!isPlainObject(v)) return;
    for (const [key, child] of Object.entries(v)) {
      const t = memberType(registry, type, key);
      if (t === 'unknown') {
        if (!out.includes(childPath(path, key))) out.push(childPath(path, key));
        if (out.length >= limit) return;
      } else if (t !== 'free') {
        walk(t, child, childPath(path, key));
      }
    }
  };
  walk(registry.typeOfMessage(root), value, '');
  return out;
}

export class JsonScanError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'JsonScanError';
  }
}

/**
 * Unknown and duplicate fields of a JSON text whose root is an instance of `root`, in document
 * order. Objects in free-form values (RawExtension, FieldsV1) are not checked, as upstream hands
 * them over raw. Expects text that JSON.parse accepted; on malformed text it may throw
 * JsonScanError. Recursion follows the schema only, so hostile nesting cannot exhaust the stack.
 */
export function findStrictFieldProblems(registry: SchemaRegistry, root: MessageFacts, text: string, limit = MAX_FIELD_PROBLEMS): FieldProblem[] {
  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  const report = (kind: FieldProblem['kind'], path: string): void => {
    const id = `${kind} ${path}`;
    if (out.length < limit && !seen.has(id)) {
      seen.add(id);
      out.push({ kind, path });
    }
  };
  let i = 0;
  const n = text.length;
  const literal = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const fail = (what: string): never => {
    throw new JsonScanError(what, i);
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    let escaped = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c === 0x22) {
        i++;
        const raw = text.slice(start, i);
        return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      }
      i++;
    }
    return fail('unterminated string');
  };
  // Skips a free-form value without recursion (its nesting depth is the sender's choice).
  const skip = (): void => {
    let depth = 0;
    for (;;) {
      ws();
      const c = text[i];
      if (c === '{' || c === '[') {
        depth++;
        i++;
        continue;
      }
      if (c === '}' || c === ']') {
        if (depth === 0) fail('unbalanced bracket');
        depth--;
        i++;
      } else if (c === '"') {
        readString();
      } else if (c === ',' || c === ':') {
        if (depth === 0) fail('expected a JSON value');
        i++;
        continue;
      } else {
        literal.lastIndex = i;
        const m = literal.exec(text);
        if (!m || m[0].length === 0) fail('expected a JSON value');
        i += m![0].length;
      }
      if (depth === 0) return;
    }
  };
  // `type` undefined: a free-form value, skipped. Typed values recurse along the schema only.
  const value = (type: JsonType | undefined, path: string): void => {
    ws();
    if (type === undefined || (type.kind !== 'object' && type.kind !== 'map' && type.kind !== 'list')) {
      skip();
      return;
    }
    const c = text[i];
    if (c === '{') {
      i++;
      const check = type.kind === 'object' || type.kind === 'map';
      const keys = check ? new Set<string>() : undefined;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key');
        const key = readString();
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        let child: JsonType | undefined;
        if (check) {
          const p = childPath(path, key);
          if (keys!.has(key)) report('duplicate', p);
          keys!.add(key);
          const t = memberType(registry, type, key);
          if (t === 'unknown') report('unknown', p);
          child = t === 'unknown' || t === 'free' ? undefined : t;
        }
        value(child, childPath(path, key));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items = type.kind === 'list' ? type.items : undefined;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        value(items, `${path}[${index}]`);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail('expected "," or "]"');
      }
    }
    skip(); // a scalar (or null) where the schema has a structure: a type error, not ours
  };
  value(registry.typeOfMessage(root), '');
  ws();
  if (i < n) fail('unexpected data after the JSON value');
  return out;
}

/** The message upstream puts in a 400 BadRequest for fieldValidation=Strict. */
export function strictDecodingMessage(problems: readonly FieldProblem[]): string {
  return `strict decoding error: ${problems.map((p) => `${p.kind} field ${JSON.stringify(p.path)}`).join(', ')}`;
}

/** One warning per problem for fieldValidation=Warn (the Warning header text, without the code). */
export function fieldValidationWarnings(problems: readonly FieldProblem[]): string[] {
  return problems.map((p) => `${p.kind} field ${JSON.stringify(p.path)}`);
}
