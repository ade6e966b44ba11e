// The Addon resource (k3ts.io/v1, pkg/api/catalog/k3ts-v1.ts) as the deployer addresses it.
import type { KubeObject } from '../api/types';
import type { ResourceRef } from '../client/resource-ref';

export const ADDON_NAMESPACE = 'kube-system';
export const DEPLOY_FIELD_MANAGER = 'k3ts-deploy';

export const ADDONS: ResourceRef = Object.freeze({ group: 'k3ts.io', version: 'v1', resource: 'addons', kind: 'Addon', namespaced: true });

/** One object applied from a manifest, as recorded in the Addon's status.objects. */
export interface AppliedObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export function refKey(r: AppliedObjectRef): string {
  return `${r.apiVersion}|${r.kind}|${r.namespace ?? ''}|${r.name}`;
}

export function refString(r: AppliedObjectRef): string {
  return `${r.kind}${r.namespace ? ` ${r.namespace}/` : ' '}${r.name}`;
}

/** status.objects of an Addon (malformed entries are dropped). */
export function appliedObjectsOf(addon: KubeObject | undefined): AppliedObjectRef[] {
  const status = addon?.status;
  const list = typeof status === 'object' && status !== null && !Array.isArray(status) ? (status as Record<string, unknown>).objects : undefined;
  if (!Array.isArray(list)) return [];
  const out: AppliedObjectRef[] = [];
  for (const o of list) {
    if (typeof o !== 'object' || o === null) continue;
    const r = o as Record<string, unknown>;
    if (typeof r.apiVersion !== 'string' || typeof r.kind !== 'string' || typeof r.name !== 'string') continue;
    out.push({ apiVersion: r.apiVersion, kind: r.kind, name: r.name, ...(typeof r.namespace === 'string' && r.namespace ? { namespace: r.namespace } : {}) });
  }
  return out;
}

/** The Addon as the deployer applies it (server-side apply, field manager k3ts-deploy). */
export function addonObject(name: string, source: string, checksum: string, objects?: readonly AppliedObjectRef[]): KubeObject {
  return {
    apiVersion: 'k3ts.io/v1',
    kind: 'Addon',
    metadata: { name, namespace: ADDON_NAMESPACE },
    spec: { source, checksum },
    ...(objects ? { status: { objects: objects.map((o) => ({ ...o })) } } : {}),
  };
}
