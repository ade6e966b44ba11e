// Events in both APIs. core/v1 Event is the stored form; events.k8s.io/v1 objects are converted
// to it on write and back on read (they share one key space). core/v1 keeps the lax legacy
// validation, events.k8s.io/v1 the strict one with immutable identity fields.
import type { Strategy } from '../../resource-def';
import type { FieldError, KubeObject } from '../../types';
import { child, invalid, invalidEach, required } from '../../validation/errors';
import { validateImmutableField } from '../../validation/fields';
import { asObject, asString, clone, type JsonRecord } from '../../validation/json';
import { isQualifiedName, nameIsDNSSubdomain, nameIsPathSegment } from '../../validation/names';
import { validateObjectMetaUpdate } from '../../validation/object-meta';
import { metaValidator } from './common';

/** events.k8s.io/v1 field → core/v1 field (the rest share names). */
const RENAMES: ReadonlyArray<[string, string]> = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
  ['reportingController', 'reportingComponent'],
];

function rename(obj: KubeObject, apiVersion: string, pairs: ReadonlyArray<[string, string]>): KubeObject {
  const out: KubeObject = { apiVersion, kind: 'Event', metadata: clone(obj.metadata) };
  const map = new Map(pairs);
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    out[map.get(k) ?? k] = clone(v);
  }
  return out;
}

export function eventToCoreV1(obj: KubeObject): KubeObject {
  return rename(obj, 'v1', RENAMES);
}

export function eventFromCoreV1(obj: KubeObject): KubeObject {
  return rename(
    obj,
    'events.k8s.io/v1',
    RENAMES.map(([a, b]) => [b, a]),
  );
}

function namespaceMatches(obj: KubeObject, refField: string): FieldError[] {
  const ref = asObject(obj[refField]) ?? {};
  const refNs = asString(ref.namespace) ?? '';
  const ns = obj.metadata.namespace ?? '';
  if (refNs === '' ? ns !== '' && ns !== 'default' : ns !== refNs) return [invalid(child(refField, 'namespace'), refNs, 'does not match event.namespace')];
  return [];
}

function maxLength(obj: JsonRecord, field: string, max: number): FieldError[] {
  const v = asString(obj[field]);
  return v !== undefined && v.length > max ? [invalid(field, v, `can have at most ${max} characters`)] : [];
}

function validateLegacy(obj: KubeObject): FieldError[] {
  const errs = [...metaValidator(true, nameIsPathSegment)(obj), ...namespaceMatches(obj, 'involvedObject')];
  const rc = asString(obj.reportingComponent);
  if (rc) errs.push(...invalidEach('reportingComponent', rc, isQualifiedName(rc)));
  errs.push(...maxLength(obj, 'action', 128), ...maxLength(obj, 'reason', 128));
  return errs;
}

export const coreEventStrategy: Strategy = Object.freeze({
  validate: validateLegacy,
  validateUpdate: (obj: KubeObject, old: KubeObject) => validateObjectMetaUpdate(obj.metadata, old.metadata),
});

function isUnset(v: unknown): boolean {
  return v === undefined || v === null || v === 0 || v === '' || (asObject(v) !== undefined && Object.keys(asObject(v)!).length === 0);
}

function validateEventsV1(obj: KubeObject): FieldError[] {
  const errs = [...metaValidator(true, nameIsDNSSubdomain)(obj), ...namespaceMatches(obj, 'regarding')];
  if (!asString(obj.eventTime)) errs.push(required('eventTime'));
  if (obj.type !== 'Normal' && obj.type !== 'Warning') errs.push(invalid('type', obj.type ?? '', `has invalid value: ${String(obj.type ?? '')}`));
  for (const f of ['deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount', 'deprecatedSource']) {
    if (!isUnset(obj[f])) errs.push(invalid(f, obj[f], 'needs to be unset'));
  }
  const rc = asString(obj.reportingController) ?? '';
  if (rc === '') errs.push(required('reportingController'));
  else errs.push(...invalidEach('reportingController', rc, isQualifiedName(rc)));
  for (const f of ['reportingInstance', 'action', 'reason']) {
    if (!asString(obj[f])) errs.push(required(f));
    else errs.push(...maxLength(obj, f, 128));
  }
  errs.push(...maxLength(obj, 'note', 1024));
  const series = asObject(obj.series);
  if (series) {
    if (!(typeof series.count === 'number' && series.count >= 2)) errs.push(invalid('series.count', series.count ?? 0, 'should be at least 2'));
    if (!asString(series.lastObservedTime)) errs.push(required('series.lastObservedTime'));
  }
  return errs;
}

export const eventsV1Strategy: Strategy = Object.freeze({
  validate: validateEventsV1,
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
    const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
    for (const f of ['action', 'reason', 'reportingController', 'reportingInstance', 'regarding', 'related', 'type', 'eventTime']) {
      errs.push(...validateImmutableField(obj[f], old[f], f));
    }
    return errs;
  },
  toStorage: eventToCoreV1,
  fromStorage: eventFromCoreV1,
});
