// Structural-schema defaulting: absent properties with a `default` get a copy of it, recursively
// through objects, maps (additionalProperties) and list items, as upstream's structural defaulting.
import type { JSONSchemaProps } from './types';

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Applies the schema's defaults to `v` in place (the root object's metadata is left alone). */
export function applyDefaults(s: JSONSchemaProps, v: unknown, root = true): void {
  if (Array.isArray(v)) {
    if (s.items) for (const item of v) applyDefaults(s.items, item, false);
    return;
  }
  if (!isRecord(v)) return;
  for (const [k, child] of Object.entries(s.properties ?? {})) {
    if (root && k === 'metadata') continue;
    if (v[k] === undefined && child.default !== undefined) v[k] = structuredClone(child.default);
    if (v[k] !== undefined) applyDefaults(child, v[k], false);
  }
  if (typeof s.additionalProperties === 'object') {
    for (const [k, x] of Object.entries(v)) if (!s.properties?.[k]) applyDefaults(s.additionalProperties, x, false);
  }
}
