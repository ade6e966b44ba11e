// Schema facts of the built-in Kubernetes types: one record per protobuf message with, per field,
// its JSON name, protobuf field number, type, Go encoding traits (pointer, omitempty, inline) and
// the list/map/patch markers that strategic merge patch and server-side apply need.
//
// The generator (scripts/gen-api-schema) writes these facts in the compact encoding defined below;
// the registry decodes one package lazily, the first time a message of it is asked for.

export type ScalarType = 'string' | 'bool' | 'bytes' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'double' | 'float';

export type FieldType =
  | { readonly kind: 'scalar'; readonly scalar: ScalarType }
  /** `ref` is a message id: `<package key>.<MessageName>`, e.g. `apps/v1.Deployment`. */
  | { readonly kind: 'message'; readonly ref: string }
  | { readonly kind: 'map'; readonly key: ScalarType; readonly value: MapValueType };

export type MapValueType = Exclude<FieldType, { kind: 'map' }>;

export type ListType = 'atomic' | 'set' | 'map';
export type MapType = 'atomic' | 'granular';

/**
 * How a message looks in JSON. Most are objects; the well-known apimachinery types marshal to
 * scalars, and named slice types (`ExtraValue []string`) are wrapped in a message in protobuf only.
 */
export type MessageShape =
  | 'object'
  | 'time' // meta/v1.Time: RFC 3339 string, seconds precision, null when zero
  | 'micro-time' // meta/v1.MicroTime: RFC 3339 string with microseconds
  | 'duration' // meta/v1.Duration: Go duration string ("1h2m3s")
  | 'quantity' // resource.Quantity: canonical string (a number is accepted on input)
  | 'int-or-string' // intstr.IntOrString: a JSON integer or string
  | 'raw-json' // runtime.RawExtension, runtime.Unknown, meta/v1.FieldsV1: any JSON value
  | 'list-wrapper'; // a message holding one repeated field that is a bare JSON array

export interface FieldFacts {
  /** JSON name; for an inline field, the protobuf name (its members appear in the parent). */
  readonly jsonName: string;
  readonly number: number;
  readonly type: FieldType;
  readonly repeated: boolean;
  /** Go pointer: present-but-zero survives JSON encoding; absent is nil. */
  readonly pointer: boolean;
  readonly omitEmpty: boolean;
  /** Go embedded with `json:",inline"`: the members are flattened into the parent JSON object. */
  readonly inline: boolean;
  /** `json:"-"`: carried in protobuf only. */
  readonly jsonSkip: boolean;
  /** `+optional` / `+required` markers. */
  readonly optional: boolean;
  readonly required: boolean;
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
  readonly listType?: ListType;
  readonly listMapKeys?: readonly string[];
  readonly mapType?: MapType;
}

export interface MessageFacts {
  /** `<package key>.<Name>`, e.g. `core/v1.PodSpec`, `meta/v1.ObjectMeta`. */
  readonly id: string;
  readonly name: string;
  readonly packageKey: string;
  /** OpenAPI component name, e.g. `io.k8s.api.core.v1.PodSpec`. */
  readonly modelName: string;
  readonly shape: MessageShape;
  /** Embeds TypeMeta: `apiVersion` and `kind` are accepted in JSON. */
  readonly typeMeta: boolean;
  readonly structType?: MapType;
  readonly fields: readonly FieldFacts[];
}

export interface PackageFacts {
  /** `apps/v1`, `core/v1`, `meta/v1`, `runtime`, `resource`, `intstr`. */
  readonly key: string;
  /** `k8s.io.api.apps.v1` */
  readonly protoPackage: string;
  /** API group and version the package registers, when it registers kinds. */
  readonly group?: string;
  readonly version?: string;
  /** Message ids registered as kinds of this group/version (register.go). */
  readonly kinds: readonly string[];
  /** Kinds every group/version gains from meta/v1 (WatchEvent, the options types): set on meta/v1. */
  readonly commonKinds: readonly string[];
  /** The package's register.go adds the common meta kinds to its group/version. */
  readonly addsCommonKinds: boolean;
  readonly messages: readonly MessageFacts[];
}

