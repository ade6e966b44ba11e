// The patch metadata the patch and apply code consumes, owned here (the consumer) and implemented
// by an adapter over the API catalog's schema facts (schema-adapter.ts) or by hand-built fakes.
//
// A PatchSchema describes one JSON node: an object with named fields (a Go struct), a map with
// arbitrary keys (`isMap`), a list, or a scalar. The list and patch markers of a field sit on the
// schema of the field's value: `podSpec.field('containers')` carries patchStrategy `merge`,
// patchMergeKey `name`, listType `map` and listMapKeys `['name']`, and its `items()` is Container.
import type { Json } from '../types';

export type ListType = 'atomic' | 'set' | 'map';
export type MapType = 'atomic' | 'granular';

export interface PatchSchema {
  /** Schema of a named field of an object node; undefined when the field is unknown. */
  field(name: string): PatchSchema | undefined;
  /** Schema of a list's elements, or of a map's values (`isMap`). */
  items(): PatchSchema | undefined;
  /** `+patchStrategy` as written upstream: `merge`, `replace`, `retainKeys`, `merge,retainKeys`. */
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
  /** `+listType`; when absent, derived from the patch strategy (see `effectiveListType`). */
  readonly listType?: ListType;
  readonly listMapKeys?: readonly string[];
  /** A map with arbitrary string keys (Go `map[string]T`): `items()` is the value schema. */
  readonly isMap?: boolean;
  /** `+mapType` / `+structType`: `atomic` means the whole object is one value for apply. */
  readonly mapType?: MapType;
  /**
   * The value this field has in a zero typed object, when a zero object carries it: `{}` for a
   * non-pointer Go struct (always encoded), `null` for a list or map without `omitempty`, the zero
   * scalar for a scalar without `omitempty`. Absent for pointer and `omitempty` fields. Ownership
   * tracking compares objects as upstream compares typed ones, where such a field is never "unset".
   */
  readonly zero?: Json;
  /** OpenAPI default of a scalar field; used to complete list-map keys (ports' `protocol`). */
  readonly default?: Json;
}

/** The child schema for key `key` of an object or map node. */
export function childSchema(schema: PatchSchema | undefined, key: string): PatchSchema | undefined {
  if (!schema) return undefined;
  return schema.isMap ? schema.items() : schema.field(key);
}

/** The patch strategies of a field (`merge,retainKeys` → ['merge', 'retainKeys']). */
export function patchStrategies(schema: PatchSchema | undefined): readonly string[] {
  const s = schema?.patchStrategy;
  return s ? s.split(',').map((x) => x.trim()).filter((x) => x !== '') : [];
}

/**
 * How server-side apply treats a list: the explicit `listType`, else the one upstream derives from
 * strategic-merge markers (merge + merge key → map keyed by it; merge on scalars → set), else atomic.
 */
export function effectiveListType(schema: PatchSchema | undefined): { type: ListType; keys: readonly string[] } {
  if (schema?.listType === 'map') return { type: 'map', keys: schema.listMapKeys ?? (schema.patchMergeKey ? [schema.patchMergeKey] : []) };
  if (schema?.listType) return { type: schema.listType, keys: [] };
  if (patchStrategies(schema).includes('merge')) {
    return schema?.patchMergeKey ? { type: 'map', keys: [schema.patchMergeKey] } : { type: 'set', keys: [] };
  }
  return { type: 'atomic', keys: [] };
}
