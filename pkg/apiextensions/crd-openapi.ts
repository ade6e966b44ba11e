// OpenAPI v3 for CustomResourceDefinitions and the custom resources they serve, layered over the
// built-in provider: group-versions holding custom resources (and apiextensions.k8s.io/v1) get
// documents built from the CRDs' schemas, rebuilt whenever the served set changes.
import * as crypto from 'node:crypto';
import type { OpenApiProvider } from '../apiserver/api-server';
import type { CatalogView } from '../apiserver/catalog-view';
import { groupVersionDocument, gvPath, type SchemaSource } from '../apiserver/openapi';
import { CRD_COMPONENT, CRD_LIST_COMPONENT, crdComponents } from './crd-openapi-schema';
import type { CustomResources } from './custom-resources';
import { CRD_GROUP } from './types';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const SCALE = 'io.k8s.api.autoscaling.v1.Scale';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function reversedGroup(group: string): string {
  return group.split('.').reverse().join('.');
}

function componentsOf(doc: unknown): Record<string, unknown> {
  const c = (doc as { components?: { schemas?: Record<string, unknown> } } | undefined)?.components?.schemas;
  return c ?? {};
}

export function customResourceOpenApi(base: OpenApiProvider, catalog: CatalogView, crs: CustomResources): OpenApiProvider {
  const docs = new Map<string, unknown>();
  let shared: { meta: Record<string, unknown>; version: string } | undefined;
  const sharedParts = () => {
    if (!shared) {
      const core = base.document('api/v1') as { info?: { version?: string } } | undefined;
      const meta = Object.fromEntries(Object.entries(componentsOf(core)).filter(([k]) => k.startsWith('io.k8s.apimachinery.')));
      const scale = componentsOf(base.document('apis/autoscaling/v1'))[SCALE];
      shared = { meta: { ...meta, ...(scale ? { [SCALE]: scale } : {}) }, version: core?.info?.version ?? '' };
    }
    return shared;
  };
  const customIn = (group: string, version: string) => catalog.inGroupVersion(group, version).filter((d) => crs.info(d));
  const dynamic = (group: string, version: string) => (group === CRD_GROUP && version === 'v1') || customIn(group, version).length > 0;
  const source: SchemaSource = {
    componentName(group, version, kind) {
      if (group === CRD_GROUP && version === 'v1') return kind === 'CustomResourceDefinition' ? CRD_COMPONENT : kind === 'CustomResourceDefinitionList' ? CRD_LIST_COMPONENT : undefined;
      const def = customIn(group, version).find((d) => d.kind === kind || (d.listKind ?? `${d.kind}List`) === kind);
      return def ? `${reversedGroup(group)}.${version}.${kind}` : undefined;
    },
    components(group, version) {
      const out: Record<string, unknown> = { ...sharedParts().meta };
      if (group === CRD_GROUP && version === 'v1') Object.assign(out, crdComponents());
      for (const def of customIn(group, version)) {
        const info = crs.info(def)!;
        const name = `${reversedGroup(group)}.${version}.${def.kind}`;
        const listKind = def.listKind ?? `${def.kind}List`;
        const props = { ...(info.schema.properties ?? {}) } as Record<string, unknown>;
        props.apiVersion = { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' };
        props.kind = { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' };
        props.metadata = { allOf: [ref(`${META}ObjectMeta`)], description: "Standard object's metadata." };
        out[name] = { ...info.schema, type: 'object', properties: props, 'x-kubernetes-group-version-kind': [{ group, version, kind: def.kind }] };
        out[`${reversedGroup(group)}.${version}.${listKind}`] = {
          type: 'object',
          description: `${listKind} is a list of ${def.kind}`,
          properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { allOf: [ref(`${META}ListMeta`)] }, items: { type: 'array', items: ref(name) } },
          required: ['items'],
          'x-kubernetes-group-version-kind': [{ group, version, kind: listKind }],
        };
      }
      return out;
    },
  };
  const hash = (group: string, version: string) => crypto.createHash('sha512').update(`${group}/${version}@${crs.stamp}`).digest('hex').toUpperCase().slice(0, 128);
  return {
    index() {
      const idx = base.index() as { paths?: Record<string, { serverRelativeURL: string }> };
      const paths = { ...(idx.paths ?? {}) };
      for (const g of catalog.groups) {
        for (const v of g.versions) {
          if (!dynamic(g.group, v)) continue;
          const p = gvPath(g.group, v);
          paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash(g.group, v)}` };
        }
      }
      return { ...idx, paths };
    },
    document(path) {
      const parts = path.split('/');
      const [group, version] = parts[0] === 'apis' && parts.length === 3 ? [parts[1]!, parts[2]!] : ['', ''];
      if (!version || !dynamic(group, version)) return base.document(path);
      const key = `${path}@${crs.stamp}`;
      let doc = docs.get(key);
      if (doc === undefined) {
        for (const k of docs.keys()) if (k.startsWith(`${path}@`)) docs.delete(k);
        doc = groupVersionDocument(group, version, catalog.inGroupVersion(group, version), source, sharedParts().version);
        docs.set(key, doc);
      }
      return doc;
    },
  };
}
