// /openapi against the built binary. v3: documents are content-addressed (the index's hash is the
// SHA-512 of the document served), cacheable as immutable under their hash, redirected from an old
// hash, 304 on If-None-Match. v2: the Swagger 2.0 document (definitions with #/definitions/
// references and x-kubernetes-group-version-kind, paths per resource and verb) over HTTPS as JSON
// and as gnostic protobuf (what client-go asks for), ETag / If-None-Match, gzip, 406 for formats
// it cannot produce; CRDs joining it; and the real kubectl reading it (`explain
// --output=plaintext-openapiv2`, client-side validation of kinds without a PATCH operation).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from './helpers/cluster';

const PROTOBUF_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

type Obj = Record<string, unknown>;

function get(s: TestServer, urlPath: string, headers: Record<string, string> = {}): Promise<Answer> {
  const tls = path.join(s.dataDir, 'server', 'tls');
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: s.port,
        path: urlPath,
        ca: fs.readFileSync(path.join(tls, 'server-ca.crt')),
        cert: fs.readFileSync(path.join(tls, 'client-admin.crt')),
        key: fs.readFileSync(path.join(tls, 'client-admin.key')),
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const WIDGET_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size, note]
            properties:
              size: {type: integer, minimum: 1}
              port: {x-kubernetes-int-or-string: true}
              note: {type: string, nullable: true}
              tags: {type: array, items: {type: string}}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {kept: {type: string}}}
              choice: {type: string, enum: [a, b]}
