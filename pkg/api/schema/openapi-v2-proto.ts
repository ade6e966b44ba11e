// The protobuf form of an OpenAPI v2 document that client-go asks for
// (application/com.github.proto-openapi.spec.v2@v1.0+protobuf): gnostic's openapi.v2.Document.
// Field numbers are those of gnostic's OpenAPIv2.proto. Values without a message of their own
// (defaults, enums, examples, x-* extensions) travel as Any.yaml text; JSON is written there,
// which YAML readers take as it is.

type Obj = { readonly [key: string]: unknown };
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

function varint(n: number | bigint): number[] {
  if (typeof n === 'number' && n >= 0 && n < 0x80000000) {
    const out: number[] = [];
    let u = n;
    while (u >= 0x80) {
      out.push((u & 0x7f) | 0x80);
      u >>>= 7;
    }
    out.push(u);
    return out;
  }
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** One message being written: proto3 rules (scalars at their zero value are left out). */
class Message {
  private readonly parts: Uint8Array[] = [];

  private key(field: number, wire: number): void {
    this.parts.push(Uint8Array.from(varint((field << 3) | wire)));
  }

  bytes(field: number, data: Uint8Array): this {
    this.key(field, 2);
    this.parts.push(Uint8Array.from(varint(data.length)), data);
    return this;
  }

  string(field: number, v: unknown): this {
    const s = str(v);
    return s ? this.bytes(field, Buffer.from(s, 'utf8')) : this;
  }

  strings(field: number, v: unknown): this {
    for (const s of strings(v)) this.bytes(field, Buffer.from(s, 'utf8'));
    return this;
  }

  /** A bool; `always` writes false too (members of a oneof are present whatever their value). */
  bool(field: number, v: unknown, always = false): this {
    if (v !== true && !(always && v === false)) return this;
    this.key(field, 0);
    this.parts.push(Uint8Array.of(v ? 1 : 0));
    return this;
  }

  int64(field: number, v: unknown): this {
    const n = num(v);
    if (!n) return this;
    this.key(field, 0);
    this.parts.push(Uint8Array.from(varint(Math.trunc(n))));
    return this;
  }

  double(field: number, v: unknown): this {
    const n = num(v);
    if (!n) return this;
    this.key(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    this.parts.push(b);
    return this;
  }

  message(field: number, m: Message | undefined): this {
    return m ? this.bytes(field, m.finish()) : this;
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

/** Any { yaml = 2 }. */
function anyValue(v: unknown): Message {
  return new Message().string(2, JSON.stringify(v));
}

/** repeated NamedAny (name = 1, value = 2) of the x-* members of `o`. */
function vendorExtensions(m: Message, field: number, o: Obj): void {
  for (const [k, v] of Object.entries(o)) if (k.startsWith('x-') && v !== undefined) m.message(field, new Message().string(1, k).message(2, anyValue(v)));
}

function schema(s: Obj): Message {
  const m = new Message()
    .string(1, s.$ref)
    .string(2, s.format)
    .string(3, s.title)
    .string(4, s.description);
  if (s.default !== undefined) m.message(5, anyValue(s.default));
  m.double(6, s.multipleOf).double(7, s.maximum).bool(8, s.exclusiveMaximum).double(9, s.minimum).bool(10, s.exclusiveMinimum);
  m.int64(11, s.maxLength).int64(12, s.minLength).string(13, s.pattern).int64(14, s.maxItems).int64(15, s.minItems).bool(16, s.uniqueItems);
  m.int64(17, s.maxProperties).int64(18, s.minProperties).strings(19, s.required);
  if (Array.isArray(s.enum)) for (const e of s.enum) m.message(20, anyValue(e));
  if (typeof s.additionalProperties === 'boolean') m.message(21, new Message().bool(2, s.additionalProperties, true));
  else if (isObj(s.additionalProperties)) m.message(21, new Message().message(1, schema(s.additionalProperties)));
  if (s.type !== undefined) m.message(22, new Message().strings(1, s.type));
  if (s.items !== undefined) {
    const items = new Message();
    for (const i of Array.isArray(s.items) ? s.items : [s.items]) if (isObj(i)) items.message(1, schema(i));
    m.message(23, items);
  }
  if (Array.isArray(s.allOf)) for (const a of s.allOf) if (isObj(a)) m.message(24, schema(a));
  if (isObj(s.properties)) m.message(25, namedSchemas(s.properties));
  m.string(26, s.discriminator).bool(27, s.readOnly);
  if (s.example !== undefined) m.message(30, anyValue(s.example));
  vendorExtensions(m, 31, s);
  return m;
}

/** Properties / Definitions: repeated NamedSchema (name = 1, value = 2) at field 1. */
function namedSchemas(o: Obj): Message {
  const m = new Message();
  for (const [name, s] of Object.entries(o)) m.message(1, new Message().string(1, name).message(2, schema(isObj(s) ? s : {})));
  return m;
}

/** A non-body parameter: the query, path, header and formData sub-schemas share their first fields; only the offsets after `name` differ. */
function nonBodyParameter(p: Obj): Message {
  const where = str(p.in);
  // [oneof field in NonBodyParameter, offset of `type` in the sub-schema]
  const [field, typeAt] = where === 'query' ? [3, 6] : where === 'formData' ? [2, 6] : where === 'header' ? [1, 5] : [4, 5];
  const sub = new Message().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
  if (typeAt === 6) sub.bool(5, p.allowEmptyValue);
  sub.string(typeAt, p.type).string(typeAt + 1, p.format);
  sub.bool(typeAt + 14, p.uniqueItems);
  vendorExtensions(sub, typeAt + 17, p);
  return new Message().message(field, sub);
}

/** ParametersItem: parameter = 1 (body_parameter = 1 | non_body_parameter = 2) or json_reference = 2. */
function parameter(p: Obj): Message {
  if (typeof p.$ref === 'string') return new Message().message(2, new Message().string(1, p.$ref).string(2, p.description));
  const inner = new Message();
  if (p.in === 'body') {
    const body = new Message().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required);
    if (isObj(p.schema)) body.message(5, schema(p.schema));
    vendorExtensions(body, 6, p);
    inner.message(1, body);
  } else inner.message(2, nonBodyParameter(p));
  return new Message().message(1, inner);
}

function responses(o: Obj): Message {
  const m = new Message();
  for (const [code, r] of Object.entries(o)) {
    if (!isObj(r)) continue;
    const response = new Message().string(1, r.description ?? '');
    if (isObj(r.schema)) response.message(2, new Message().message(1, schema(r.schema)));
    vendorExtensions(response, 5, r);
    m.message(1, new Message().string(1, code).message(2, new Message().message(1, response)));
  }
  return m;
}

function operation(op: Obj): Message {
  const m = new Message().strings(1, op.tags).string(2, op.summary).string(3, op.description).string(5, op.operationId).strings(6, op.produces).strings(7, op.consumes);
  if (Array.isArray(op.parameters)) for (const p of op.parameters) if (isObj(p)) m.message(8, parameter(p));
  if (isObj(op.responses)) m.message(9, responses(op.responses));
  m.strings(10, op.schemes).bool(11, op.deprecated);
  vendorExtensions(m, 13, op);
  return m;
}

const PATH_ITEM_OPERATIONS: readonly (readonly [string, number])[] = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['options', 6],
  ['head', 7],
  ['patch', 8],
];

function pathItem(item: Obj): Message {
  const m = new Message().string(1, item.$ref);
  for (const [verb, field] of PATH_ITEM_OPERATIONS) if (isObj(item[verb])) m.message(field, operation(item[verb]));
  if (Array.isArray(item.parameters)) for (const p of item.parameters) if (isObj(p)) m.message(9, parameter(p));
  vendorExtensions(m, 10, item);
  return m;
}

/** SecurityDefinitionsItem: only API keys (the bearer token) are written. */
function securityDefinitions(o: Obj): Message {
  const m = new Message();
  for (const [name, d] of Object.entries(o)) {
    if (!isObj(d) || d.type !== 'apiKey') continue;
    const key = new Message().string(1, d.type).string(2, d.name).string(3, d.in).string(4, d.description);
    m.message(1, new Message().string(1, name).message(2, new Message().message(2, key)));
  }
  return m;
}

/** The gnostic openapi.v2.Document encoding of a Swagger 2.0 JSON document. */
export function encodeOpenApiV2Document(doc: unknown): Uint8Array {
  const d = isObj(doc) ? doc : {};
  const m = new Message().string(1, d.swagger);
  if (isObj(d.info)) m.message(2, new Message().string(1, d.info.title).string(2, d.info.version).string(3, d.info.description));
  m.string(3, d.host).string(4, d.basePath).strings(5, d.schemes).strings(6, d.consumes).strings(7, d.produces);
  if (isObj(d.paths)) {
    const paths = new Message();
    for (const [p, item] of Object.entries(d.paths)) if (isObj(item)) paths.message(2, new Message().string(1, p).message(2, pathItem(item)));
    m.message(8, paths);
  }
  if (isObj(d.definitions)) m.message(9, namedSchemas(d.definitions));
  if (Array.isArray(d.security)) {
    for (const req of d.security) {
      if (!isObj(req)) continue;
      const r = new Message();
      for (const [name, scopes] of Object.entries(req)) r.message(1, new Message().string(1, name).message(2, new Message().strings(1, scopes)));
      m.message(12, r);
    }
  }
  if (isObj(d.securityDefinitions)) m.message(13, securityDefinitions(d.securityDefinitions));
  vendorExtensions(m, 16, d);
  return m.finish();
}
