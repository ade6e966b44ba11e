// Small pure helpers of the generic store: timestamps, the parts of an object a write may change,
// and whether a change bumps metadata.generation.
import type { KubeObject } from '../../api/types';
import { deepEqual } from './deep-equal';

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Everything but metadata and status: what the status subresource may not change. */
export function specPart(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

function valueAt(obj: KubeObject, path: string): unknown {
  let v: unknown = obj;
  for (const seg of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

/** Whether a change between `old` and `next` bumps metadata.generation (the strategy's generationPaths). */
export function generationChanged(paths: readonly string[], next: KubeObject, old: KubeObject): boolean {
  return paths.some((p) => !deepEqual(valueAt(next, p), valueAt(old, p)));
}
