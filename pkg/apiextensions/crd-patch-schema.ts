// PatchSchema (list types, map keys, map types) over a structural schema, for server-side apply
// of custom objects, and an open one for objects whose schema k3ts does not hold as facts.
import type { ListType, MapType, PatchSchema } from '../api/patch';
import type { JSONSchemaProps } from './types';

/** The patch/apply metadata of a structural schema node, built lazily and cached per node. */
export function structuralPatchSchema(s: JSONSchemaProps): PatchSchema {
  const fields = new Map<string, PatchSchema | undefined>();
  let items: PatchSchema | undefined | null = null;
  const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  const listType = s['x-kubernetes-list-type'] as ListType | undefined;
  const mapType = s['x-kubernetes-map-type'] as MapType | undefined;
  return {
    field(name) {
      if (!fields.has(name)) {
        const child = s.properties?.[name];
        fields.set(name, child ? structuralPatchSchema(child) : s['x-kubernetes-preserve-unknown-fields'] || s['x-kubernetes-embedded-resource'] ? OPEN_PATCH_SCHEMA : undefined);
      }
      return fields.get(name);
    },
    items() {
      if (items === null) items = s.items ? structuralPatchSchema(s.items) : additional ? structuralPatchSchema(additional) : s['x-kubernetes-preserve-unknown-fields'] ? OPEN_PATCH_SCHEMA : undefined;
      return items;
    },
    ...(listType ? { listType } : {}),
    ...(listType === 'map' && s['x-kubernetes-list-map-keys'] ? { listMapKeys: [...s['x-kubernetes-list-map-keys']] } : {}),
    ...(additional && !s.properties ? { isMap: true } : {}),
    ...(mapType ? { mapType } : {}),
    ...(s.default !== undefined && typeof s.default !== 'object' ? { default: s.default as string | number | boolean } : {}),
  };
}

/** Any JSON: objects merge field by field, lists are atomic. */
export const OPEN_PATCH_SCHEMA: PatchSchema = Object.freeze({
  field: () => OPEN_PATCH_SCHEMA,
  items: () => OPEN_PATCH_SCHEMA,
});

/** The root of a custom object: metadata and type meta are open, the rest follows the schema. */
export function rootPatchSchema(s: JSONSchemaProps): PatchSchema {
  const inner = structuralPatchSchema(s);
  return {
    field: (name) => (name === 'metadata' || name === 'apiVersion' || name === 'kind' ? OPEN_PATCH_SCHEMA : inner.field(name)),
    items: () => undefined,
  };
}
