// A strategy built from a short declaration: the name rule, the fields that are required, the
// ones an update may not change, the enumerations, plus optional defaults and extra checks. Most
// of the cluster-infrastructure kinds (storage, networking, admission, flow control…) need no more.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { FIELD_IMMUTABLE, forbidden, invalid, required } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { getIn, isZero, semanticEqual } from '../../validation/json';
import { nameIsDNSSubdomain, type NameValidator } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { metaValidator, preserveStatus, statusStrategy, type StatusStrategyOptions } from './common';

export interface DeclarativeStrategyInput {
  readonly namespaced: boolean;
  /** metadata.name rule (default: DNS-1123 subdomain). */
  readonly name?: NameValidator;
  /** Dot paths (`spec.handler`) that must be present and non-empty. */
  readonly required?: readonly string[];
  /** Dot paths that may not change on update. */
  readonly immutable?: readonly string[];
  /** Dot path → allowed values (absent is fine). */
  readonly enums?: Readonly<Record<string, readonly string[]>>;
  /** Immutable paths with their own message (`updates to parameters are forbidden.`). */
  readonly forbiddenUpdates?: Readonly<Record<string, string>>;
  readonly defaults?: (obj: KubeObject) => void;
  readonly validate?: (obj: KubeObject) => FieldError[];
  readonly validateUpdate?: (obj: KubeObject, old: KubeObject) => FieldError[];
  /** The resource has a status the main resource may not write (reset on create, kept on update). */
  readonly hasStatus?: boolean;
  /** Paths whose change bumps metadata.generation. */
  readonly generationPaths?: readonly string[];
}

function at(obj: KubeObject, path: string): unknown {
  return getIn(obj, ...path.split('.'));
}

function validateDeclared(input: DeclarativeStrategyInput, obj: KubeObject): FieldError[] {
  const errs = metaValidator(input.namespaced, input.name ?? nameIsDNSSubdomain)(obj);
  for (const path of input.required ?? []) {
    const v = at(obj, path);
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) errs.push(required(path));
  }
  for (const [path, allowed] of Object.entries(input.enums ?? {})) errs.push(...validateEnum(at(obj, path), allowed, path));
  errs.push(...(input.validate?.(obj) ?? []));
  return errs;
}

function validateDeclaredUpdate(input: DeclarativeStrategyInput, obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  for (const path of input.immutable ?? []) {
    const now = at(obj, path);
    const before = at(old, path);
    if (!semanticEqual(now, before) && !(isZero(now) && isZero(before))) errs.push(invalid(path, now ?? null, FIELD_IMMUTABLE));
  }
  for (const [path, message] of Object.entries(input.forbiddenUpdates ?? {})) {
    if (!semanticEqual(at(obj, path), at(old, path))) errs.push(forbidden(path, message));
  }
  errs.push(...(input.validateUpdate?.(obj, old) ?? []));
  return errs;
}

/** The main resource's strategy (the store runs `validate` on updates too, then `validateUpdate`). */
export function declarativeStrategy(input: DeclarativeStrategyInput): Strategy {
  return Object.freeze({
    ...(input.defaults ? { defaults: input.defaults } : {}),
    ...(input.hasStatus
      ? {
          prepareForCreate(obj: KubeObject) {
            delete obj.status;
          },
          prepareForUpdate: preserveStatus,
        }
      : {}),
    validate: (obj: KubeObject) => validateDeclared(input, obj),
    validateUpdate: (obj: KubeObject, old: KubeObject) => validateDeclaredUpdate(input, obj, old),
    ...(input.generationPaths ? { generationPaths: Object.freeze([...input.generationPaths]) } : {}),
  });
}

/** `<resource>/status` of a declarative resource. */
export function declarativeStatusStrategy(opts: StatusStrategyOptions = {}): Strategy {
  return statusStrategy(opts);
}
