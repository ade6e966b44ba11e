// The strategy of apiextensions.k8s.io/v1 CustomResourceDefinition: defaults (conversion None,
// a conversion service's port, singular, listKind), status reset on create with storedVersions,
// and validation of names, scope, versions, conversion, subresources, printer columns and each
// version's structural schema.
import type { Strategy } from '../api/resource-def';
import type { FieldError, KubeObject } from '../api/types';
import { metaUpdateValidator, metaValidator } from '../api/catalog/strategies/common';
import { isDNS1123Subdomain } from '../api/validation/names';
import { conversionUpdateOptions, CREATE_CONVERSION_OPTIONS, defaultConversion, validateConversion } from './crd-conversion-validation';
import { parseColumnPath } from './printer-columns';
import { validateStructuralSchema } from './structural-schema';
import { CLEANUP_FINALIZER, type CrdSpec, type CrdVersion } from './types';

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];

function rec(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function specOf(obj: KubeObject): Partial<CrdSpec> {
  return (rec(obj.spec) ?? {}) as Partial<CrdSpec>;
}

function storageVersion(obj: KubeObject): string | undefined {
  return specOf(obj).versions?.find((v) => v.storage)?.name;
}

function defaults(obj: KubeObject): void {
  const spec = rec(obj.spec);
  if (!spec) return;
  spec.conversion ??= { strategy: 'None' };
  defaultConversion(spec);
  const names = rec(spec.names);
  if (names && typeof names.kind === 'string') {
    names.singular ??= names.kind.toLowerCase();
    names.listKind ??= `${names.kind}List`;
  }
  for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
    const vr = rec(v);
    for (const c of Array.isArray(vr?.additionalPrinterColumns) ? vr.additionalPrinterColumns : []) {
      const cr = rec(c);
      if (cr && cr.priority === undefined) cr.priority = 0;
    }
  }
}

function validateNames(spec: Partial<CrdSpec>, out: FieldError[]): void {
  const n = spec.names;
  if (!n) {
    out.push({ type: 'FieldValueRequired', field: 'spec.names', detail: 'Required value' });
    return;
  }
  const label = (field: string, v: unknown, required: boolean) => {
    if (v === undefined || v === '') {
      if (required) out.push({ type: 'FieldValueRequired', field, detail: 'Required value' });
      return;
    }
    if (typeof v !== 'string' || !DNS_LABEL.test(v)) out.push({ type: 'FieldValueInvalid', field, detail: `Invalid value: ${JSON.stringify(v)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character` });
  };
  label('spec.names.plural', n.plural, true);
  label('spec.names.singular', n.singular, false);
  (n.shortNames ?? []).forEach((s, i) => label(`spec.names.shortNames[${i}]`, s, true));
  (n.categories ?? []).forEach((s, i) => label(`spec.names.categories[${i}]`, s, true));
  if (!n.kind) out.push({ type: 'FieldValueRequired', field: 'spec.names.kind', detail: 'Required value' });
  else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(n.kind)) out.push({ type: 'FieldValueInvalid', field: 'spec.names.kind', detail: `Invalid value: ${JSON.stringify(n.kind)}: may have mixed case, but should otherwise match: ^[a-z]([-a-z0-9]*[a-z0-9])?$` });
  if (n.kind && n.listKind === n.kind) out.push({ type: 'FieldValueInvalid', field: 'spec.names.listKind', detail: `Invalid value: ${JSON.stringify(n.listKind)}: kind and listKind may not be the same` });
}

