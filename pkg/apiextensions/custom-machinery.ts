// The API machinery for custom resources and for CRDs themselves, layered over the built-in one:
// pruning and strict field validation from the structural schema, printer-column tables, and
// patch/apply metadata (list types, map keys) from the schema. Strategic merge patch stays 415.
import type { ResourceDef } from '../api/resource-def';
import { parseFieldSelector, type FieldSelector } from '../api/selectors';
import type { KubeObject } from '../api/types';
import { errors } from '../apiserver/errors';
import { buildTable } from '../api/tables';
import type { ApiMachinery } from '../apiserver/machinery';
import { schemaMachinery } from '../apiserver/machinery-impl';
import { OPEN_PATCH_SCHEMA, rootPatchSchema } from './crd-patch-schema';
import type { CustomResourceInfo } from './custom-resource-def';
import { printerColumnsTable } from './printer-columns';
import { CRD_GROUP } from './types';
import type { PatchSchema } from '../api/patch';
import type { TableDef } from '../api/resource-def';

function valueAt(obj: unknown, path: string): unknown {
  let v = obj;
  for (const seg of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

/** Field selectors over metadata.name, metadata.namespace and the version's selectableFields. */
function selectableFieldFilter(fields: readonly string[], selector: string, malformed: () => (obj: KubeObject) => boolean): (obj: KubeObject) => boolean {
  let sel: FieldSelector;
  try {
    sel = parseFieldSelector(selector);
  } catch {
    return malformed();
  }
  const allowed = ['metadata.name', 'metadata.namespace', ...fields];
  for (const r of sel.requirements) {
    if (!allowed.includes(r.field)) throw errors.badRequest(`"${r.field}" is not a known field selector: only ${allowed.map((f) => `"${f}"`).join(', ')}`);
  }
  return (obj) =>
    sel.matches((f) => {
      const v = valueAt(obj, f);
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
}

function isCrdKind(def: ResourceDef): boolean {
  return def.group === CRD_GROUP && def.kind === 'CustomResourceDefinition';
}

export function customResourceMachinery(base: ApiMachinery, infoOf: (def: ResourceDef) => CustomResourceInfo | undefined): ApiMachinery {
  const patchSchemas = new WeakMap<CustomResourceInfo, PatchSchema>();
  const tables = new WeakMap<CustomResourceInfo, TableDef>();
  const schemaOf = (def: ResourceDef): PatchSchema | undefined => {
    if (isCrdKind(def)) return OPEN_PATCH_SCHEMA;
    const info = infoOf(def);
    if (!info) return undefined;
    let s = patchSchemas.get(info);
    if (!s) patchSchemas.set(info, (s = rootPatchSchema(info.schema)));
    return s;
  };
  // Custom resources take no strategic merge patch (upstream answers 415): patch without their schema.
  const patching = schemaMachinery((def) => (infoOf(def) ? undefined : schemaOf(def)));
  const applying = schemaMachinery(schemaOf);
  const custom = (def: ResourceDef) => isCrdKind(def) || infoOf(def) !== undefined;
  return {
    decodeProtobuf: (body) => base.decodeProtobuf(body),
    unknownFields: (def, obj) => infoOf(def)?.unknownFields(obj) ?? base.unknownFields(def, obj),
    pruneUnknownFields(def, obj) {
      const info = infoOf(def);
      if (info) info.prune(obj);
      else base.pruneUnknownFields(def, obj);
    },
    labelFilter: (selector) => base.labelFilter(selector),
    fieldFilter(def, selector) {
      const info = infoOf(def);
      if (!info?.selectableFields.length) return base.fieldFilter(def, selector);
      return selectableFieldFilter(info.selectableFields, selector, () => base.fieldFilter(def, selector));
    },
    table(def, objects, now, includeObject) {
      const info = infoOf(def);
      if (!info) return base.table(def, objects, now, includeObject);
      let t = tables.get(info);
      if (!t) tables.set(info, (t = printerColumnsTable(info.columns)));
      const built = buildTable(t, objects, now, { includeObject });
      return { columnDefinitions: built.columnDefinitions, rows: built.rows };
    },
    patch: (format, def, current, body) => (custom(def) ? patching.patch(format, def, current, body) : base.patch(format, def, current, body)),
    apply: (def, current, applied, manager, force, now) => (custom(def) ? applying.apply(def, current, applied, manager, force, now) : base.apply(def, current, applied, manager, force, now)),
    trackUpdate: (def, old, next, manager, now, subresource) => (custom(def) ? applying.trackUpdate(def, old, next, manager, now, subresource) : base.trackUpdate(def, old, next, manager, now, subresource)),
  };
}
