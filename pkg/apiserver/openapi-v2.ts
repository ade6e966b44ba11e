// OpenAPI v2 (/openapi/v2) assembled from the OpenAPI v3 group-version documents the server
// serves (built-in kinds, CRDs, aggregated APIs alike): their component schemas become
// `definitions` (a kind's x-kubernetes-group-version-kind lists every group version that names
// it), their operations become Swagger 2.0 operations with query/path/body parameters, `consumes`
// and `produces`, as upstream lays out /openapi/v2.
import { v2Schema, withoutDanglingRefs, type OpenApiV2Schema } from '../api/schema/openapi-v2';

type Obj = { readonly [key: string]: unknown };
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The body of PATCH requests, as upstream defines it. */
const PATCH_DEFINITION = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
const VERBS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function gvkKey(g: unknown): string {
  return isObj(g) ? `${String(g.group ?? '')}/${String(g.version ?? '')}/${String(g.kind ?? '')}` : '';
}

/** Adds a v3 component to the definitions; a definition met again adds only the group versions naming it. */
function mergeDefinition(into: Map<string, OpenApiV2Schema>, name: string, v3: unknown): void {
  const next = v2Schema(v3);
  const prev = into.get(name);
  if (!prev) {
    into.set(name, next);
    return;
  }
  const a = prev['x-kubernetes-group-version-kind'];
  const b = next['x-kubernetes-group-version-kind'];
  if (!Array.isArray(b) || b.length === 0) return;
  const merged = Array.isArray(a) ? [...a] : [];
  for (const g of b) if (!merged.some((x) => gvkKey(x) === gvkKey(g))) merged.push(g);
  into.set(name, { ...prev, 'x-kubernetes-group-version-kind': merged });
}

function v2Parameter(p: unknown): OpenApiV2Schema | undefined {
  if (!isObj(p) || typeof p.name !== 'string' || typeof p.in !== 'string') return undefined;
  const schema = isObj(p.schema) ? p.schema : {};
  const out: OpenApiV2Schema = { name: p.name, in: p.in };
  if (typeof p.description === 'string') out.description = p.description;
  if (p.required === true || p.in === 'path') out.required = true;
  out.type = typeof schema.type === 'string' ? schema.type : 'string';
  if (typeof schema.format === 'string') out.format = schema.format;
  if (schema.uniqueItems === true) out.uniqueItems = true;
  return out;
}

function firstSchema(content: unknown): unknown {
  if (!isObj(content)) return undefined;
  for (const media of Object.values(content)) if (isObj(media) && media.schema !== undefined) return media.schema;
  return undefined;
}

/** Upstream's operation tag of a path: `core_v1`, `apps_v1`, `rbacAuthorization_v1` (the group less `.k8s.io`, camel-cased). */
export function operationTag(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[1] === 'api' && parts[2]) return `core_${parts[2]}`;
  if (parts[1] !== 'apis' || !parts[2] || !parts[3]) return undefined;
  const words = parts[2].replace(/\.k8s\.io$/, '').split(/[.-]/).filter(Boolean);
  return `${words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('')}_${parts[3]}`;
}