function validateVersion(v: CrdVersion, i: number, out: FieldError[]): void {
  const p = `spec.versions[${i}]`;
  if (!v.name) out.push({ type: 'FieldValueRequired', field: `${p}.name`, detail: 'Required value' });
  else if (!DNS_LABEL.test(v.name)) out.push({ type: 'FieldValueInvalid', field: `${p}.name`, detail: `Invalid value: ${JSON.stringify(v.name)}: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character` });
  const schema = v.schema?.openAPIV3Schema;
  if (!schema) out.push({ type: 'FieldValueRequired', field: `${p}.schema.openAPIV3Schema`, detail: 'Required value: schemas are required' });
  else out.push(...validateStructuralSchema(schema, `${p}.schema.openAPIV3Schema`));
  const scale = v.subresources?.scale;
  if (scale) {
    if (!scale.specReplicasPath?.startsWith('.spec.')) out.push({ type: 'FieldValueInvalid', field: `${p}.subresources.scale.specReplicasPath`, detail: `Invalid value: ${JSON.stringify(scale.specReplicasPath ?? '')}: should be a json path under .spec` });
    if (!scale.statusReplicasPath?.startsWith('.status.')) out.push({ type: 'FieldValueInvalid', field: `${p}.subresources.scale.statusReplicasPath`, detail: `Invalid value: ${JSON.stringify(scale.statusReplicasPath ?? '')}: should be a json path under .status` });
  }
  const selectable = v.selectableFields ?? [];
  if (selectable.length > 8) out.push({ type: 'FieldValueTooMany', field: `${p}.selectableFields`, detail: `Too many: ${selectable.length}: must have at most 8 items` });
  const seenPaths = new Set<string>();
  selectable.forEach((f, j) => {
    const fp = `${p}.selectableFields[${j}].jsonPath`;
    if (seenPaths.has(f.jsonPath)) out.push({ type: 'FieldValueDuplicate', field: fp, detail: `Duplicate value: ${JSON.stringify(f.jsonPath)}` });
    seenPaths.add(f.jsonPath);
    let node = schema;
    for (const seg of (f.jsonPath ?? '').replace(/^\./, '').split('.')) node = seg ? node?.properties?.[seg] : undefined;
    if (!f.jsonPath?.startsWith('.') || !node) out.push({ type: 'FieldValueInvalid', field: fp, detail: `Invalid value: ${JSON.stringify(f.jsonPath ?? '')}: is an invalid path: must point to a field of the schema` });
    else if (!['string', 'integer', 'boolean'].includes(node.type ?? '')) out.push({ type: 'FieldValueInvalid', field: fp, detail: `Invalid value: ${JSON.stringify(f.jsonPath)}: must point to a field of type string, boolean or integer` });
  });
  (v.additionalPrinterColumns ?? []).forEach((c, j) => {
    const cp = `${p}.additionalPrinterColumns[${j}]`;
    if (!c.name) out.push({ type: 'FieldValueRequired', field: `${cp}.name`, detail: 'Required value' });
    if (!COLUMN_TYPES.includes(c.type)) out.push({ type: 'FieldValueNotSupported', field: `${cp}.type`, detail: `Unsupported value: ${JSON.stringify(c.type)}: supported values: ${COLUMN_TYPES.map((t) => JSON.stringify(t)).join(', ')}` });
    if (!c.jsonPath) out.push({ type: 'FieldValueRequired', field: `${cp}.jsonPath`, detail: 'Required value' });
    else if (!parseColumnPath(c.jsonPath)) out.push({ type: 'FieldValueInvalid', field: `${cp}.jsonPath`, detail: `Invalid value: ${JSON.stringify(c.jsonPath)}: must be a simple json path` });
  });
}

const validateMeta = metaValidator(false, isDNS1123Subdomain);
const validateMetaUpdate = metaUpdateValidator();

