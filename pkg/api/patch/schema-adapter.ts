// PatchSchema over the API catalog's schema registry (pkg/api/schema): one node per JSON type,
// with the markers of the field that holds it. Nodes are cached per registry-backed instance.
import type { Json } from '../types';
import type { FieldFacts, JsonType, MessageFacts, SchemaRegistry } from '../schema';
import type { MapType, PatchSchema } from './patch-schema';

/**
 * Defaults of list-map key fields. The fact table carries no OpenAPI defaults; upstream's schema
 * gives these two (`+default="TCP"`), which server-side apply needs to name port items that leave
 * `protocol` out.
 */
const KEY_FIELD_DEFAULTS: Readonly<Record<string, Readonly<Record<string, Json>>>> = {
  'core/v1.ContainerPort': { protocol: 'TCP' },
  'core/v1.ServicePort': { protocol: 'TCP' },
};

/** Patch schemas of the kinds a registry knows, built lazily and cached by this instance. */
export class RegistryPatchSchemas {
  private readonly roots = new Map<string, PatchSchema | undefined>();
  private readonly fieldNodes = new Map<string, Map<string, PatchSchema | undefined>>();

  constructor(private readonly registry: SchemaRegistry) {}

  /** The patch schema of a kind, or undefined when the registry does not know it (custom resources). */
  forKind(group: string, version: string, kind: string): PatchSchema | undefined {
    const key = `${group}/${version}/${kind}`;
    if (!this.roots.has(key)) {
      const message = this.registry.messageFor(group, version, kind);
      this.roots.set(key, message ? this.node(this.registry.typeOfMessage(message), undefined) : undefined);
    }
    return this.roots.get(key);
  }

  private fieldNode(message: MessageFacts, name: string): PatchSchema | undefined {
    let byName = this.fieldNodes.get(message.id);
    if (!byName) {
      byName = new Map();
      this.fieldNodes.set(message.id, byName);
    }
    if (!byName.has(name)) {
      const field = this.registry.fieldOf(message, name);
      const node = field ? this.node(this.registry.typeOfField(field), field, KEY_FIELD_DEFAULTS[message.id]?.[name]) : undefined;
      byName.set(name, node);
    }
    return byName.get(name);
  }

  private node(type: JsonType, field: FieldFacts | undefined, def?: Json): PatchSchema {
    let items: PatchSchema | undefined | null = null;
    const itemType = type.kind === 'list' ? type.items : type.kind === 'map' ? type.values : undefined;
    const mapType = nodeMapType(type, field);
    const zero = field ? zeroOf(type, field) : undefined;
    const node: PatchSchema = {
      field: (name) => (type.kind === 'object' ? this.fieldNode(type.message, name) : undefined),
      items: () => {
        if (items === null) items = itemType ? this.node(itemType, undefined) : undefined;
        return items;
      },
      ...(field?.patchStrategy ? { patchStrategy: field.patchStrategy } : {}),
      ...(field?.patchMergeKey ? { patchMergeKey: field.patchMergeKey } : {}),
      ...(field?.listType ? { listType: field.listType } : {}),
      ...(field?.listMapKeys ? { listMapKeys: field.listMapKeys } : {}),
      ...(type.kind === 'map' ? { isMap: true } : {}),
      ...(mapType ? { mapType } : {}),
      ...(zero !== undefined ? { zero } : {}),
      ...(def !== undefined ? { default: def } : {}),
    };
    return Object.freeze(node);
  }
}

function nodeMapType(type: JsonType, field: FieldFacts | undefined): MapType | undefined {
  if (field?.mapType) return field.mapType;
  if (type.kind === 'object') return type.message.structType;
  // Arbitrary JSON (RawExtension) is one value for apply.
  if (type.kind === 'well-known' && type.shape === 'raw-json') return 'atomic';
  return undefined;
}

/** What a zero Go object encodes for a field (see PatchSchema.zero); undefined when it is omitted. */
function zeroOf(type: JsonType, field: FieldFacts): Json | undefined {
  if (field.pointer) return undefined;
  const isStruct = !field.repeated && field.type.kind === 'message';
  if (isStruct && type.kind === 'object') return {};
  if (isStruct && type.kind === 'well-known') {
    // Structs are never omitted; these marshal to their own zero form.
    switch (type.shape) {
      case 'quantity':
        return '0';
      case 'int-or-string':
        return 0;
      case 'duration':
        return '0s';
      default:
        return null;
    }
  }
  if (field.omitEmpty) return undefined;
  switch (type.kind) {
    case 'list':
    case 'map':
    case 'bytes':
      return null;
    case 'string':
      return '';
    case 'boolean':
      return false;
    case 'integer':
    case 'number':
      return 0;
    default:
      return null;
  }
}
