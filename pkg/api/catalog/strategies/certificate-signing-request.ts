// certificates.k8s.io/v1 certificatesigningrequests. Facts from upstream: the spec never changes
// after creation (updates of it are ignored); `request` is a PEM CERTIFICATE REQUEST, `signerName`
// a domain-prefixed path, `usages` a non-empty list of known key usages, expirationSeconds at least
// 600; status may be written through /status (certificate, Failed…) and the Approved/Denied
// conditions only through /approval, never both at once.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, duplicate, forbidden, index, invalid, invalidEach, required } from '../../validation/errors';
import { validateEnum } from '../../validation/fields';
import { asArray, asObject, asString, clone, objectsOf, type JsonRecord } from '../../validation/json';
import { isDNS1123Subdomain } from '../../validation/names';
import { keepAllButStatus } from './common';
import { declarativeStrategy } from './declarative';

export const KEY_USAGES: readonly string[] = Object.freeze([
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
]);

export const APPROVAL_CONDITIONS = ['Approved', 'Denied'] as const;
/** Only v1beta1 (no longer served) could ask this signer. */
export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';
const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/** `example.com/path`: a DNS subdomain, a slash, then a path. */
export function validateSignerName(value: unknown, path: string): FieldError[] {
  const s = asString(value) ?? '';
  if (s === '') return [required(path)];
  const slash = s.indexOf('/');
  if (slash <= 0 || slash === s.length - 1) return [invalid(path, s, 'must be a fully qualified domain and path of the form \'example.com/signer-name\'')];
  return invalidEach(path, s, isDNS1123Subdomain(s.slice(0, slash)).map((m) => `the domain portion of the signerName ${m}`));
}

/** The PEM text of spec.request (base64 in JSON), or undefined when it is not base64 text. */
export function csrRequestPem(spec: JsonRecord): string | undefined {
  const raw = asString(spec.request);
  if (raw === undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) return undefined;
  return Buffer.from(raw, 'base64').toString('latin1');
}

function validateCsr(obj: KubeObject): FieldError[] {
  const spec = asObject(obj.spec) ?? {};
  const errs: FieldError[] = [];
  if ((asString(spec.request) ?? '') === '') errs.push(required('spec.request'));
  else if (!/-----BEGIN CERTIFICATE REQUEST-----[\s\S]+-----END CERTIFICATE REQUEST-----/.test(csrRequestPem(spec) ?? '')) errs.push(invalid('spec.request', '<value omitted>', 'PEM block type must be CERTIFICATE REQUEST'));
  errs.push(...validateSignerName(spec.signerName, 'spec.signerName'));
  if (spec.signerName === LEGACY_UNKNOWN_SIGNER) errs.push(invalid('spec.signerName', spec.signerName, 'the legacy signerName is not allowed via this API version'));
  const usages = asArray(spec.usages) ?? [];
  if (usages.length === 0) errs.push(required('spec.usages'));
  const seen = new Set<unknown>();
  usages.forEach((u, i) => {
    if (seen.has(u)) errs.push(duplicate(index('spec.usages', i), u));
    seen.add(u);
    errs.push(...validateEnum(u, KEY_USAGES, index('spec.usages', i)));
  });
  const exp = spec.expirationSeconds;
  if (exp !== undefined && exp !== null && !(typeof exp === 'number' && exp >= 600)) errs.push(invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 600 seconds (10 minutes)'));
  errs.push(...validateConditions(obj));
  return errs;
}

function validateConditions(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const types = new Set<string>();
  for (const [c, i] of objectsOf(asObject(obj.status)?.conditions)) {
    const p = index('status.conditions', i);
    const type = asString(c.type) ?? '';
    if (type === '') errs.push(required(child(p, 'type')));
    if ((APPROVAL_CONDITIONS as readonly string[]).includes(type) || type === 'Failed') {
      if (types.has(type)) errs.push(duplicate(child(p, 'type'), type));
      if (c.status !== 'True' && type !== 'Failed') errs.push(invalid(child(p, 'status'), c.status ?? null, `${type} condition may not be "False" or "Unknown"`));
    }
    types.add(type);
    errs.push(...validateEnum(c.status, CONDITION_STATUSES, child(p, 'status'), true));
  }
  if (types.has('Approved') && types.has('Denied')) errs.push(invalid('status.conditions', asObject(obj.status)?.conditions, 'Approved and Denied conditions are mutually exclusive'));
  return errs;
}

function defaultConditions(obj: KubeObject): void {
  for (const [c] of objectsOf(asObject(obj.status)?.conditions)) if (c.status === undefined || c.status === '') c.status = 'True';
}

function approvalOf(obj: KubeObject): unknown[] {
  return (asArray(asObject(obj.status)?.conditions) ?? []).filter((c) => (APPROVAL_CONDITIONS as readonly unknown[]).includes(asObject(c)?.type));
}

export const certificateSigningRequestStrategy: Strategy = Object.freeze({
  ...declarativeStrategy({ namespaced: false, validate: validateCsr }),
  defaults: defaultConditions,
  prepareForCreate(obj: KubeObject) {
    delete obj.status;
  },
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    obj.spec = clone(old.spec);
    if (old.status === undefined) delete obj.status;
    else obj.status = clone(old.status);
  },
});

/** /status: the certificate and the conditions other than Approved/Denied. */
export const certificateSigningRequestStatusStrategy: Strategy = Object.freeze({
  defaults: defaultConditions,
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    keepAllButStatus(obj, old);
    const status: JsonRecord = asObject(obj.status) ?? {};
    const others = (asArray(status.conditions) ?? []).filter((c) => !(APPROVAL_CONDITIONS as readonly unknown[]).includes(asObject(c)?.type));
    const conditions = [...approvalOf(old), ...others];
    obj.status = { ...status, ...(conditions.length > 0 ? { conditions } : {}) };
    if (conditions.length === 0) delete (obj.status as JsonRecord).conditions;
  },
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
    const errs = validateConditions(obj);
    const cert = asString(asObject(obj.status)?.certificate) ?? '';
    const oldCert = asString(asObject(old.status)?.certificate) ?? '';
    if (oldCert !== '' && cert !== oldCert) errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
    if (cert !== '' && cert !== oldCert && approvalOf(old).every((c) => asObject(c)?.type !== 'Approved')) errs.push(forbidden('status.certificate', 'certificate may only be set on approved requests'));
    return errs;
  },
});

/** /approval: only the Approved/Denied conditions. */
export const certificateSigningRequestApprovalStrategy: Strategy = Object.freeze({
  defaults: defaultConditions,
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    const wanted = approvalOf(obj);
    keepAllButStatus(obj, old);
    const oldStatus: JsonRecord = clone(asObject(old.status) ?? {});
    const others = (asArray(oldStatus.conditions) ?? []).filter((c) => !(APPROVAL_CONDITIONS as readonly unknown[]).includes(asObject(c)?.type));
    const conditions = [...wanted, ...others];
    obj.status = { ...oldStatus, ...(conditions.length > 0 ? { conditions } : {}) };
    if (conditions.length === 0) delete (obj.status as JsonRecord).conditions;
  },
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
    const errs = validateConditions(obj);
    const before = approvalOf(old).map((c) => asObject(c)?.type);
    const now = approvalOf(obj).map((c) => asObject(c)?.type);
    for (const t of before) if (!now.includes(t)) errs.push(forbidden('status.conditions', `updates may not remove a condition of type "${String(t)}"`));
    return errs;
  },
});
