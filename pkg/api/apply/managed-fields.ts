// metadata.managedFields in and out: one entry per manager identity (manager name, operation,
// subresource, and for updates the apiVersion), each with the FieldsV1 set it owns.
import type { Json, JsonObject } from '../types';
import { canonicalJson, isJsonObject } from '../patch/json-value';
import { FieldSet } from './field-set';
import type { ConflictManager } from './errors';

export type ManagedOperation = 'Apply' | 'Update';

export interface ManagedEntry extends ConflictManager {
  readonly time?: string;
  readonly set: FieldSet;
}

/** Upstream's manager identifier: time and fields never count; appliers are one manager across versions. */
export function managerKey(m: ConflictManager): string {
  const id: Record<string, string> = { manager: m.manager, operation: m.operation };
  if (m.operation === 'Update' && m.apiVersion) id.apiVersion = m.apiVersion;
  if (m.subresource) id.subresource = m.subresource;
  return JSON.stringify(id);
}

/**
 * Decode managedFields entries into a map by manager identifier. Returns undefined when the list is
 * not valid managedFields (an entry with an unknown operation, no apiVersion, a fieldsType other
 * than FieldsV1, unreadable fieldsV1).
 */
export function decodeManagedFields(list: unknown): Map<string, ManagedEntry> | undefined {
  const out = new Map<string, ManagedEntry>();
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) return undefined;
  for (const raw of list) {
    if (!isJsonObject(raw)) return undefined;
    const { manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource } = raw;
    if (operation !== 'Apply' && operation !== 'Update') return undefined;
    if (typeof apiVersion !== 'string' || apiVersion === '') return undefined;
    if (fieldsType !== 'FieldsV1') return undefined;
    let set: FieldSet;
    try {
      set = fieldsV1 === undefined || fieldsV1 === null ? new FieldSet() : FieldSet.fromFieldsV1(fieldsV1);
    } catch {
      return undefined;
    }
    const entry: ManagedEntry = {
      manager: typeof manager === 'string' ? manager : '',
      operation,
      apiVersion,
      ...(typeof subresource === 'string' && subresource !== '' ? { subresource } : {}),
      ...(typeof time === 'string' ? { time } : {}),
      set,
    };
    out.set(managerKey(entry), entry);
  }
  return out;
}

function seconds(time: string | undefined): number {
  if (!time) return 0;
  const t = Date.parse(time);
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

/** Encode entries as managedFields, in upstream's order (Apply first, then oldest first, then by name). */
export function encodeManagedFields(entries: Iterable<ManagedEntry>): JsonObject[] {
  const list = [...entries].filter((e) => !e.set.isEmpty());
  list.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
  return list.map((e) => {
    const out: JsonObject = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time) out.time = e.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = e.set.toFieldsV1();
    if (e.subresource) out.subresource = e.subresource;
    return out;
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A managedFields timestamp: RFC 3339 in UTC with seconds precision, as metav1.Time marshals. */
export function formatTime(now: Date): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

/** Whether two managedFields lists are equal except for their timestamps (and hence their order). */
export function sameExceptTimes(a: readonly Json[] | undefined, b: readonly Json[] | undefined): boolean {
  const strip = (l: readonly Json[] | undefined): string[] =>
    (l ?? []).map((e) => canonicalJson(isJsonObject(e) ? { ...e, time: null } : e)).sort();
  const x = strip(a);
  const y = strip(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * The field manager name upstream derives from a User-Agent when a request names none: the text
 * before the first `/`, printable characters only, at most 128 of them.
 */
export function managerFromUserAgent(userAgent: string): string {
  const head = userAgent.split('/')[0] ?? '';
  return [...head].filter((c) => /\P{C}/u.test(c)).slice(0, 128).join('');
}
