// The structural-schema rules upstream enforces on every CRD version schema (apiextensions v1):
// a type everywhere it is not implied, properties and additionalProperties exclusive, items on
// arrays, metadata at the root restricted, list-map keys declared, CEL rules that compile.
import type { FieldError } from '../api/types';
import type { CelEnvironment } from '../cel';
import { celCompileError, celRuleEnvironment } from './cel-rules';
import { SchemaValidator } from './schema-validate';
import type { JSONSchemaProps } from './types';

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

/** Problems of one version's schema; `path` is where it sits (`spec.versions[0].schema.openAPIV3Schema`). */
export function validateStructuralSchema(root: JSONSchemaProps, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (root.type !== 'object') out.push({ type: 'FieldValueInvalid', field: `${path}.type`, detail: `Invalid value: ${JSON.stringify(root.type ?? '')}: must be object at the root` });
  const meta = root.properties?.metadata;
  if (meta) {
    for (const k of Object.keys(meta.properties ?? {})) {
      if (k !== 'name' && k !== 'generateName') out.push({ type: 'FieldValueForbidden', field: `${path}.properties[metadata].properties[${k}]`, detail: 'Forbidden: must not be specified' });
    }
  }
  node(root, path, out, false, true, celRuleEnvironment());
  return out;
}

function node(s: JSONSchemaProps, path: string, out: FieldError[], underPreserve: boolean, isRoot: boolean, env: CelEnvironment): void {
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (!s.type && !intOrString && !(preserve || underPreserve) && !isRoot) {
    out.push({ type: 'FieldValueRequired', field: `${path}.type`, detail: 'Required value: must not be empty for specified object fields' });
  }
  if (s.type && !TYPES.has(s.type)) out.push({ type: 'FieldValueNotSupported', field: `${path}.type`, detail: `Unsupported value: ${JSON.stringify(s.type)}: supported values: "array", "boolean", "integer", "number", "object", "string"` });
  if (intOrString && s.type) out.push({ type: 'FieldValueInvalid', field: `${path}.type`, detail: `Invalid value: ${JSON.stringify(s.type)}: must be empty if x-kubernetes-int-or-string is true` });
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    out.push({ type: 'FieldValueForbidden', field: `${path}.additionalProperties`, detail: 'Forbidden: additionalProperties and properties are mutual exclusive' });
  }
  if (s.type === 'array' && !s.items) out.push({ type: 'FieldValueRequired', field: `${path}.items`, detail: 'Required value: must be specified' });
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, 'u');
    } catch {
      out.push({ type: 'FieldValueInvalid', field: `${path}.pattern`, detail: `Invalid value: ${JSON.stringify(s.pattern)}: must be a valid regular expression` });
    }
  }
  const listType = s['x-kubernetes-list-type'];
  if (listType !== undefined) {
    if (s.type !== 'array') out.push({ type: 'FieldValueInvalid', field: `${path}.x-kubernetes-list-type`, detail: `Invalid value: ${JSON.stringify(listType)}: must only be used on type array` });
    if (!['atomic', 'set', 'map'].includes(listType)) out.push({ type: 'FieldValueNotSupported', field: `${path}.x-kubernetes-list-type`, detail: `Unsupported value: ${JSON.stringify(listType)}: supported values: "atomic", "map", "set"` });
  }
  const keys = s['x-kubernetes-list-map-keys'];
  if (listType === 'map') {
    if (!keys || keys.length === 0) out.push({ type: 'FieldValueRequired', field: `${path}.x-kubernetes-list-map-keys`, detail: 'Required value: must not be empty if x-kubernetes-list-type is map' });
    else if (s.items && s.items.type !== 'object') out.push({ type: 'FieldValueInvalid', field: `${path}.items.type`, detail: `Invalid value: ${JSON.stringify(s.items.type ?? '')}: must be object if parent array's x-kubernetes-list-type is map` });
    else {
      for (const k of keys) {
        const ks = s.items?.properties?.[k];
        if (!ks) out.push({ type: 'FieldValueRequired', field: `${path}.items.properties[${k}]`, detail: 'Required value: entries for all x-kubernetes-list-map-keys are required' });
        else if (!(s.items?.required ?? []).includes(k) && ks.default === undefined) {
          out.push({ type: 'FieldValueRequired', field: `${path}.items.properties[${k}]`, detail: 'Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property' });
        }
      }
    }
  } else if (keys !== undefined) {
    out.push({ type: 'FieldValueForbidden', field: `${path}.x-kubernetes-list-map-keys`, detail: 'Forbidden: must only be used with x-kubernetes-list-type "map"' });
  }
  if (s.default !== undefined) {
    if (isRoot) out.push({ type: 'FieldValueForbidden', field: `${path}.default`, detail: 'Forbidden: must not be set at the root' });
    else out.push(...new SchemaValidator(s).validateValue(s.default, `${path}.default`));
  }
  (s['x-kubernetes-validations'] ?? []).forEach((r, i) => {
    if (typeof r.rule !== 'string' || r.rule === '') {
      out.push({ type: 'FieldValueRequired', field: `${path}.x-kubernetes-validations[${i}].rule`, detail: 'Required value' });
      return;
    }
    const err = celCompileError(r.rule, env);
    if (err) out.push({ type: 'FieldValueInvalid', field: `${path}.x-kubernetes-validations[${i}].rule`, detail: `Invalid value: ${JSON.stringify(r.rule)}: compilation failed: ${err}` });
  });
  for (const [k, child] of Object.entries(s.properties ?? {})) {
    if (isRoot && k === 'metadata') continue;
    node(child, `${path}.properties[${k}]`, out, false, false, env);
  }
  if (typeof s.additionalProperties === 'object') node(s.additionalProperties, `${path}.additionalProperties`, out, false, false, env);
  if (s.items) node(s.items, `${path}.items`, out, false, false, env);
}
