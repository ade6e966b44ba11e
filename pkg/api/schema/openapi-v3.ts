// OpenAPI v3 component schemas of the built-in types, named as upstream names them
// (`io.k8s.api.apps.v1.Deployment`), with the Kubernetes extensions kubectl and server-side apply
// read: x-kubernetes-group-version-kind, -patch-strategy, -patch-merge-key, -list-type,
// -list-map-keys, -map-type. Descriptions are left out. The API server builds `paths` and puts
// these under `components.schemas` of /openapi/v3/apis/<group>/<version>.
import type { FieldFacts, MessageFacts } from './facts';
import type { JsonType, SchemaRegistry } from './schema-registry';

/** A JSON object in OpenAPI schema form. */
export type OpenApiSchema = { readonly [key: string]: unknown };

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export function componentRef(message: MessageFacts): string {
  return `#/components/schemas/${message.modelName}`;
}

function refTo(message: MessageFacts): OpenApiSchema {
  return { $ref: componentRef(message) };
}

/** A value schema for a JSON type, as used for list items and map values. */
function valueSchema(registry: SchemaRegistry, type: JsonType): OpenApiSchema {
  switch (type.kind) {
    case 'string':
      return { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: 'integer', format: type.format };
    case 'number':
      return { type: 'number', format: type.format };
    case 'bytes':
      return { type: 'string', format: 'byte' };
    case 'object':
      // Elements of lists and maps of structs are non-pointer: upstream gives them a default.
      return { allOf: [refTo(type.message)], default: {} };
    case 'well-known':
      return refTo(type.message);
    case 'list':
      return { type: 'array', items: valueSchema(registry, type.items) };
    case 'map':
      return { type: 'object', additionalProperties: valueSchema(registry, type.values) };
  }
}

function propertySchema(registry: SchemaRegistry, field: FieldFacts): OpenApiSchema {
  const type = registry.typeOfField(field);
  let schema: Record<string, unknown>;
  if (type.kind === 'object') {
    schema = { allOf: [refTo(type.message)] };
    if (!field.pointer) schema.default = {};
  } else if (type.kind === 'well-known') {
    schema = { allOf: [refTo(type.message)] };
  } else {
    schema = { ...valueSchema(registry, type) };
  }
  if (field.listType) schema['x-kubernetes-list-type'] = field.listType;
  if (field.listMapKeys && field.listMapKeys.length > 0) schema['x-kubernetes-list-map-keys'] = [...field.listMapKeys];
  if (field.mapType) schema['x-kubernetes-map-type'] = field.mapType;
  if (field.patchMergeKey) schema['x-kubernetes-patch-merge-key'] = field.patchMergeKey;
  if (field.patchStrategy) schema['x-kubernetes-patch-strategy'] = field.patchStrategy;
  return schema;
}

/** Required as upstream's generator decides: `+required`, else not `+optional` and no omitempty. */
function isRequired(field: FieldFacts): boolean {
  if (field.required) return true;
  return !field.optional && !field.omitEmpty;
}

/** The component schema of one message. */
export function messageSchema(registry: SchemaRegistry, message: MessageFacts, gvks: readonly GroupVersionKind[] = []): OpenApiSchema {
  switch (message.shape) {
    case 'time':
    case 'micro-time':
      return { type: 'string', format: 'date-time' };
    case 'duration':
      return { type: 'string' };
    case 'quantity':
      return { oneOf: [{ type: 'string' }, { type: 'number' }] };
    case 'int-or-string':
      return { oneOf: [{ type: 'integer' }, { type: 'string' }], format: 'int-or-string', 'x-kubernetes-int-or-string': true };
    case 'raw-json':
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    case 'list-wrapper':
      return valueSchema(registry, registry.typeOfMessage(message));
    case 'object':
      break;
  }
  const properties: Record<string, OpenApiSchema> = {};
  const required: string[] = [];
  if (message.typeMeta) {
    properties.apiVersion = { type: 'string' };
    properties.kind = { type: 'string' };
  }
  for (const [name, field] of registry.jsonFields(message)) {
    properties[name] = propertySchema(registry, field);
    if (isRequired(field)) required.push(name);
  }
  const sorted: Record<string, OpenApiSchema> = {};
  for (const name of Object.keys(properties).sort()) sorted[name] = properties[name]!;
  const schema: Record<string, unknown> = { type: 'object', properties: sorted };
  if (required.length > 0) schema.required = required;
  if (message.structType === 'atomic') schema['x-kubernetes-map-type'] = 'atomic';
  if (gvks.length > 0) schema['x-kubernetes-group-version-kind'] = gvks.map((g) => ({ group: g.group, kind: g.kind, version: g.version }));
  return schema;
}

/** Messages a message's schema refers to (directly). */
function referencedMessages(registry: SchemaRegistry, message: MessageFacts): MessageFacts[] {
  const out: MessageFacts[] = [];
  const visit = (t: JsonType): void => {
    if (t.kind === 'object' || t.kind === 'well-known') out.push(t.message);
    else if (t.kind === 'list') visit(t.items);
    else if (t.kind === 'map') visit(t.values);
  };
  if (message.shape === 'object') for (const f of registry.jsonFields(message).values()) visit(registry.typeOfField(f));
  return out;
}

/**
 * The component schemas needed for some kinds of one group/version: the kinds' schemas (with
 * x-kubernetes-group-version-kind) and everything they refer to, keyed by component name, sorted.
 * `kinds` are kind names the group/version knows (its own and the common meta kinds such as
 * DeleteOptions); `extraMessages` are further message ids or component names (e.g. Status).
 * Unknown names are skipped, listed in `missing`.
 */
export function schemaComponentsFor(
  registry: SchemaRegistry,
  group: string,
  version: string,
  kinds: readonly string[],
  extraMessages: readonly string[] = [],
): { readonly schemas: Record<string, OpenApiSchema>; readonly missing: readonly string[] } {
  const gvkByMessage = new Map<string, GroupVersionKind[]>();
  const roots: MessageFacts[] = [];
  const missing: string[] = [];
  const addGvk = (m: MessageFacts, kind: string): void => {
    const list = gvkByMessage.get(m.id) ?? [];
    if (!list.some((g) => g.kind === kind)) list.push({ group, version, kind });
    gvkByMessage.set(m.id, list);
  };
  for (const kind of kinds) {
    const m = registry.messageFor(group, version, kind);
    if (!m) {
      missing.push(kind);
      continue;
    }
    addGvk(m, kind);
    roots.push(m);
  }
  // Registered kinds of this group/version met along the way carry their GVK too.
  for (const m of registry.kindsOf(group, version)) if (!gvkByMessage.has(m.id)) gvkByMessage.set(m.id, [{ group, version, kind: m.name }]);
  for (const name of extraMessages) {
    const m = registry.message(name) ?? registry.messageByModelName(name);
    if (m) roots.push(m);
    else missing.push(name);
  }
  const seen = new Map<string, MessageFacts>();
  const queue = [...roots];
  while (queue.length > 0) {
    const m = queue.pop()!;
    if (seen.has(m.id) || m.shape === 'list-wrapper') continue;
    seen.set(m.id, m);
    queue.push(...referencedMessages(registry, m));
  }
  const schemas: Record<string, OpenApiSchema> = {};
  for (const m of [...seen.values()].sort((a, b) => (a.modelName < b.modelName ? -1 : a.modelName > b.modelName ? 1 : 0))) {
    const requested = roots.includes(m);
    schemas[m.modelName] = messageSchema(registry, m, requested || gvkByMessage.has(m.id) ? (gvkByMessage.get(m.id) ?? []) : []);
  }
  return { schemas, missing };
}
