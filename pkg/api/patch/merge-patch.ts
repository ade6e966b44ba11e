// RFC 7386 JSON Merge Patch (`application/merge-patch+json`): objects merge member by member,
// `null` deletes a member, anything else (lists included) replaces the target value.
import type { Json, JsonObject } from '../types';
import { MalformedPatchError, UnprocessablePatchError } from './errors';
import { cloneJson, hasMember, isJson, isJsonObject, setMember } from './json-value';

/** The RFC 7386 MergePatch function; returns a new value sharing nothing with its inputs. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  return mergeInto(target === undefined ? undefined : cloneJson(target), patch);
}

/** MergePatch over a target the caller owns (it is modified and returned). */
function mergeInto(target: Json | undefined, patch: Json): Json {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const out: JsonObject = isJsonObject(target) ? target : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[name];
    } else {
      setMember(out, name, mergeInto(hasMember(out, name) ? out[name] : undefined, value));
    }
  }
  return out;
}

/**
 * Apply a merge patch request body to an object, as the API server does: the body must be a JSON
 * object (`null` → MalformedPatchError, 400; a list or scalar would replace the whole object and is
 * refused with UnprocessablePatchError, 422).
 */
export function applyMergePatch(doc: JsonObject, body: unknown): JsonObject {
  if (body === null || body === undefined) throw new MalformedPatchError('a merge patch must be a JSON object, got null');
  if (!isJson(body)) throw new MalformedPatchError('a merge patch must be JSON');
  if (!isJsonObject(body)) {
    throw new UnprocessablePatchError(`a merge patch of an object must be a JSON object, got ${Array.isArray(body) ? 'an array' : typeof body}`);
  }
  return mergePatch(doc, body) as JsonObject;
}
