// The PATCH content types and one entry point for the three patch formats that transform a stored
// object directly (server-side apply, the fourth, lives in pkg/api/apply).
import type { JsonObject } from '../types';
import { UnprocessablePatchError } from './errors';
import { applyJsonPatch } from './json-patch';
import { isJsonObject } from './json-value';
import { applyMergePatch } from './merge-patch';
import type { PatchSchema } from './patch-schema';
import { applyStrategicMergePatch } from './strategic-merge-patch';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** The patch type of a Content-Type header (parameters such as `; charset=utf-8` ignored). */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const base = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  for (const [type, media] of Object.entries(PATCH_CONTENT_TYPES)) if (media === base) return type as PatchType;
  return undefined;
}

/**
 * Apply a json, merge or strategic merge patch (a parsed request body) to a copy of `original`.
 * `schema` is the kind's patch metadata (undefined for custom resources: strategic merge patch is
 * then refused with UnsupportedPatchTypeError, 415). Throws PatchError (see errors.ts).
 */
export function patchObject(type: Exclude<PatchType, 'apply'>, original: JsonObject, body: unknown, schema: PatchSchema | undefined): JsonObject {
  switch (type) {
    case 'json': {
      const out = applyJsonPatch(original, body);
      if (!isJsonObject(out)) throw new UnprocessablePatchError('the json patch replaced the object with a value that is not an object');
      return out;
    }
    case 'merge':
      return applyMergePatch(original, body);
    case 'strategic':
      return applyStrategicMergePatch(original, body, schema);
  }
}
