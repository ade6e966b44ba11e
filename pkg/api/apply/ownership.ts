// Pieces shared by apply and update: the paths never recorded in managedFields, reset fields, and
// the managers map of an object.
import type { Json, JsonObject } from '../types';
import { cloneJson, isJsonObject } from '../patch/json-value';
import { FieldSet } from './field-set';
import { decodeManagedFields, encodeManagedFields, type ManagedEntry } from './managed-fields';
import { fieldElement, type PathElement } from './path-element';

const path = (...names: string[]): PathElement[] => names.map(fieldElement);

/** Type and system metadata fields no manager ever owns (upstream's strip set); a fresh set per call. */
export function strippedFields(): FieldSet {
  return FieldSet.of([
    path('apiVersion'),
    path('kind'),
    path('metadata'),
    path('metadata', 'name'),
    path('metadata', 'namespace'),
    path('metadata', 'creationTimestamp'),
    path('metadata', 'selfLink'),
    path('metadata', 'uid'),
    path('metadata', 'clusterName'),
    path('metadata', 'generation'),
    path('metadata', 'managedFields'),
    path('metadata', 'resourceVersion'),
  ]);
}

/** Reset fields (field-name paths such as `['status']`) as a set. */
export function resetFieldSet(resetFields: readonly (readonly string[])[] | undefined): FieldSet {
  return FieldSet.of((resetFields ?? []).map((p) => p.map(fieldElement)));
}

/** A copy of an object without metadata.managedFields. */
export function withoutManagedFields(obj: JsonObject): JsonObject {
  const out = cloneJson(obj);
  if (isJsonObject(out.metadata)) delete out.metadata.managedFields;
  return out;
}

/** Like withoutManagedFields, but copies only the top level and metadata: the rest is shared. */
export function withoutManagedFieldsShallow(obj: JsonObject): JsonObject {
  if (!isJsonObject(obj.metadata)) return { ...obj };
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

export function managedFieldsOf(obj: JsonObject | undefined): Json | undefined {
  return obj && isJsonObject(obj.metadata) ? obj.metadata.managedFields : undefined;
}

/** The managers recorded in an object (an unreadable list counts as none). */
export function managersOf(obj: JsonObject | undefined): Map<string, ManagedEntry> {
  return decodeManagedFields(managedFieldsOf(obj)) ?? new Map();
}

/** Store encoded managers in `obj.metadata.managedFields` (removing the member when there are none). */
export function setManagedFields(obj: JsonObject, list: JsonObject[] | Json[] | undefined): void {
  if (!isJsonObject(obj.metadata)) obj.metadata = {};
  const meta = obj.metadata as JsonObject;
  if (list && list.length > 0) meta.managedFields = list;
  else delete meta.managedFields;
}

export function encode(managers: Map<string, ManagedEntry>): JsonObject[] {
  return encodeManagedFields(managers.values());
}

/** Drop managers that own nothing. */
export function dropEmpty(managers: Map<string, ManagedEntry>): void {
  for (const [k, m] of managers) if (m.set.isEmpty()) managers.delete(k);
}