function validate(obj: KubeObject): FieldError[] {
  const out: FieldError[] = validateMeta(obj);
  const spec = specOf(obj);
  if (!spec.group) out.push({ type: 'FieldValueRequired', field: 'spec.group', detail: 'Required value' });
  else if (!DNS_SUBDOMAIN.test(spec.group) || !spec.group.includes('.')) out.push({ type: 'FieldValueInvalid', field: 'spec.group', detail: `Invalid value: ${JSON.stringify(spec.group)}: should be a domain with at least one dot` });
  validateNames(spec, out);
  if (spec.group && /(^|\.)(k8s\.io|kubernetes\.io)$/.test(spec.group) && !obj.metadata.annotations?.['api-approved.kubernetes.io']) {
    out.push({ type: 'FieldValueRequired', field: 'metadata.annotations[api-approved.kubernetes.io]', detail: 'Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111' });
  }
  const name = String(obj.metadata.name ?? '');
  if (spec.group && spec.names?.plural && name !== `${spec.names.plural}.${spec.group}`) {
    out.push({ type: 'FieldValueInvalid', field: 'metadata.name', detail: `Invalid value: ${JSON.stringify(name)}: must be spec.names.plural+"."+spec.group` });
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') out.push({ type: 'FieldValueNotSupported', field: 'spec.scope', detail: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"` });
  const versions = spec.versions ?? [];
  if (versions.length === 0) out.push({ type: 'FieldValueInvalid', field: 'spec.versions', detail: 'Invalid value: null: must have exactly one version marked as storage version' });
  else {
    const storage = versions.filter((v) => v.storage).length;
    if (storage !== 1) out.push({ type: 'FieldValueInvalid', field: 'spec.versions', detail: `Invalid value: ${JSON.stringify(versions.map((v) => ({ name: v.name, storage: v.storage })))}: must have exactly one version marked as storage version` });
    if (!versions.some((v) => v.served)) out.push({ type: 'FieldValueInvalid', field: 'spec.versions', detail: 'Invalid value: "": must have at least one version marked as served' });
    const seen = new Set<string>();
    versions.forEach((v, i) => {
      if (seen.has(v.name)) out.push({ type: 'FieldValueDuplicate', field: `spec.versions[${i}].name`, detail: `Duplicate value: ${JSON.stringify(v.name)}` });
      seen.add(v.name);
      validateVersion(v, i, out);
    });
  }
  out.push(...validateConversion(spec, CREATE_CONVERSION_OPTIONS));
  return out;
}

function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const out: FieldError[] = validateMetaUpdate(obj, old);
  const spec = specOf(obj);
  const prev = specOf(old);
  const established = ((rec(old.status)?.conditions as { type?: string; status?: string }[] | undefined) ?? []).some((c) => c.type === 'Established' && c.status === 'True');
  out.push(...validateConversion(spec, conversionUpdateOptions(prev, established)));
  if (prev.group !== undefined && spec.group !== prev.group) out.push({ type: 'FieldValueInvalid', field: 'spec.group', detail: `Invalid value: ${JSON.stringify(spec.group)}: field is immutable` });
  const stored = (rec(old.status)?.storedVersions as string[] | undefined) ?? [];
  for (const sv of stored) {
    if (!(spec.versions ?? []).some((v) => v.name === sv)) out.push({ type: 'FieldValueInvalid', field: 'status.storedVersions', detail: `Invalid value: ${JSON.stringify(stored)}: must appear in spec.versions` });
  }
  return out;
}

export const crdStrategy: Strategy = {
  defaults,
  prepareForCreate(obj) {
    const sv = storageVersion(obj);
    obj.status = { storedVersions: sv ? [sv] : [] };
  },
  prepareForUpdate(obj, old) {
    const status = structuredClone(rec(old.status) ?? {});
    const stored = Array.isArray(status.storedVersions) ? (status.storedVersions as string[]) : [];
    const sv = storageVersion(obj);
    if (sv && !stored.includes(sv)) status.storedVersions = [...stored, sv];
    obj.status = status;
  },
  validate,
  validateUpdate,
  generationPaths: ['spec'],
  // The first delete adds the cleanup finalizer; the CRD controller removes it once the custom objects are gone.
  pendingFinalizers: (obj) => (obj.metadata.deletionTimestamp ? [] : [CLEANUP_FINALIZER]),
  prepareForDeletion(obj) {
    const f = obj.metadata.finalizers ?? [];
    if (!f.includes(CLEANUP_FINALIZER)) obj.metadata.finalizers = [...f, CLEANUP_FINALIZER];
  },
};

export const crdStatusStrategy: Strategy = {
  prepareForUpdate(obj, old) {
    obj.spec = structuredClone(old.spec);
  },
};
