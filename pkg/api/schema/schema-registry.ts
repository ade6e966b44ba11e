// Lookup over the generated fact table: messages by kind, by id and by OpenAPI name; JSON fields
// with inline members flattened; the JSON-level type of a field; and the patch metadata (strategic
// merge patch strategy and merge key, server-side apply list/map types) at a path in an object.
//
// Packages are decoded the first time one of their messages is asked for; a registry instance owns
// its caches, so create one per server (createSchemaRegistry) and pass it to who needs it.
import { SchemaError } from './errors';
import type { FieldFacts, ListType, MapType, MessageFacts, MessageShape, PackageFacts, ScalarType } from './facts';
import { decodePackage } from './facts';
import type { GeneratedPackage } from './generated-package';
import { generatedPackages } from './generated/index';

export type WellKnownShape = Exclude<MessageShape, 'object' | 'list-wrapper'>;

/** What a field holds once encoded as JSON. */
export type JsonType =
  | { readonly kind: 'string' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'integer'; readonly format: 'int32' | 'int64' }
  | { readonly kind: 'number'; readonly format: 'double' | 'float' }
  /** base64 string of bytes */
  | { readonly kind: 'bytes' }
  | { readonly kind: 'object'; readonly message: MessageFacts }
  | { readonly kind: 'well-known'; readonly shape: WellKnownShape; readonly message: MessageFacts }
  | { readonly kind: 'list'; readonly items: JsonType }
  | { readonly kind: 'map'; readonly values: JsonType };

/** Patch-relevant facts about the value at a path (see patchMetaAt). */
export interface PatchMeta {
  readonly type: JsonType;
  /** The field holding the value; absent for the root, list items and map values. */
  readonly field?: FieldFacts;
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
  readonly listType?: ListType;
  readonly listMapKeys?: readonly string[];
  readonly mapType?: MapType;
  /** `+structType` of the message the value is an instance of. */
  readonly structType?: MapType;
}

export interface GroupVersion {
  readonly group: string;
  readonly version: string;
}

const STRING: JsonType = Object.freeze({ kind: 'string' });
const BOOLEAN: JsonType = Object.freeze({ kind: 'boolean' });
const BYTES: JsonType = Object.freeze({ kind: 'bytes' });
const INT32: JsonType = Object.freeze({ kind: 'integer', format: 'int32' });
const INT64: JsonType = Object.freeze({ kind: 'integer', format: 'int64' });
const DOUBLE: JsonType = Object.freeze({ kind: 'number', format: 'double' });
const FLOAT: JsonType = Object.freeze({ kind: 'number', format: 'float' });

export class SchemaRegistry {
  private readonly entries = new Map<string, GeneratedPackage>();
  private readonly keyByProto = new Map<string, string>();
  private readonly keyByGroupVersion = new Map<string, string>();
  private readonly decoded = new Map<string, { facts: PackageFacts; byName: Map<string, MessageFacts> }>();
  private readonly jsonFieldCache = new Map<string, ReadonlyMap<string, FieldFacts>>();

  constructor(packages: readonly GeneratedPackage[]) {
    for (const p of packages) {
      this.entries.set(p.key, p);
      this.keyByProto.set(p.protoPackage, p.key);
      if (p.group !== undefined && p.version !== undefined) this.keyByGroupVersion.set(`${p.group}/${p.version}`, p.key);
    }
  }

  /** Every group/version the fact table registers kinds for (including meta.k8s.io/v1). */
  groupVersions(): readonly GroupVersion[] {
    return [...this.entries.values()]
      .filter((p) => p.group !== undefined && p.version !== undefined)
      .map((p) => ({ group: p.group!, version: p.version! }));
  }

  packageFacts(key: string): PackageFacts | undefined {
    return this.load(key)?.facts;
  }

  /** A message by id (`apps/v1.Deployment`). */
  message(id: string): MessageFacts | undefined {
    const dot = id.lastIndexOf('.');
    if (dot < 0) return undefined;
    return this.load(id.slice(0, dot))?.byName.get(id.slice(dot + 1));
  }

