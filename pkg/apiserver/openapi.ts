// OpenAPI v3: the index at /openapi/v3 and one document per group-version, with paths built from the
// catalog and component schemas from the schema fact table. kubectl looks for the PATCH operation
// of a kind listing a `fieldValidation` parameter before it relies on server-side validation.
import * as crypto from 'node:crypto';
import type { ResourceDef } from '../api/resource-def';
import type { OpenApiProvider } from './api-server';
import type { CatalogView } from './catalog-view';

export interface SchemaSource {
  /** Component schemas needed by these kinds and extra components (transitively), keyed by upstream's names. */
  components(group: string, version: string, kinds: readonly string[], extraComponents: readonly string[]): Record<string, unknown>;
  /** The component name of a kind, e.g. io.k8s.api.apps.v1.Deployment. */
  componentName(group: string, version: string, kind: string): string | undefined;
}

const STATUS_REF = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
const SCALE_REF = 'io.k8s.api.autoscaling.v1.Scale';

function param(name: string, type: 'string' | 'boolean' | 'integer' = 'string') {
  return { name, in: 'query', schema: { type, uniqueItems: true } };
}

const WRITE_PARAMS = [param('dryRun'), param('fieldManager'), param('fieldValidation')];
const LIST_PARAMS = ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'].map((n) =>
  param(n, n === 'limit' || n === 'timeoutSeconds' ? 'integer' : n === 'watch' || n === 'allowWatchBookmarks' || n === 'sendInitialEvents' ? 'boolean' : 'string'),
);

function basePath(r: ResourceDef, namespaced: boolean): string {
  return `${r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`}${namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
}

function pathParams(namespaced: boolean, named: boolean) {
  const ps: object[] = [];
  if (named) ps.push({ name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } });
  if (namespaced) ps.push({ name: 'namespace', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } });
  return ps;
}

function content(ref: string, types: readonly string[] = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']) {
  return Object.fromEntries(types.map((t) => [t, { schema: { $ref: `#/components/schemas/${ref}` } }]));
}

const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

