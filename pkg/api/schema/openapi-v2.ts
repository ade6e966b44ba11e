// OpenAPI v2 (Swagger 2.0) schemas from the OpenAPI v3 component schemas the catalog's facts and
// the CRDs give: `#/definitions/` references, references written as a bare `$ref` (v2 allows no
// siblings but a description and extensions), `oneOf` of primitives (IntOrString, Quantity) as
// strings, and the rules upstream applies to CRD schemas for v2 clients (kubectl's proto model):
// nullable values, values keeping unknown fields and arrays without items become untyped.

/** A JSON object in OpenAPI v2 schema form. */
export type OpenApiV2Schema = { [key: string]: unknown };

export const V2_DEFINITIONS_PREFIX = '#/definitions/';
const V3_COMPONENTS_PREFIX = '#/components/schemas/';

/** Keywords of a v2 Schema Object that carry over from v3 as they are. */
const COPIED = new Set([
  'type',
  'format',
  'title',
  'description',
  'default',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
  'enum',
  'readOnly',
  'example',
]);

type Obj = { readonly [key: string]: unknown };
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A v3 `$ref` as v2 writes it. */
export function v2Ref(ref: string): string {
  return ref.startsWith(V3_COMPONENTS_PREFIX) ? `${V2_DEFINITIONS_PREFIX}${ref.slice(V3_COMPONENTS_PREFIX.length)}` : ref;
}

function refSchema(ref: string, from: Obj): OpenApiV2Schema {
  const out: OpenApiV2Schema = { $ref: v2Ref(ref) };
  if (typeof from.description === 'string') out.description = from.description;
  for (const [k, v] of Object.entries(from)) if (k.startsWith('x-')) out[k] = v;
  return out;
}

/** The single reference an `allOf` wraps (how v3 puts siblings next to a reference), if that is all it is. */
function wrappedRef(s: Obj): string | undefined {
  if (!Array.isArray(s.allOf) || s.allOf.length !== 1 || s.type !== undefined || s.properties !== undefined) return undefined;
  const only: unknown = s.allOf[0];
  return isObj(only) && typeof only.$ref === 'string' ? only.$ref : undefined;
}

/** The primitive type a v3 `oneOf` of primitive alternatives is written as in v2 (string wins, as upstream's IntOrString and Quantity). */
function oneOfType(s: Obj): string | undefined {
  if (!Array.isArray(s.oneOf)) return undefined;
  const types = s.oneOf.map((o) => (isObj(o) && typeof o.type === 'string' ? o.type : undefined));
  if (types.includes('string')) return 'string';
  const distinct = new Set(types);
  return distinct.size === 1 && types[0] !== undefined && types[0] !== 'object' && types[0] !== 'array' ? types[0] : undefined;
}

/** One v3 schema (and everything nested in it) in v2 form. */
export function v2Schema(v3: unknown): OpenApiV2Schema {
  if (!isObj(v3)) return {};
  if (typeof v3.$ref === 'string') return refSchema(v3.$ref, v3);
  const wrapped = wrappedRef(v3);
  if (wrapped) return refSchema(wrapped, v3);
  const out: OpenApiV2Schema = {};
  for (const [k, v] of Object.entries(v3)) {
    if (COPIED.has(k) || k.startsWith('x-')) out[k] = v;
    else if (k === 'properties' && isObj(v)) out.properties = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, v2Schema(p)]));
    else if (k === 'items') out.items = Array.isArray(v) ? v2Schema(v[0]) : v2Schema(v);
    else if (k === 'additionalProperties') out.additionalProperties = typeof v === 'boolean' ? v : v2Schema(v);
    // allOf/oneOf/anyOf/not, nullable, writeOnly, deprecated, discriminator objects: not in v2.
  }
  if (out.type === undefined) {
    const t = oneOfType(v3);
    if (t) out.type = t;
  }
  if (v3.nullable === true) {
    delete out.type;
    delete out.items;
    delete out.properties;
  }
  if (v3['x-kubernetes-preserve-unknown-fields'] === true) {
    delete out.items;
    delete out.properties;
    if (out.type === 'object') delete out.type;
  }
  if (out.type === 'array' && out.items === undefined) delete out.type;
  if (Array.isArray(out.required) && isObj(v3.properties)) {
    // A nullable property may be null, which a v2 client would read as missing.
    const props = v3.properties;
    const required = out.required.filter((name) => !(typeof name === 'string' && isObj(props[name]) && props[name].nullable === true));
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  if (isObj(v3.additionalProperties) && v3.additionalProperties.nullable === true) delete out.required;
  return out;
}

/** `schema` with references to definitions not in `known` made untyped (a v2 client rejects a whole document over one dangling reference). */
export function withoutDanglingRefs(schema: unknown, known: ReadonlySet<string>): unknown {
  if (!isObj(schema)) return schema;
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith(V2_DEFINITIONS_PREFIX) && !known.has(schema.$ref.slice(V2_DEFINITIONS_PREFIX.length))) {
    const { $ref: _dropped, ...rest } = schema;
    return rest;
  }
  const out: OpenApiV2Schema = { ...schema };
  if (isObj(schema.properties)) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, withoutDanglingRefs(v, known)]));
  if (schema.items !== undefined) out.items = Array.isArray(schema.items) ? schema.items.map((v) => withoutDanglingRefs(v, known)) : withoutDanglingRefs(schema.items, known);
  if (isObj(schema.additionalProperties)) out.additionalProperties = withoutDanglingRefs(schema.additionalProperties, known);
  if (Array.isArray(schema.allOf)) out.allOf = schema.allOf.map((v) => withoutDanglingRefs(v, known));
  return out;
}
