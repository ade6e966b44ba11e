// Helpers that keep group-version modules declarative: a resource is one `defineResource({...})`
// with its subresources built from the shapes below.
import { ALL_VERBS, type ResourceDef, type Strategy, type SubresourceDef, type Verb } from '../resource-def';

export type ResourceInput = Omit<ResourceDef, 'verbs'> & { readonly verbs?: readonly Verb[] };

/** Freezes a definition; verbs default to the full set, listKind to `<Kind>List`. */
export function defineResource(input: ResourceInput): ResourceDef {
  const def: ResourceDef = {
    ...input,
    listKind: input.listKind ?? `${input.kind}List`,
    verbs: Object.freeze([...(input.verbs ?? ALL_VERBS)]),
    ...(input.shortNames ? { shortNames: Object.freeze([...input.shortNames]) } : {}),
    ...(input.categories ? { categories: Object.freeze([...input.categories]) } : {}),
    ...(input.subresources ? { subresources: Object.freeze(input.subresources.map((s) => Object.freeze({ ...s }))) } : {}),
  };
  return Object.freeze(def);
}

/** `<resource>/status`: the parent kind, get/patch/update, status-only strategy. */
export function statusSubresource(kind: string, strategy: Strategy): SubresourceDef {
  return { name: 'status', kind, verbs: ['get', 'patch', 'update'], strategy };
}

/** `<resource>/scale`: autoscaling/v1 Scale, get/patch/update. */
export function scaleSubresource(strategy: Strategy): SubresourceDef {
  return { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'], strategy };
}

/** Connect-style and action subresources (log, exec, proxy, token…): no stored body of their own. */
export function actionSubresource(name: string, kind: string, verbs: readonly Verb[], gv?: { group: string; version: string }): SubresourceDef {
  return { name, kind, verbs, ...(gv ? { group: gv.group, version: gv.version } : {}) };
}

/** get/patch/update on the parent kind with its own strategy (ephemeralcontainers, resize). */
export function updateSubresource(name: string, kind: string, strategy: Strategy): SubresourceDef {
  return { name, kind, verbs: ['get', 'patch', 'update'], strategy };
}

export const PROXY_VERBS: readonly Verb[] = ['create', 'delete', 'get', 'patch', 'update'];
/** Namespaces (no deletecollection upstream). */
export const NAMESPACE_VERBS: readonly Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