  /** Like message(), but a missing message is a SchemaError. */
  requireMessage(id: string): MessageFacts {
    const m = this.message(id);
    if (!m) throw new SchemaError('unknown-message', `no schema for message ${id}; expected an id like apps/v1.Deployment`);
    return m;
  }

  /** A message by OpenAPI component name (`io.k8s.api.apps.v1.Deployment`). */
  messageByModelName(modelName: string): MessageFacts | undefined {
    if (!modelName.startsWith('io.k8s.')) return undefined;
    const dot = modelName.lastIndexOf('.');
    const key = this.keyByProto.get(`k8s.io.${modelName.slice('io.k8s.'.length, dot)}`);
    return key === undefined ? undefined : this.load(key)?.byName.get(modelName.slice(dot + 1));
  }

  /** The message a kind of a group/version is encoded with; `group` is '' for the core group. */
  messageFor(group: string, version: string, kind: string): MessageFacts | undefined {
    const key = this.keyByGroupVersion.get(`${group}/${version}`);
    if (key === undefined) return undefined;
    const pkg = this.load(key)!.facts;
    const named = (id: string): boolean => id.slice(id.lastIndexOf('.') + 1) === kind;
    const own = pkg.kinds.find(named);
    if (own) return this.message(own);
    // meta.k8s.io/v1 itself carries the common kinds (as unversioned types).
    if (!pkg.addsCommonKinds && pkg.commonKinds.length === 0) return undefined;
    const common = this.load('meta/v1')?.facts.commonKinds.find(named);
    return common ? this.message(common) : undefined;
  }

  /** The kinds a group/version registers itself (not the common meta kinds). */
  kindsOf(group: string, version: string): readonly MessageFacts[] {
    const key = this.keyByGroupVersion.get(`${group}/${version}`);
    if (key === undefined) return [];
    return this.load(key)!.facts.kinds.map((id) => this.requireMessage(id));
  }

  /**
   * The JSON fields of a message by JSON name, with the members of inline (embedded) fields
   * flattened in, and protobuf-only fields (`json:"-"`) left out. `apiVersion`/`kind` are not
   * fields: see MessageFacts.typeMeta.
   */
  jsonFields(message: MessageFacts): ReadonlyMap<string, FieldFacts> {
    const cached = this.jsonFieldCache.get(message.id);
    if (cached) return cached;
    const out = new Map<string, FieldFacts>();
    const inlined: FieldFacts[] = [];
    for (const f of message.fields) {
      if (f.jsonSkip) continue;
      if (f.inline && f.type.kind === 'message') inlined.push(f);
      else out.set(f.jsonName, f);
    }
    // As in Go's encoding/json, a shallower field wins over a promoted one of the same name.
    for (const f of inlined) {
      const ref = f.type.kind === 'message' ? f.type.ref : '';
      for (const [name, inner] of this.jsonFields(this.requireMessage(ref))) if (!out.has(name)) out.set(name, inner);
    }
    this.jsonFieldCache.set(message.id, out);
    return out;
  }

  fieldOf(message: MessageFacts, jsonName: string): FieldFacts | undefined {
    return this.jsonFields(message).get(jsonName);
  }

  /** The JSON type of one value of a message (objects, well-known scalars, wrapped lists). */
  typeOfMessage(message: MessageFacts): JsonType {
    switch (message.shape) {
      case 'object':
        return { kind: 'object', message };
      case 'list-wrapper': {
        const inner = message.fields[0];
        if (!inner) throw new SchemaError('facts-corrupt', `list wrapper ${message.id} has no field; expected one repeated field`);
        return { kind: 'list', items: this.elementType(inner) };
      }
      default:
        return { kind: 'well-known', shape: message.shape, message };
    }
  }

  /** The JSON type of a field's value: lists for repeated fields, maps for map fields. */
  typeOfField(field: FieldFacts): JsonType {
    const t = field.type;
    if (t.kind === 'map') {
      const values = t.value.kind === 'scalar' ? scalarType(t.value.scalar) : this.typeOfMessage(this.requireMessage(t.value.ref));
      return { kind: 'map', values };
    }
    const element = this.elementType(field);
    return field.repeated ? { kind: 'list', items: element } : element;
  }

