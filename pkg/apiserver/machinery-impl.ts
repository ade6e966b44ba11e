// The ApiMachinery built from pkg/api: schema facts, protobuf decoding, selectors, tables, patches
// and server-side apply. Domain errors of those packages become ApiErrors here, in one place.
import type { ResourceDef } from '../api/resource-def';
import type { JsonObject, KubeObject } from '../api/types';
import { ApplyConflictError, isApplyError, serverSideApply, updateManagedFields } from '../api/apply';
import { isPatchError, patchObject, RegistryPatchSchemas, type PatchSchema } from '../api/patch';
import { decodeProtobufRequest, ProtobufDecodeError } from '../api/protobuf';
import { createSchemaRegistry, findUnknownFields, schemaComponentsFor, type JsonType, type SchemaRegistry } from '../api/schema';
import { compileFieldSelector, isSelectorError, parseFieldSelector, parseLabelSelector } from '../api/selectors';
import { buildTable, defaultTable, tableFor } from '../api/tables';
import { ApiError, errors } from './errors';
import type { ApiMachinery, PatchFormat } from './machinery';
import type { SchemaSource } from './openapi';
import { apiVersionOf } from './registry/codec';

const PATCH_TYPE: Record<PatchFormat, 'json' | 'merge' | 'strategic'> = { 'json-patch': 'json', 'merge-patch': 'merge', 'strategic-merge-patch': 'strategic' };

/** Status reset on writes of the main resource: its ownership is the status writer's. */
function resetFields(def: ResourceDef): readonly (readonly string[])[] | undefined {
  return def.subresources?.some((s) => s.name === 'status') ? [['status']] : undefined;
}

function translate(e: unknown): never {
  if (e instanceof ApiError) throw e;
  if (isSelectorError(e)) throw errors.badRequest(e.message);
  if (e instanceof ProtobufDecodeError) throw errors.badRequest(`unable to decode the protobuf request body: ${e.message}`);
  if (isPatchError(e)) {
    const code = e.code === 'malformed' ? 400 : e.code === 'too-many-operations' ? 413 : e.code === 'unsupported-media-type' ? 415 : 422;
    const reason = code === 400 ? 'BadRequest' : code === 413 ? 'RequestEntityTooLarge' : code === 415 ? 'UnsupportedMediaType' : 'Invalid';
    throw new ApiError(code, reason, e.message);
  }
  if (e instanceof ApplyConflictError) throw new ApiError(409, 'Conflict', e.message, { causes: e.toStatusCauses() });
  if (isApplyError(e)) throw new ApiError(e.code === 'invalid' ? 422 : 400, e.code === 'invalid' ? 'Invalid' : 'BadRequest', e.message);
  throw e;
}

/** Deletes the members of `v` (of type `type`) the schema does not know, recursively; free-form values are kept whole. */
function pruneUnknown(registry: SchemaRegistry, type: JsonType, v: unknown): void {
  if (type.kind === 'list') {
    if (Array.isArray(v)) for (const item of v) pruneUnknown(registry, type.items, item);
    return;
  }
  if ((type.kind !== 'object' && type.kind !== 'map') || v === null || typeof v !== 'object' || Array.isArray(v)) return;
  const obj = v as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (type.kind === 'map') {
      pruneUnknown(registry, type.values, obj[key]);
      continue;
    }
    if (type.message.typeMeta && (key === 'apiVersion' || key === 'kind')) continue;
    const field = registry.fieldOf(type.message, key);
    if (field) pruneUnknown(registry, registry.typeOfField(field), obj[key]);
    else delete obj[key];
  }
}

/** patch, apply and field tracking over the patch metadata `schemaOf` gives a resource (undefined: none, as for custom resources). */
export function schemaMachinery(schemaOf: (def: ResourceDef) => PatchSchema | undefined): Pick<ApiMachinery, 'patch' | 'apply' | 'trackUpdate'> {
  return {
    patch(format, def, current, body) {
      try {
        return patchObject(PATCH_TYPE[format], current as unknown as JsonObject, body, schemaOf(def)) as unknown as KubeObject;
      } catch (e) {
        return translate(e);
      }
    },
    apply(def, current, applied, manager, force, now) {
      try {
        return serverSideApply({
          live: current as unknown as JsonObject | undefined,
          config: applied,
          schema: schemaOf(def),
          manager,
          apiVersion: apiVersionOf(def),
          kind: def.kind,
          force,
          now,
          resetFields: resetFields(def),
        }) as unknown as KubeObject;
      } catch (e) {
        return translate(e);
      }
    },
    trackUpdate(def, old, next, manager, now, subresource) {
      try {
        return updateManagedFields(old as unknown as JsonObject | undefined, next as unknown as JsonObject, manager, 'Update', apiVersionOf(def), now, {
          schema: schemaOf(def),
          subresource,
          resetFields: subresource ? undefined : resetFields(def),
        }) as unknown as KubeObject;
      } catch (e) {
        return translate(e);
      }
    },
  };
}

export interface MachineryParts {
  readonly registry: SchemaRegistry;
  readonly machinery: ApiMachinery;
}

export function createMachinery(registry: SchemaRegistry = createSchemaRegistry()): MachineryParts {
  const patchSchemas = new RegistryPatchSchemas(registry);
  const schemaOf = (def: ResourceDef) => patchSchemas.forKind(def.group, def.version, def.kind);
  const machinery: ApiMachinery = {
    decodeProtobuf(body) {
      try {
        return decodeProtobufRequest(registry, body).object;
      } catch (e) {
        return translate(e);
      }
    },
    unknownFields(def, obj) {
      const msg = registry.messageFor(def.group, def.version, def.kind);
      return msg ? findUnknownFields(registry, msg, obj as never) : [];
    },
    pruneUnknownFields(def, obj) {
      const msg = registry.messageFor(def.group, def.version, def.kind);
      if (msg) pruneUnknown(registry, registry.typeOfMessage(msg), obj);
    },
    labelFilter(selector) {
      try {
        const sel = parseLabelSelector(selector);
        return (labels) => sel.matches(labels);
      } catch (e) {
        return translate(e);
      }
    },
    fieldFilter(def, selector) {
      try {
        return compileFieldSelector(def.group, def.resource, parseFieldSelector(selector));
      } catch (e) {
        return translate(e);
      }
    },
    table(def, objects, now, includeObject) {
      const t = buildTable(tableFor(def.group, def.resource) ?? defaultTable, objects, now, { includeObject });
      return { columnDefinitions: t.columnDefinitions, rows: t.rows };
    },
    ...schemaMachinery(schemaOf),
  };
  return { registry, machinery };
}

/** OpenAPI component schemas from the schema fact table. */
export function schemaSource(registry: SchemaRegistry): SchemaSource {
  return {
    components: (group, version, kinds, extra) => schemaComponentsFor(registry, group, version, kinds, extra).schemas,
    componentName: (group, version, kind) => registry.messageFor(group, version, kind)?.modelName,
  };
}