// ---- compact encoding ------------------------------------------------------------------------
//
// package: {"k":key,"p":protoPackage,"g"?:group,"v"?:version,"K":[kind refs],"C"?:[common],"a"?:1,
//           "m":[[name, messageFlags, [field...], shape?]...]}
// field:   [jsonName, number, type, fieldFlags, extras?]
// type:    scalar name | "Name" (same package) | "pkg/key.Name" | "{" + value type (map<string, …>)
// extras:  {"s"?: patchStrategy, "k"?: patchMergeKey, "m"?: listMapKeys}
// A kind ref is a type ref to a message.

const F_REPEATED = 1;
const F_POINTER = 2;
const F_OMITEMPTY = 4;
const F_INLINE = 8;
const F_OPTIONAL = 16;
const F_REQUIRED = 32;
const F_JSON_SKIP = 64;
const F_LIST_SHIFT = 7; // 2 bits: 1 atomic, 2 set, 3 map
const F_MAP_SHIFT = 9; // 2 bits: 1 atomic, 2 granular

const M_TYPEMETA = 1;
const M_STRUCT_SHIFT = 1; // 2 bits: 1 atomic, 2 granular

const LIST_TYPES: readonly ListType[] = ['atomic', 'set', 'map'];
const MAP_TYPES: readonly MapType[] = ['atomic', 'granular'];
const SCALARS: ReadonlySet<string> = new Set(['string', 'bool', 'bytes', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float']);

export function isScalarType(name: string): name is ScalarType {
  return SCALARS.has(name);
}

type EncodedExtras = { s?: string; k?: string; m?: string[] };
type EncodedField = [string, number, string, number, EncodedExtras?];
type EncodedMessage = [string, number, EncodedField[], MessageShape?];
interface EncodedPackage {
  k: string;
  p: string;
  g?: string;
  v?: string;
  K: string[];
  C?: string[];
  a?: 1;
  m: EncodedMessage[];
}

function encodeTypeRef(type: FieldType, pkgKey: string): string {
  switch (type.kind) {
    case 'scalar':
      return type.scalar;
    case 'message': {
      const local = `${pkgKey}.`;
      return type.ref.startsWith(local) && !type.ref.slice(local.length).includes('.') ? type.ref.slice(local.length) : type.ref;
    }
    case 'map':
      if (type.key !== 'string') throw new Error(`map key type ${type.key} is not supported; expected string`);
      return `{${encodeTypeRef(type.value, pkgKey)}`;
  }
}

function decodeTypeRef(text: string, pkgKey: string): FieldType {
  if (text.startsWith('{')) {
    const value = decodeTypeRef(text.slice(1), pkgKey);
    if (value.kind === 'map') throw new Error(`nested map type ${text} is not supported`);
    return { kind: 'map', key: 'string', value };
  }
  if (isScalarType(text)) return { kind: 'scalar', scalar: text };
  const dot = text.lastIndexOf('.');
  return { kind: 'message', ref: dot < 0 ? `${pkgKey}.${text}` : text };
}

export function encodePackage(pkg: PackageFacts): string {
  const out: EncodedPackage = { k: pkg.key, p: pkg.protoPackage, K: [], m: [] };
  if (pkg.group !== undefined) out.g = pkg.group;
  if (pkg.version !== undefined) out.v = pkg.version;
  out.K = pkg.kinds.map((ref) => encodeTypeRef({ kind: 'message', ref }, pkg.key));
  if (pkg.commonKinds.length > 0) out.C = pkg.commonKinds.map((ref) => encodeTypeRef({ kind: 'message', ref }, pkg.key));
  if (pkg.addsCommonKinds) out.a = 1;
  for (const m of pkg.messages) {
    let mflags = m.typeMeta ? M_TYPEMETA : 0;
    if (m.structType) mflags |= (MAP_TYPES.indexOf(m.structType) + 1) << M_STRUCT_SHIFT;
    const fields: EncodedField[] = m.fields.map((f) => {
      let flags = 0;
      if (f.repeated) flags |= F_REPEATED;
      if (f.pointer) flags |= F_POINTER;
      if (f.omitEmpty) flags |= F_OMITEMPTY;
      if (f.inline) flags |= F_INLINE;
      if (f.optional) flags |= F_OPTIONAL;
      if (f.required) flags |= F_REQUIRED;
      if (f.jsonSkip) flags |= F_JSON_SKIP;
      if (f.listType) flags |= (LIST_TYPES.indexOf(f.listType) + 1) << F_LIST_SHIFT;
      if (f.mapType) flags |= (MAP_TYPES.indexOf(f.mapType) + 1) << F_MAP_SHIFT;
      const row: EncodedField = [f.jsonName, f.number, encodeTypeRef(f.type, pkg.key), flags];
      const extras: EncodedExtras = {};
      if (f.patchStrategy) extras.s = f.patchStrategy;
      if (f.patchMergeKey) extras.k = f.patchMergeKey;
      if (f.listMapKeys && f.listMapKeys.length > 0) extras.m = [...f.listMapKeys];
      if (Object.keys(extras).length > 0) row.push(extras);
      return row;
    });
    const row: EncodedMessage = [m.name, mflags, fields];
    if (m.shape !== 'object') row.push(m.shape);
    out.m.push(row);
  }
  return JSON.stringify(out);
}

/** OpenAPI component name of a message in a protobuf package: `k8s.io.api.X` → `io.k8s.api.X`. */
export function modelNameOf(protoPackage: string, messageName: string): string {
  const prefix = protoPackage.startsWith('k8s.io.') ? `io.k8s.${protoPackage.slice('k8s.io.'.length)}` : protoPackage;
  return `${prefix}.${messageName}`;
}

function decodeFlag<T>(flags: number, shift: number, values: readonly T[]): T | undefined {
  const v = (flags >> shift) & 3;
  return v === 0 ? undefined : values[v - 1];
}

export function decodePackage(text: string): PackageFacts {
  const raw = JSON.parse(text) as EncodedPackage;
  const key = raw.k;
  const messages: MessageFacts[] = raw.m.map(([name, mflags, fields, shape]) => {
    const structType = decodeFlag(mflags, M_STRUCT_SHIFT, MAP_TYPES);
    const decodedFields: FieldFacts[] = fields.map(([jsonName, number, type, flags, extras]) => {
      const f: {
        -readonly [K in keyof FieldFacts]: FieldFacts[K];
      } = {
        jsonName,
        number,
        type: decodeTypeRef(type, key),
        repeated: (flags & F_REPEATED) !== 0,
        pointer: (flags & F_POINTER) !== 0,
        omitEmpty: (flags & F_OMITEMPTY) !== 0,
        inline: (flags & F_INLINE) !== 0,
        jsonSkip: (flags & F_JSON_SKIP) !== 0,
        optional: (flags & F_OPTIONAL) !== 0,
        required: (flags & F_REQUIRED) !== 0,
      };
      const listType = decodeFlag(flags, F_LIST_SHIFT, LIST_TYPES);
      if (listType) f.listType = listType;
      const mapType = decodeFlag(flags, F_MAP_SHIFT, MAP_TYPES);
      if (mapType) f.mapType = mapType;
      if (extras?.s) f.patchStrategy = extras.s;
      if (extras?.k) f.patchMergeKey = extras.k;
      if (extras?.m) f.listMapKeys = Object.freeze(extras.m);
      return Object.freeze(f);
    });
    const m: MessageFacts = {
      id: `${key}.${name}`,
      name,
      packageKey: key,
      modelName: modelNameOf(raw.p, name),
      shape: shape ?? 'object',
      typeMeta: (mflags & M_TYPEMETA) !== 0,
      ...(structType ? { structType } : {}),
      fields: Object.freeze(decodedFields),
    };
    return Object.freeze(m);
  });
  const refOf = (r: string): string => {
    const t = decodeTypeRef(r, key);
    if (t.kind !== 'message') throw new Error(`kind ref ${r} in package ${key} is not a message`);
    return t.ref;
  };
  return Object.freeze({
    key,
    protoPackage: raw.p,
    ...(raw.g !== undefined ? { group: raw.g } : {}),
    ...(raw.v !== undefined ? { version: raw.v } : {}),
    kinds: Object.freeze(raw.K.map(refOf)),
    commonKinds: Object.freeze((raw.C ?? []).map(refOf)),
    addsCommonKinds: raw.a === 1,
    messages: Object.freeze(messages),
  });
}
