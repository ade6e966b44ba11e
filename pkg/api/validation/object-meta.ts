// metadata of every object: name/generateName per the resource's name rule, namespace presence,
// labels, annotations, owner references, finalizers; and what an update may not change.
import type { FieldError, ObjectMeta } from '../types';
import { FIELD_IMMUTABLE, child, forbidden, index, invalid, invalidEach, required } from './errors';
import { asArray, asObject, asString, objectsOf, semanticEqual } from './json';
import { validateAnnotations, validateLabels } from './labels';
import { isDNS1123Label, isQualifiedName, type NameValidator } from './names';

export interface ObjectMetaRules {
  /** Namespaced resources need metadata.namespace; cluster-scoped ones may not have one. */
  readonly namespaced: boolean;
  readonly name: NameValidator;
}

export const STANDARD_FINALIZERS: readonly string[] = ['kubernetes', 'orphan', 'foregroundDeletion'];

export function validateObjectMeta(meta: ObjectMeta | undefined, rules: ObjectMetaRules, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  const m = asObject(meta) ?? {};
  const name = asString(m.name) ?? '';
  const generateName = asString(m.generateName) ?? '';
  if (generateName !== '') errs.push(...invalidEach(child(path, 'generateName'), generateName, rules.name(generateName, true)));
  if (name === '') errs.push(required(child(path, 'name'), 'name or generateName is required'));
  else errs.push(...invalidEach(child(path, 'name'), name, rules.name(name, false)));
  const namespace = asString(m.namespace) ?? '';
  if (rules.namespaced) {
    if (namespace === '') errs.push(required(child(path, 'namespace')));
    else errs.push(...invalidEach(child(path, 'namespace'), namespace, isDNS1123Label(namespace)));
  } else if (namespace !== '') {
    errs.push(forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  if (m.generation !== undefined && !(typeof m.generation === 'number' && m.generation >= 0)) {
    errs.push(invalid(child(path, 'generation'), m.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateCommonMeta(m, path));
  return errs;
}

function validateCommonMeta(m: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLabels(m.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(path, 'annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, child(path, 'ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, child(path, 'finalizers')));
  return errs;
}

export function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const [ref, i] of objectsOf(refs)) {
    const p = index(path, i);
    const apiVersion = asString(ref.apiVersion) ?? '';
    if (apiVersion === '') errs.push(required(child(p, 'apiVersion'), 'must not be empty'));
    else if (!/^([^/]+\/)?[^/]+$/.test(apiVersion)) errs.push(invalid(child(p, 'apiVersion'), apiVersion, 'must be <group>/<version> or <version>'));
    const kind = asString(ref.kind) ?? '';
    if (kind === '') errs.push(required(child(p, 'kind'), 'must not be empty'));
    const name = asString(ref.name) ?? '';
    if (name === '') errs.push(required(child(p, 'name'), 'must not be empty'));
    if ((asString(ref.uid) ?? '') === '') errs.push(required(child(p, 'uid'), 'must not be empty'));
    if (apiVersion === 'v1' && kind === 'Event') errs.push(invalid(p, ref, '/v1, Kind=Event is disallowed from being an owner'));
    if (ref.controller === true) {
      const current = `${kind}/${name}`;
      if (firstController !== '') {
        errs.push(invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`));
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

export function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = (asArray(finalizers) ?? []).filter((f): f is string => typeof f === 'string');
  for (const f of list) errs.push(...invalidEach(path, f, isQualifiedName(f)));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/** Finalizer names in Namespace spec: a standard name or a fully qualified one (`example.com/x`). */
export function validateKubeFinalizerName(value: string, path: string): FieldError[] {
  const errs = invalidEach(path, value, isQualifiedName(value));
  if (!value.includes('/') && !STANDARD_FINALIZERS.includes(value)) {
    errs.push(invalid(path, value, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

/**
 * What no update may change in metadata (name, namespace, uid, creationTimestamp), no new
 * finalizers while deleting, no generation decrease. Syntax checks are validateObjectMeta's, which
 * the store also runs on update.
 */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, old: ObjectMeta | undefined, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  const m = asObject(meta) ?? {};
  const o = asObject(old) ?? {};
  if (o.deletionTimestamp) {
    const before = new Set((asArray(o.finalizers) ?? []).filter((f) => typeof f === 'string'));
    const added = (asArray(m.finalizers) ?? []).filter((f): f is string => typeof f === 'string' && !before.has(f));
    if (added.length) {
      errs.push(forbidden(child(path, 'finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify([...new Set(added)].sort())}`));
    }
  }
  if (typeof m.generation === 'number' && typeof o.generation === 'number' && m.generation < o.generation) {
    errs.push(invalid(child(path, 'generation'), m.generation, 'must not be decremented'));
  }
  for (const k of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    if (!semanticEqual(m[k], o[k])) errs.push(invalid(child(path, k), m[k] ?? '', FIELD_IMMUTABLE));
  }
  return errs;
}
