// RFC 6902 JSON Patch (`application/json-patch+json`): add, remove, replace, move, copy, test,
// applied in order to a copy of the document; the first failing operation aborts the whole patch.
import type { Json, JsonObject } from '../types';
import {
  MalformedPatchError,
  TestFailedError,
  TooManyOperationsError,
  UnprocessablePatchError,
} from './errors';
import { cloneJson, hasMember, isJsonObject, jsonEqual, setMember } from './json-value';
import { parseArrayIndex, parsePointer } from './json-pointer';

/** Upstream's limit on operations in one json-patch request (more → 413). */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

export type JsonPatchOperation =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: Json }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'move' | 'copy'; readonly from: string; readonly path: string };

/**
 * Read a parsed request body as a list of operations. Throws MalformedPatchError (400) when the body
 * is not an array of objects, TooManyOperationsError (413) past the limit and
 * UnprocessablePatchError (422) for an operation with an unknown `op` or missing members.
 */
export function decodeJsonPatch(body: unknown, maxOperations = MAX_JSON_PATCH_OPERATIONS): JsonPatchOperation[] {
  if (!Array.isArray(body)) throw new MalformedPatchError('a json patch must be a JSON array of operations');
  if (body.length > maxOperations) throw new TooManyOperationsError(body.length, maxOperations);
  return body.map((raw: unknown, i) => {
    if (!isJsonObject(raw)) throw new MalformedPatchError(`json patch operation ${i} must be a JSON object, got ${JSON.stringify(raw)}`);
    const { op, path } = raw;
    if (typeof op !== 'string') throw new UnprocessablePatchError(`json patch operation ${i} has no "op"; expected one of add, remove, replace, move, copy, test`);
    if (typeof path !== 'string') throw new UnprocessablePatchError(`json patch operation ${i} (${op}) has no "path" string`);
    switch (op) {
      case 'add':
      case 'replace':
      case 'test':
        if (!('value' in raw)) throw new UnprocessablePatchError(`json patch operation ${i} (${op} ${path}) has no "value"`);
        return { op, path, value: raw.value as Json };
      case 'remove':
        return { op, path };
      case 'move':
      case 'copy': {
        const from = raw.from;
        if (typeof from !== 'string') throw new UnprocessablePatchError(`json patch operation ${i} (${op} ${path}) has no "from" string`);
        return { op, from, path };
      }
      default:
        throw new UnprocessablePatchError(`json patch operation ${i} has unknown op ${JSON.stringify(op)}; expected one of add, remove, replace, move, copy, test`);
    }
  });
}

/** Apply a json patch (a parsed request body or decoded operations) to a copy of `doc`. */
export function applyJsonPatch(doc: Json, patch: unknown): Json {
  const ops = decodeJsonPatch(patch);
  const box: { root: Json } = { root: cloneJson(doc) };
  for (const op of ops) applyOperation(box, op);
  return box.root;
}

function applyOperation(box: { root: Json }, op: JsonPatchOperation): void {
  switch (op.op) {
    case 'add':
      add(box, op.path, cloneJson(op.value));
      return;
    case 'remove':
      remove(box, op.path);
      return;
    case 'replace':
      replace(box, op.path, cloneJson(op.value));
      return;
    case 'test':
      test(box.root, op.path, op.value);
      return;
    case 'copy':
      add(box, op.path, cloneJson(get(box.root, op.from, 'copy')));
      return;
    case 'move': {
      if (op.from === op.path) {
        get(box.root, op.from, 'move');
        return;
      }
      if (op.path.startsWith(`${op.from}/`)) {
        throw new UnprocessablePatchError(`move operation cannot move ${op.from} into its own child ${op.path}`);
      }
      const value = get(box.root, op.from, 'move');
      remove(box, op.from);
      add(box, op.path, value);
      return;
    }
  }
}

type Container = Json[] | JsonObject;

/** The parent container of the pointer's target and the last token; undefined parent for the root. */
function locate(root: Json, path: string, what: string): { parent: Container; token: string } | undefined {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return undefined;
  let node: Json = root;
  for (const token of tokens.slice(0, -1)) {
    const next = childOf(node, token);
    if (next === undefined) throw new UnprocessablePatchError(`${what} operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
    node = next;
  }
  if (node === null || typeof node !== 'object') {
    throw new UnprocessablePatchError(`${what} operation does not apply: the parent of ${JSON.stringify(path)} is not an object or array`);
  }
  return { parent: node, token: tokens[tokens.length - 1] as string };
}

function childOf(node: Json, token: string): Json | undefined {
  if (Array.isArray(node)) {
    const i = parseArrayIndex(token);
    return i === undefined ? undefined : node[i];
  }
  if (isJsonObject(node)) return hasMember(node, token) ? node[token] : undefined;
  return undefined;
}

function get(root: Json, path: string, what: string): Json {
  const loc = locate(root, path, what);
  if (!loc) return root;
  const v = childOf(loc.parent, loc.token);
  if (v === undefined) throw new UnprocessablePatchError(`${what} operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
  return v;
}

function add(box: { root: Json }, path: string, value: Json): void {
  const loc = locate(box.root, path, 'add');
  if (!loc) {
    box.root = value;
    return;
  }
  const { parent, token } = loc;
  if (Array.isArray(parent)) {
    if (token === '-') {
      parent.push(value);
      return;
    }
    const i = parseArrayIndex(token);
    if (i === undefined || i > parent.length) {
      throw new UnprocessablePatchError(`add operation does not apply: index ${JSON.stringify(token)} of ${JSON.stringify(path)} is out of bounds (array length ${parent.length})`);
    }
    parent.splice(i, 0, value);
    return;
  }
  setMember(parent, token, value);
}

function remove(box: { root: Json }, path: string): void {
  const loc = locate(box.root, path, 'remove');
  if (!loc) throw new UnprocessablePatchError('remove operation does not apply: the whole document cannot be removed');
  const { parent, token } = loc;
  if (Array.isArray(parent)) {
    const i = parseArrayIndex(token);
    if (i === undefined || i >= parent.length) {
      throw new UnprocessablePatchError(`remove operation does not apply: index ${JSON.stringify(token)} of ${JSON.stringify(path)} is out of bounds (array length ${parent.length})`);
    }
    parent.splice(i, 1);
    return;
  }
  if (!hasMember(parent, token)) {
    throw new UnprocessablePatchError(`remove operation does not apply: doc is missing key: ${JSON.stringify(path)}`);
  }
  delete parent[token];
}

function replace(box: { root: Json }, path: string, value: Json): void {
  const loc = locate(box.root, path, 'replace');
  if (!loc) {
    box.root = value;
    return;
  }
  const { parent, token } = loc;
  if (Array.isArray(parent)) {
    const i = parseArrayIndex(token);
    if (i === undefined || i >= parent.length) {
      throw new UnprocessablePatchError(`replace operation does not apply: index ${JSON.stringify(token)} of ${JSON.stringify(path)} is out of bounds (array length ${parent.length})`);
    }
    parent[i] = value;
    return;
  }
  if (!hasMember(parent, token)) {
    throw new UnprocessablePatchError(`replace operation does not apply: doc is missing key: ${JSON.stringify(path)}`);
  }
  setMember(parent, token, value);
}

function test(root: Json, path: string, expected: Json): void {
  const loc = locate(root, path, 'test');
  const actual = loc ? childOf(loc.parent, loc.token) : root;
  // Like upstream's library, testing `null` against a missing member succeeds.
  if (actual === undefined ? expected === null : jsonEqual(actual, expected)) return;
  throw new TestFailedError(path);
}