`;

describe('OpenAPI v3 and v2', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer();
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('v3 documents are named by the hash of their bytes, immutable under it, redirected from an old one', async () => {
    const index = await get(s, '/openapi/v3');
    expect(index.status).toBe(200);
    expect((await get(s, '/openapi/v3', { 'If-None-Match': String(index.headers.etag) })).status).toBe(304);
    const paths = (JSON.parse(index.body.toString('utf8')) as { paths: Record<string, { serverRelativeURL: string }> }).paths;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/apiextensions.k8s.io/v1']));
    const url = paths['apis/apps/v1']!.serverRelativeURL;
    const hash = new URL(url, 'https://x').searchParams.get('hash')!;
    const doc = await get(s, url);
    expect(doc.status).toBe(200);
    expect(crypto.createHash('sha512').update(doc.body).digest('hex').toUpperCase()).toBe(hash);
    expect(doc.headers.etag).toBe(`"${hash}"`);
    expect(doc.headers['cache-control']).toBe('public, immutable');
    expect((await get(s, url, { 'If-None-Match': `"${hash}"` })).status).toBe(304);
    const old = await get(s, '/openapi/v3/apis/apps/v1?hash=0123');
    expect(old.status).toBe(301);
    expect(old.headers.location).toBe(url);
    expect((await get(s, '/openapi/v3/apis/apps/v1', { Accept: 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf' })).status).toBe(406);
    expect((await get(s, '/openapi/v3/apis/nothing.example.com/v1')).status).toBe(404);
  });

  it('serves the built-in API as Swagger 2.0 JSON with definitions, GVKs and per-verb paths', async () => {
    const a = await get(s, '/openapi/v2', { Accept: 'application/json' });
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/json');
    const doc = JSON.parse(a.body.toString('utf8')) as { swagger: string; info: Obj; paths: Record<string, Obj>; definitions: Record<string, Obj> };
    expect(doc.swagger).toBe('2.0');
    expect(doc.info).toMatchObject({ title: 'Kubernetes' });

    const deployment = doc.definitions['io.k8s.api.apps.v1.Deployment']!;
    expect(deployment['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    expect((deployment.properties as Obj).spec).toEqual({ $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec' });
    expect((deployment.properties as Obj).metadata).toEqual({ $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
    const containers = ((doc.definitions['io.k8s.api.core.v1.PodSpec']!.properties as Obj).containers as Obj);
    expect(containers).toMatchObject({ type: 'array', items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' }, 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
    expect(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ type: 'string', format: 'int-or-string' });
    // Every reference names a definition: v2 clients reject the whole document over one dangling reference.
    const refs = [...a.body.toString('utf8').matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(1000);
    expect(refs.filter((r) => !(r in doc.definitions))).toEqual([]);
    expect(a.body.toString('utf8')).not.toContain('#/components/');

    const collection = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments']!;
    expect(Object.keys(collection).sort()).toEqual(['delete', 'get', 'parameters', 'post']);
    expect(collection.get).toMatchObject({ operationId: 'listAppsV1NamespacedDeployment', tags: ['apps_v1'], schemes: ['https'], 'x-kubernetes-action': 'list', 'x-kubernetes-group-version-kind': { group: 'apps', version: 'v1', kind: 'Deployment' } });
    expect((collection.get as Obj).responses).toMatchObject({ '200': { schema: { $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentList' } } });
    expect((collection.post as Obj).parameters).toContainEqual({ name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } });
    expect(collection.parameters).toContainEqual({ name: 'namespace', in: 'path', required: true, type: 'string', uniqueItems: true });
    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']!;
    expect(Object.keys(item).sort()).toEqual(['delete', 'get', 'parameters', 'patch', 'put']);
    expect((item.patch as Obj).consumes).toEqual(expect.arrayContaining(['application/strategic-merge-patch+json', 'application/merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml']));
    expect((item.patch as Obj).parameters).toContainEqual({ name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } });
    expect((item.patch as Obj).parameters).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query', type: 'string' }));
    expect((item.delete as Obj).responses).toMatchObject({ '200': { schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Status' } } });
    expect(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/status']).toBeDefined();
    expect(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']).toBeDefined();
    expect(doc.paths['/api/v1/pods']).toMatchObject({ get: { 'x-kubernetes-action': 'list' } });
  });

  it('negotiates JSON and protobuf, honours If-None-Match and gzip, and answers 406 otherwise', async () => {
    const json = await get(s, '/openapi/v2');
    expect(json.status).toBe(200);
    const etag = String(json.headers.etag);
    expect(etag).toMatch(/^"[0-9A-F]{128}"$/);
    expect((await get(s, '/openapi/v2', { 'If-None-Match': etag })).status).toBe(304);

    const pb = await get(s, '/openapi/v2', { Accept: PROTOBUF_ACCEPT });
    expect(pb.status).toBe(200);
    expect(pb.headers['content-type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    // Document.swagger (field 1, length-delimited) = "2.0" comes first.
    expect([...pb.body.subarray(0, 5)]).toEqual([0x0a, 0x03, 0x32, 0x2e, 0x30]);
    expect(pb.body.includes(Buffer.from('io.k8s.api.apps.v1.Deployment'))).toBe(true);
    expect((await get(s, '/openapi/v2', { Accept: PROTOBUF_ACCEPT, 'If-None-Match': String(pb.headers.etag) })).status).toBe(304);

    const preferJson = await get(s, '/openapi/v2', { Accept: `${PROTOBUF_ACCEPT};q=0.5, application/json` });
    expect(preferJson.headers['content-type']).toBe('application/json');
    const gz = await get(s, '/openapi/v2', { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).equals(json.body)).toBe(true);

    const refused = await get(s, '/openapi/v2', { Accept: 'application/yaml' });
    expect(refused.status).toBe(406);
    expect(JSON.parse(refused.body.toString('utf8'))).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 });
    expect((await get(s, '/openapi/v2', { Accept: 'application/yaml, */*;q=0.1' })).status).toBe(200);
  });

  it('kubectl explain --output=plaintext-openapiv2 reads built-in kinds from the protobuf document', async () => {
    const r = await s.kubectl(['explain', '--output=plaintext-openapiv2', 'pods.spec']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/KIND:\s+Pod/);
    expect(r.stdout).toMatch(/containers\s+<\[\]Object> -required-/);
    expect(r.stdout).toMatch(/nodeSelector\s+<map\[string\]string>/);
    const strategy = await s.kubectl(['explain', '--output=plaintext-openapiv2', 'deployments.spec.strategy.rollingUpdate']);
    expect(strategy.exitCode, strategy.stderr).toBe(0);
    expect(strategy.stdout).toMatch(/maxSurge\s+<string>/);
  });

  it('kubectl create -f validates kinds without a PATCH operation against /openapi/v2', async () => {
    const sar = (extra: string) =>
      `{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"jane",${extra}"resourceAttributes":{"namespace":"a","verb":"create","group":"apps","resource":"deployments"}}}`;
    const created = await s.kubectl(['create', '-f', '-', '-o', 'jsonpath={.status.allowed}'], { input: sar('') });
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stdout).toBe('false');
    const bogus = await s.kubectl(['create', '-f', '-', '-o', 'json'], { input: sar('"bogus":1,') });
    expect(bogus.exitCode).not.toBe(0);
    expect(bogus.stderr).toContain('unknown field "bogus" in io.k8s.api.authorization.v1.SubjectAccessReviewSpec');
  });

  it('a CRD joins the document with its schema made safe for v2 clients, and the ETag changes', async () => {
    const before = String((await get(s, '/openapi/v2')).headers.etag);
    const applied = await s.kubectl(['apply', '-f', '-'], { input: WIDGET_CRD });
    expect(applied.exitCode, applied.stderr).toBe(0);
    const doc = await eventually(
      async () => {
        const d = JSON.parse((await get(s, '/openapi/v2')).body.toString('utf8')) as { paths: Record<string, Obj>; definitions: Record<string, Obj> };
        return d.definitions['com.example.v1.Widget'] ? d : undefined;
      },
      'the Widget definition in /openapi/v2',
      20_000,
      200,
    );
    expect(String((await get(s, '/openapi/v2')).headers.etag)).not.toBe(before);
    const widget = doc.definitions['com.example.v1.Widget']!;
    expect(widget['x-kubernetes-group-version-kind']).toEqual([{ group: 'example.com', version: 'v1', kind: 'Widget' }]);
    const spec = (widget.properties as Record<string, Obj>).spec!;
    const props = spec.properties as Record<string, Obj>;
    expect(props.size).toEqual({ type: 'integer', minimum: 1 });
    expect(props.port).toEqual({ 'x-kubernetes-int-or-string': true });
    // nullable: no type and no longer required; preserve-unknown-fields: untyped, without properties.
    expect(props.note).toEqual({});
    expect(spec.required).toEqual(['size']);
    expect(props.extra).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(props.choice).toEqual({ type: 'string', enum: ['a', 'b'] });
    expect(doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}']).toMatchObject({ get: { 'x-kubernetes-group-version-kind': { kind: 'Widget' } } });

    const explain = await eventually(
      async () => {
        const r = await s.kubectl(['explain', '--output=plaintext-openapiv2', 'widgets.spec']);
        return r.exitCode === 0 ? r : undefined;
      },
      'kubectl explain of the CRD over OpenAPI v2',
      20_000,
      250,
    );
    expect(explain.stdout).toMatch(/size\s+<integer> -required-/);
    expect(explain.stdout).toMatch(/tags\s+<\[\]string>/);
  });
});