  private elementType(field: FieldFacts): JsonType {
    const t = field.type;
    if (t.kind === 'scalar') return scalarType(t.scalar);
    if (t.kind === 'message') return this.typeOfMessage(this.requireMessage(t.ref));
    throw new SchemaError('facts-corrupt', `field ${field.jsonName} is a map where an element type was expected`);
  }

  /**
   * Patch metadata of the value at `path` below a root message. Segments name object fields;
   * at a list, a numeric segment selects an item and a name descends into the item type
   * implicitly (as strategic merge patch paths do); at a map, a segment is a key. Undefined when
   * the path leaves the schema.
   */
  patchMetaAt(root: MessageFacts | string, path: readonly string[]): PatchMeta | undefined {
    const rootMessage = typeof root === 'string' ? this.message(root) : root;
    if (!rootMessage) return undefined;
    let type: JsonType = this.typeOfMessage(rootMessage);
    let field: FieldFacts | undefined;
    for (const seg of path) {
      if (type.kind === 'list') {
        if (/^\d+$/.test(seg)) {
          type = type.items;
          field = undefined;
          continue;
        }
        type = type.items;
      }
      if (type.kind === 'map') {
        type = type.values;
        field = undefined;
        continue;
      }
      if (type.kind !== 'object') return undefined;
      const next = this.fieldOf(type.message, seg);
      if (!next) return undefined;
      field = next;
      type = this.typeOfField(next);
    }
    const structType = type.kind === 'object' ? type.message.structType : undefined;
    return {
      type,
      ...(field ? { field } : {}),
      ...(field?.patchStrategy ? { patchStrategy: field.patchStrategy } : {}),
      ...(field?.patchMergeKey ? { patchMergeKey: field.patchMergeKey } : {}),
      ...(field?.listType ? { listType: field.listType } : {}),
      ...(field?.listMapKeys ? { listMapKeys: field.listMapKeys } : {}),
      ...(field?.mapType ? { mapType: field.mapType } : {}),
      ...(structType ? { structType } : {}),
    };
  }

  private load(key: string): { facts: PackageFacts; byName: Map<string, MessageFacts> } | undefined {
    const hit = this.decoded.get(key);
    if (hit) return hit;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    let facts: PackageFacts;
    try {
      facts = decodePackage(entry.data);
    } catch (err) {
      throw new SchemaError('facts-corrupt', `schema facts of package ${key} do not decode: ${(err as Error).message}`);
    }
    const byName = new Map(facts.messages.map((m) => [m.name, m] as const));
    const loaded = { facts, byName };
    this.decoded.set(key, loaded);
    return loaded;
  }
}

function scalarType(scalar: ScalarType): JsonType {
  switch (scalar) {
    case 'string':
      return STRING;
    case 'bool':
      return BOOLEAN;
    case 'bytes':
      return BYTES;
    case 'int32':
    case 'uint32':
      return INT32;
    case 'int64':
    case 'uint64':
      return INT64;
    case 'double':
      return DOUBLE;
    case 'float':
      return FLOAT;
  }
}

/**
 * How server-side apply treats a list: the explicit `+listType`, else what the patch strategy
 * implies (merge with a key → map keyed by it, merge without → set), else atomic.
 */
export function effectiveListType(meta: Pick<PatchMeta, 'listType' | 'listMapKeys' | 'patchStrategy' | 'patchMergeKey'>): {
  readonly listType: ListType;
  readonly keys: readonly string[];
} {
  if (meta.listType) return { listType: meta.listType, keys: meta.listType === 'map' ? (meta.listMapKeys ?? []) : [] };
  const merge = (meta.patchStrategy ?? '').split(',').includes('merge');
  if (merge && meta.patchMergeKey) return { listType: 'map', keys: [meta.patchMergeKey] };
  if (merge) return { listType: 'set', keys: [] };
  return { listType: 'atomic', keys: [] };
}

/** A registry over the bundled Kubernetes 1.36 fact table. */
export function createSchemaRegistry(packages: readonly GeneratedPackage[] = generatedPackages): SchemaRegistry {
  return new SchemaRegistry(packages);
}