function v2Operation(op: Obj, tag: string | undefined): OpenApiV2Schema {
  const out: OpenApiV2Schema = {};
  for (const k of ['description', 'summary', 'operationId', 'tags', 'deprecated']) if (op[k] !== undefined) out[k] = op[k];
  if (out.tags === undefined && tag) out.tags = [tag];
  const params: OpenApiV2Schema[] = [];
  const body = isObj(op.requestBody) ? op.requestBody : undefined;
  out.consumes = body && isObj(body.content) ? Object.keys(body.content) : ['*/*'];
  if (body) {
    const s = firstSchema(body.content);
    // Patch bodies are described by media type only in v3; v2 names upstream's Patch definition.
    const ref = isObj(s) && (typeof s.$ref === 'string' || Array.isArray(s.allOf)) ? v2Schema(s) : { $ref: `#/definitions/${PATCH_DEFINITION}` };
    params.push({ name: 'body', in: 'body', required: true, schema: ref });
  }
  for (const p of Array.isArray(op.parameters) ? op.parameters : []) {
    const v = v2Parameter(p);
    if (v) params.push(v);
  }
  if (params.length > 0) out.parameters = params;
  const produces = new Set<string>();
  const responses: Record<string, OpenApiV2Schema> = {};
  for (const [code, r] of Object.entries(isObj(op.responses) ? op.responses : {})) {
    if (!isObj(r)) continue;
    const resp: OpenApiV2Schema = { description: typeof r.description === 'string' ? r.description : '' };
    const s = firstSchema(r.content);
    if (s !== undefined) resp.schema = v2Schema(s);
    if (isObj(r.content)) for (const t of Object.keys(r.content)) produces.add(t);
    responses[code] = resp;
  }
  out.produces = produces.size > 0 ? [...produces] : ['application/json'];
  out.schemes = ['https'];
  out.responses = responses;
  for (const [k, v] of Object.entries(op)) if (k.startsWith('x-')) out[k] = v;
  return out;
}

function v2PathItem(path: string, item: Obj): OpenApiV2Schema {
  const out: OpenApiV2Schema = {};
  const tag = operationTag(path);
  for (const verb of VERBS) if (isObj(item[verb])) out[verb] = v2Operation(item[verb], tag);
  const params = (Array.isArray(item.parameters) ? item.parameters : []).map(v2Parameter).filter((p): p is OpenApiV2Schema => p !== undefined);
  if (params.length > 0) out.parameters = params;
  return out;
}

function sortedObject<T>(m: ReadonlyMap<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
}

/** Every schema a path item holds (parameters' and responses'), made safe against dangling references. */
function cleanPathItem(item: OpenApiV2Schema, known: ReadonlySet<string>): OpenApiV2Schema {
  const out: OpenApiV2Schema = { ...item };
  for (const verb of VERBS) {
    const op = item[verb];
    if (!isObj(op)) continue;
    const params = Array.isArray(op.parameters) ? op.parameters.map((p: unknown) => (isObj(p) && p.schema !== undefined ? { ...p, schema: withoutDanglingRefs(p.schema, known) } : p)) : undefined;
    const responses = isObj(op.responses) ? Object.fromEntries(Object.entries(op.responses).map(([c, r]) => [c, isObj(r) && r.schema !== undefined ? { ...r, schema: withoutDanglingRefs(r.schema, known) } : r])) : undefined;
    out[verb] = { ...op, ...(params ? { parameters: params } : {}), ...(responses ? { responses } : {}) };
  }
  return out;
}

/** The Swagger 2.0 document of all the given OpenAPI v3 group-version documents. */
export function buildOpenApiV2(v3Documents: Iterable<unknown>, kubernetesVersion: string): OpenApiV2Schema {
  const definitions = new Map<string, OpenApiV2Schema>();
  const paths = new Map<string, OpenApiV2Schema>();
  for (const doc of v3Documents) {
    if (!isObj(doc)) continue;
    const schemas = isObj(doc.components) && isObj(doc.components.schemas) ? doc.components.schemas : {};
    for (const [name, s] of Object.entries(schemas)) mergeDefinition(definitions, name, s);
    for (const [p, item] of Object.entries(isObj(doc.paths) ? doc.paths : {})) if (isObj(item) && !paths.has(p)) paths.set(p, v2PathItem(p, item));
  }
  if (!definitions.has(PATCH_DEFINITION)) definitions.set(PATCH_DEFINITION, { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' });
  const known = new Set(definitions.keys());
  for (const [name, s] of definitions) definitions.set(name, withoutDanglingRefs(s, known) as OpenApiV2Schema);
  for (const [p, item] of paths) paths.set(p, cleanPathItem(item, known));
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: kubernetesVersion },
    paths: sortedObject(paths),
    definitions: sortedObject(definitions),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}
