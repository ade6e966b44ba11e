// core/v1 configmaps and secrets: data keys, the 1 MiB total, immutability, secret types.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { forbidden, invalid, invalidEach, key, required, tooLong } from '../../validation/errors';
import { validateImmutableField } from '../../validation/fields';
import { asObject, asString, semanticEqual } from '../../validation/json';
import { isConfigMapKey, nameIsDNSSubdomain } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { metaValidator } from './common';

/** ConfigMaps and Secrets may hold at most 1 MiB of data. */
export const MAX_DATA_SIZE = 1024 * 1024;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decoded length of a base64 value, or undefined when it is not valid base64. */
export function base64Length(value: unknown): number | undefined {
  if (typeof value !== 'string' || !BASE64.test(value)) return undefined;
  return Buffer.from(value, 'base64').length;
}

function validateConfigMap(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  const data = asObject(obj.data) ?? {};
  const binary = asObject(obj.binaryData) ?? {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...invalidEach(key('data', k), k, isConfigMapKey(k)));
    if (k in binary) errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    total += typeof v === 'string' ? Buffer.byteLength(v) : 0;
  }
  for (const [k, v] of Object.entries(binary)) {
    errs.push(...invalidEach(key('binaryData', k), k, isConfigMapKey(k)));
    const n = base64Length(v);
    if (n === undefined) errs.push(invalid(key('binaryData', k), '<binary data>', 'must be base64-encoded'));
    total += n ?? 0;
  }
  if (total > MAX_DATA_SIZE) errs.push(tooLong('', MAX_DATA_SIZE));
  return errs;
}

/** Once `immutable: true`, neither the flag nor the listed data fields may change. */
export function validateImmutableData(obj: KubeObject, old: KubeObject, fields: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable !== true) return errs;
  if (obj.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) if (!semanticEqual(obj[f], old[f])) errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
  return errs;
}

export const configMapStrategy: Strategy = Object.freeze({
  validate: validateConfigMap,
  validateUpdate: (obj: KubeObject, old: KubeObject) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateImmutableData(obj, old, ['data', 'binaryData'])],
});

/** `stringData` is write-only: merged into `data` (base64), overriding keys present in both. */
function defaultSecret(obj: KubeObject): void {
  if (!asString(obj.type)) obj.type = 'Opaque';
  const stringData = asObject(obj.stringData);
  if (stringData) {
    const data = asObject(obj.data) ?? {};
    for (const [k, v] of Object.entries(stringData)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
    obj.data = data;
  }
  delete obj.stringData;
}

function validateSecret(obj: KubeObject): FieldError[] {
  const errs = metaValidator(true, nameIsDNSSubdomain)(obj);
  const data = asObject(obj.data) ?? {};
  const sizes = new Map<string, number>();
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...invalidEach(key('data', k), k, isConfigMapKey(k)));
    const n = base64Length(v);
    if (n === undefined) errs.push(invalid(key('data', k), '<secret contents redacted>', 'must be base64-encoded'));
    sizes.set(k, n ?? 0);
    total += n ?? 0;
  }
  if (total > MAX_DATA_SIZE) errs.push(tooLong('data', MAX_DATA_SIZE));
  const need = (k: string) => {
    if (!(k in data)) errs.push(required(key('data', k)));
  };
  const decodedJson = (k: string) => {
    if (!(k in data)) return;
    try {
      JSON.parse(Buffer.from(String(data[k]), 'base64').toString('utf8'));
    } catch (e) {
      errs.push(invalid(key('data', k), '<secret contents redacted>', e instanceof Error ? e.message : 'invalid JSON'));
    }
  };
  switch (obj.type) {
    case 'kubernetes.io/service-account-token':
      if (!asString(obj.metadata.annotations?.['kubernetes.io/service-account.name'])) {
        errs.push(required(key('metadata.annotations', 'kubernetes.io/service-account.name')));
      }
      break;
    case 'kubernetes.io/dockercfg':
      need('.dockercfg');
      decodedJson('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      need('.dockerconfigjson');
      decodedJson('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) {
        errs.push(required(key('data', 'username')), required(key('data', 'password')));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!sizes.get('ssh-privatekey')) errs.push(required(key('data', 'ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      need('tls.crt');
      need('tls.key');
      break;
    default:
      break;
  }
  return errs;
}

export const secretStrategy: Strategy = Object.freeze({
  defaults: defaultSecret,
  validate: validateSecret,
  validateUpdate: (obj: KubeObject, old: KubeObject) => [
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
    ...validateImmutableField(obj.type, old.type, 'type'),
    ...validateImmutableData(obj, old, ['data']),
  ],
});

export const serviceAccountStrategy: Strategy = Object.freeze({
  validate: metaValidator(true, nameIsDNSSubdomain),
  validateUpdate: (obj: KubeObject, old: KubeObject) => validateObjectMetaUpdate(obj.metadata, old.metadata),
});
