// Pruning of fields a structural schema does not specify (unless x-kubernetes-preserve-unknown-fields),
// as upstream does on every write of a custom object. Returns the pruned paths for fieldValidation.
import type { JSONSchemaProps } from './types';

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const TYPE_META = new Set(['apiVersion', 'kind', 'metadata']);

/** Removes unknown fields of the object `obj` in place; returns their paths (`spec.foo`). */
export function pruneObject(root: JSONSchemaProps, obj: unknown): string[] {
  const pruned: string[] = [];
  if (isRecord(obj)) pruneNode(root, obj, '', pruned, true);
  return pruned;
}

function pruneNode(s: JSONSchemaProps, v: unknown, path: string, out: string[], keepTypeMeta: boolean): void {
  if (Array.isArray(v)) {
    if (s.items) v.forEach((item, i) => pruneNode(s.items!, item, `${path}[${i}]`, out, false));
    return;
  }
  if (!isRecord(v)) return;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = keepTypeMeta || s['x-kubernetes-embedded-resource'] === true;
  const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  for (const key of Object.keys(v)) {
    if (keepTypeMeta && key === 'metadata') continue;
    const child = s.properties?.[key] ?? additional;
    const p = path ? `${path}.${key}` : key;
    if (child) {
      pruneNode(child, v[key], p, out, false);
      continue;
    }
    if (embedded && TYPE_META.has(key)) continue;
    if (preserve || s.additionalProperties === true) continue;
    delete v[key];
    out.push(p);
  }
}
