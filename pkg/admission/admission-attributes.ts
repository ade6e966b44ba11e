// One admission request in the shape policies and webhooks see it: upstream's admission.Attributes
// and the AdmissionRequest of AdmissionReview v1 (`request` in CEL).
import type { ResourceDef } from '../api/resource-def';
import type { AdmissionRequest } from '../apiserver/authorization';
import { convertObject } from './equivalent-resources';

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  readonly source: AdmissionRequest;
  readonly operation: Operation;
  readonly kind: GroupVersionKind;
  readonly resource: GroupVersionResource;
  readonly subresource: string;
  readonly name: string;
  readonly namespace: string;
  readonly namespaced: boolean;
  readonly dryRun: boolean;
  readonly userInfo: { readonly username: string; readonly uid: string; readonly groups: readonly string[] };
  /** The kind and resource the client used, when a rule matched an equivalent resource (else kind/resource). */
  readonly requestKind?: GroupVersionKind;
  readonly requestResource?: GroupVersionResource;
}

const SCALE: GroupVersionKind = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

export function admissionAttributes(req: AdmissionRequest): AdmissionAttributes {
  const sub = req.subresource ?? '';
  const d = req.def;
  return {
    source: req,
    operation: req.operation === 'create' ? 'CREATE' : req.operation === 'update' ? 'UPDATE' : 'DELETE',
    kind: sub === 'scale' ? SCALE : { group: d.group, version: d.version, kind: d.kind },
    resource: { group: d.group, version: d.version, resource: d.resource },
    subresource: sub,
    name: req.name ?? String(req.object?.metadata.name ?? req.oldObject?.metadata.name ?? ''),
    namespace: req.namespace ?? '',
    namespaced: d.namespaced,
    dryRun: req.dryRun,
    userInfo: { username: req.user.username, uid: req.user.uid ?? '', groups: [...req.user.groups] },
  };
}

/**
 * The request as seen through an equivalent resource a rule named (matchPolicy Equivalent): kind
 * and resource are `def`'s, requestKind/requestResource stay the client's, and the objects are
 * converted to `def`'s version (copies: see writeBackEquivalent for mutations).
 */
export function asEquivalent(a: AdmissionAttributes, def: ResourceDef): AdmissionAttributes {
  const from = a.source.def;
  if (def === from) return a;
  const convert = a.subresource === 'scale' ? (o: AdmissionRequest['object']) => o : (o: AdmissionRequest['object']) => (o ? convertObject(o, from, def) : undefined);
  const source: AdmissionRequest = { ...a.source, def, object: convert(a.source.object), oldObject: convert(a.source.oldObject) };
  return {
    ...a,
    source,
    kind: a.subresource === 'scale' ? a.kind : { group: def.group, version: def.version, kind: def.kind },
    resource: { group: def.group, version: def.version, resource: def.resource },
    requestKind: a.requestKind ?? a.kind,
    requestResource: a.requestResource ?? a.resource,
  };
}

/** After a mutation through `seen` (from asEquivalent), puts the object back into the client's version. */
export function writeBackEquivalent(original: AdmissionAttributes, seen: AdmissionAttributes): void {
  const target = original.source.object;
  const changed = seen.source.object;
  if (seen === original || !target || !changed || changed === target) return;
  const back = original.subresource === 'scale' ? changed : convertObject(changed, seen.source.def, original.source.def);
  for (const k of Object.keys(target)) delete (target as Record<string, unknown>)[k];
  Object.assign(target, back);
}

/** The AdmissionReview v1 `request` (also CEL's `request` variable), without uid/object/oldObject. */
export function requestView(a: AdmissionAttributes): Record<string, unknown> {
  return {
    kind: a.kind,
    resource: a.resource,
    ...(a.subresource ? { subResource: a.subresource } : {}),
    requestKind: a.requestKind ?? a.kind,
    requestResource: a.requestResource ?? a.resource,
    ...(a.subresource ? { requestSubResource: a.subresource } : {}),
    name: a.name,
    namespace: a.namespace,
    operation: a.operation,
    userInfo: a.userInfo,
    dryRun: a.dryRun,
    options: { apiVersion: 'meta.k8s.io/v1', kind: a.operation === 'CREATE' ? 'CreateOptions' : a.operation === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions' },
  };
}

/**
 * Upstream never sends admissionregistration.k8s.io objects to policies or webhooks, so that a
 * broken webhook or policy can always be fixed or removed.
 */
export function isExemptFromDynamicAdmission(req: AdmissionRequest): boolean {
  return req.def.group === 'admissionregistration.k8s.io';
}