function operations(r: ResourceDef, ref: string, listRef: string | undefined, kindName: string) {
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const op = (action: string, id: string, extra: object = {}) => ({
    operationId: `${id}${kindName}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    responses: { '200': { description: 'OK', content: content(ref) }, '401': { description: 'Unauthorized' } },
    ...extra,
  });
  const paths: Record<string, object> = {};
  const collection: Record<string, object> = {};
  const item: Record<string, object> = {};
  const v = r.verbs;
  if (v.includes('list')) collection.get = op('list', 'list', listRef ? { parameters: LIST_PARAMS, responses: { '200': { description: 'OK', content: content(listRef) } } } : { parameters: LIST_PARAMS });
  if (v.includes('create')) collection.post = op('post', 'create', { parameters: WRITE_PARAMS, requestBody: { content: content(ref, ['*/*']), required: true } });
  if (v.includes('deletecollection')) collection.delete = op('deletecollection', 'deleteCollection', { parameters: LIST_PARAMS });
  if (v.includes('get')) item.get = op('get', 'read');
  if (v.includes('update')) item.put = op('put', 'replace', { parameters: WRITE_PARAMS, requestBody: { content: content(ref, ['*/*']), required: true } });
  if (v.includes('patch')) {
    item.patch = op('patch', 'patch', {
      parameters: [...WRITE_PARAMS, param('force', 'boolean')],
      requestBody: { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: { type: 'object' } }])), required: true },
    });
  }
  if (v.includes('delete')) item.delete = op('delete', 'delete', { parameters: [param('gracePeriodSeconds', 'integer'), param('propagationPolicy'), param('dryRun')], responses: { '200': { description: 'OK', content: content(STATUS_REF) } } });
  for (const namespaced of r.namespaced ? [true, false] : [false]) {
    const base = basePath(r, namespaced);
    if (!namespaced && r.namespaced) {
      if (collection.get) paths[base] = { get: collection.get, parameters: [] };
      continue;
    }
    if (Object.keys(collection).length) paths[base] = { ...collection, parameters: pathParams(namespaced, false) };
    if (Object.keys(item).length) paths[`${base}/{name}`] = { ...item, parameters: pathParams(namespaced, true) };
    for (const sub of r.subresources ?? []) {
      if (sub.name !== 'status' && sub.name !== 'scale') continue;
      const subRef = sub.name === 'scale' ? SCALE_REF : ref;
      const subOps: Record<string, object> = {};
      const sop = (action: string, id: string, extra: object = {}) => ({ ...op(action, id, extra), operationId: `${id}${kindName}${sub.name[0]!.toUpperCase()}${sub.name.slice(1)}`, responses: { '200': { description: 'OK', content: content(subRef) } } });
      if (sub.verbs.includes('get')) subOps.get = sop('get', 'read');
      if (sub.verbs.includes('update')) subOps.put = sop('put', 'replace', { parameters: WRITE_PARAMS });
      if (sub.verbs.includes('patch')) subOps.patch = sop('patch', 'patch', { parameters: [...WRITE_PARAMS, param('force', 'boolean')], requestBody: { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: { type: 'object' } }])) } });
      paths[`${base}/{name}/${sub.name}`] = { ...subOps, parameters: pathParams(namespaced, true) };
    }
  }
  return paths;
}

export function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** The OpenAPI v3 document of one group-version: paths of `resources` and the component schemas they need. */
export function groupVersionDocument(group: string, version: string, resources: readonly ResourceDef[], schemas: SchemaSource, kubernetesVersion: string): unknown {
  const paths: Record<string, object> = {};
  const kinds = new Set<string>();
  for (const r of resources) {
    const ref = schemas.componentName(r.group, r.version, r.kind);
    if (!ref) continue;
    kinds.add(r.kind);
    const listKind = r.listKind ?? `${r.kind}List`;
    const listRef = schemas.componentName(r.group, r.version, listKind);
    if (listRef) kinds.add(listKind);
    const kindName = `${group ? group.split('.')[0]!.replace(/^./, (c) => c.toUpperCase()) : 'Core'}${version.replace(/^./, (c) => c.toUpperCase())}${r.namespaced ? 'Namespaced' : ''}${r.kind}`;
    Object.assign(paths, operations(r, ref, listRef, kindName));
  }
  const extra = [STATUS_REF, ...(resources.some((r) => r.subresources?.some((s) => s.name === 'scale')) ? [SCALE_REF] : [])];
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: kubernetesVersion }, paths, components: { schemas: schemas.components(group, version, [...kinds], extra) } };
}

export function createOpenApiProvider(catalog: CatalogView, schemas: SchemaSource, kubernetesVersion: string): OpenApiProvider {
  const docs = new Map<string, { doc: unknown }>();
  const build = (group: string, version: string) => {
    const key = gvPath(group, version);
    let entry = docs.get(key);
    if (entry) return entry;
    entry = { doc: groupVersionDocument(group, version, catalog.inGroupVersion(group, version), schemas, kubernetesVersion) };
    docs.set(key, entry);
    return entry;
  };
  // The documents are fixed for a build: this stamp of what they are made of only keys caches; the
  // hash clients see is that of the document's bytes (OpenApiEndpoints).
  const cheapHash = (group: string, version: string) =>
    crypto
      .createHash('sha512')
      .update(JSON.stringify([kubernetesVersion, group, version, catalog.inGroupVersion(group, version).map((r) => [r.resource, r.kind, r.verbs, r.namespaced, r.subresources?.map((s) => [s.name, s.verbs])])]))
      .digest('hex')
      .toUpperCase()
      .slice(0, 128);
  return {
    index() {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const g of catalog.groups) {
        for (const v of g.versions) {
          const p = gvPath(g.group, v);
          paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${cheapHash(g.group, v)}` };
        }
      }
      return { paths };
    },
    document(path) {
      const parts = path.split('/');
      if (parts[0] === 'api' && parts.length === 2 && catalog.servesGroupVersion('', parts[1]!)) return build('', parts[1]!).doc;
      if (parts[0] === 'apis' && parts.length === 3 && catalog.servesGroupVersion(parts[1]!, parts[2]!)) return build(parts[1]!, parts[2]!).doc;
      return undefined;
    },
  };
}
