// Raw HTTPS against the built dist/k3ts (real TLS, the admin client certificate from the
// kubeconfig it wrote): the exact Status answers, discovery content types, watch framing and
// deletion semantics that Kubernetes clients rely on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, loadAdminCredentials, statusProblem, type ApiClient, type ApiResponse, type StatusShape } from './helpers/api-client';
import { eventually, startTestServer, type TestServer } from './helpers/cluster';
import { etcdAvailable, startEtcd, type TestEtcd } from './helpers/etcd';

const NS = 'errors';
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const JSON_HEADERS = { 'Content-Type': 'application/json' };

function status(r: ApiResponse, code: number, reason: string): StatusShape {
  expect(r.status, r.text).toBe(code);
  expect(r.headers['content-type']).toBe('application/json');
  expect(statusProblem(r.json, code), r.text).toBeUndefined();
  const s = r.json as StatusShape;
  expect(s.reason).toBe(reason);
  return s;
}

function configMap(name: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' }, ...extra });
}

describe('API errors and protocol details', () => {
  let s: TestServer;
  let api: ApiClient;
  const post = (path: string, body: string, headers: Record<string, string> = JSON_HEADERS) => api.request({ method: 'POST', path, body, headers });
  const get = (path: string) => api.request({ path });

  beforeAll(async () => {
    s = await startTestServer();
    api = createApiClient(loadAdminCredentials(s.kubeconfig));
    const r = await post('/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }));
    expect(r.status, r.text).toBe(201);
  }, 120_000);
  afterAll(async () => {
    api?.close();
    await s?.stop();
  });

  it('answers 401 without a client certificate, except for health and version', async () => {
    for (const path of ['/api', '/apis', `/api/v1/namespaces/${NS}/pods`, '/api/v1/namespaces/default/pods/x']) {
      const s401 = status(await api.request({ path, anonymous: true }), 401, 'Unauthorized');
      expect(s401.message).toBe('Unauthorized');
    }
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const r = await api.request({ path, anonymous: true });
      expect([path, r.status, r.text]).toEqual([path, 200, 'ok']);
    }
    const v = await api.request({ path: '/version', anonymous: true });
    expect(v.status).toBe(200);
    expect(v.json).toMatchObject({ major: '1', minor: '36' });
  });

  it('answers 404 NotFound for unknown types and objects', async () => {
    for (const path of [`/api/v1/namespaces/${NS}/foos`, '/apis/example.com/v1/widgets', `/apis/apps/v1/namespaces/${NS}/pods`, '/api/v2/pods']) {
      expect(status(await get(path), 404, 'NotFound').message).toBe('the server could not find the requested resource');
    }
    const pod = status(await get(`/api/v1/namespaces/${NS}/pods/x`), 404, 'NotFound');
    expect(pod.message).toBe('pods "x" not found');
    expect(pod.details).toEqual({ name: 'x', kind: 'pods' });
    const deploy = status(await get(`/apis/apps/v1/namespaces/${NS}/deployments/web`), 404, 'NotFound');
    expect(deploy.message).toBe('deployments.apps "web" not found');
    expect(deploy.details).toEqual({ name: 'web', group: 'apps', kind: 'deployments' });
    // Creating in a namespace that does not exist is NotFound on the namespace.
    const ns = status(await post('/api/v1/namespaces/nope/configmaps', configMap('a')), 404, 'NotFound');
    expect(ns.message).toBe('namespaces "nope" not found');
  });

  it('answers 400 for malformed JSON and YAML and for a body of the wrong kind', async () => {
    const badJson = status(await post(CM, '{"apiVersion": "v1", "kind": '), 400, 'BadRequest');
    expect(badJson.message).toMatch(/^json parse error: .+/);
    const badYaml = status(await post(CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n', { 'Content-Type': 'application/yaml' }), 400, 'BadRequest');
    expect(badYaml.message).toMatch(/^error converting YAML to JSON: .*line \d+/s);
    const notObject = status(await post(CM, '[1, 2]'), 400, 'BadRequest');
    expect(notObject.message).toContain('must be a JSON object');
    const noKind = status(await post(CM, '{"metadata": {"name": "x"}}'), 400, 'BadRequest');
    expect(noKind.message).toMatch(/^Object 'Kind' is missing in/);
    const wrongKind = status(await post(CM, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } })), 400, 'BadRequest');
    expect(wrongKind.message).toBe('the kind in the request body (Secret) does not match the kind of the resource (ConfigMap)');
    const wrongVersion = status(await post(CM, JSON.stringify({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } })), 400, 'BadRequest');
    expect(wrongVersion.message).toContain('(apps/v1)');
    // Well-formed YAML is a valid body.
    const yamlOk = await post(CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-yaml}\ndata: {k: v}\n', { 'Content-Type': 'application/yaml' });
    expect(yamlOk.status, yamlOk.text).toBe(201);
  });

  it('answers 413 for bodies over 3 MiB, declared or chunked', async () => {
    const big = configMap('big', { data: { a: 'x'.repeat(3 * 1024 * 1024) } });
    const declared = status(await post(CM, big), 413, 'RequestEntityTooLarge');
    expect(declared.message).toContain('3145728');
    status(await api.request({ method: 'POST', path: CM, body: big, chunked: true, headers: JSON_HEADERS }), 413, 'RequestEntityTooLarge');
    // The connection is still usable afterwards and nothing was created.
    status(await get(`${CM}/big`), 404, 'NotFound');
  });

  it('answers 415 for an unsupported Content-Type', async () => {
    const r = status(await post(CM, configMap('t'), { 'Content-Type': 'text/plain' }), 415, 'UnsupportedMediaType');
    expect(r.message).toContain('"text/plain"');
    expect(r.message).toContain('application/json');
    // A patch type on create is just as unsupported.
    status(await post(CM, configMap('t'), { 'Content-Type': 'application/merge-patch+json' }), 415, 'UnsupportedMediaType');
    // …and an object type on PATCH.
    status(await api.request({ method: 'PATCH', path: `${CM}/t`, body: '{}', headers: { 'Content-Type': 'application/json' } }), 415, 'UnsupportedMediaType');
  });

  it('answers 409 AlreadyExists and 409 Conflict on a stale resourceVersion', async () => {
    const created = await post(CM, configMap('dup'));
    expect(created.status).toBe(201);
    const exists = status(await post(CM, configMap('dup')), 409, 'AlreadyExists');
    expect(exists.message).toBe('configmaps "dup" already exists');
    expect(exists.details).toEqual({ name: 'dup', kind: 'configmaps' });
    const obj = created.json as { metadata: { resourceVersion: string } };
    const put = (data: Record<string, string>, rv: string) =>
      api.request({ method: 'PUT', path: `${CM}/dup`, body: configMap('dup', { data, metadata: { name: 'dup', resourceVersion: rv } }), headers: JSON_HEADERS });
    const first = await put({ a: '2' }, obj.metadata.resourceVersion);
    expect(first.status, first.text).toBe(200);
    const stale = status(await put({ a: '3' }, obj.metadata.resourceVersion), 409, 'Conflict');
    expect(stale.message).toBe('Operation cannot be fulfilled on configmaps "dup": the object has been modified; please apply your changes to the latest version and try again');
    expect(stale.details).toMatchObject({ name: 'dup', kind: 'configmaps' });
    expect(((await get(`${CM}/dup`)).json as { data: unknown }).data).toEqual({ a: '2' });
  });

  it('answers 422 Invalid with the field path of every cause', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'Bad_Name' },
      spec: { replicas: -1, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'main' }] } } },
    };
    const r = status(await post(`/apis/apps/v1/namespaces/${NS}/deployments`, JSON.stringify(deployment)), 422, 'Invalid');
    expect(r.message).toMatch(/^Deployment\.apps "Bad_Name" is invalid: /);
    expect(r.details).toMatchObject({ name: 'Bad_Name', group: 'apps', kind: 'Deployment' });
    const fields = (r.details?.causes ?? []).map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['metadata.name', 'spec.replicas', 'spec.template.metadata.labels', 'spec.template.spec.containers[0].image']));
    for (const c of r.details?.causes ?? []) {
      expect(c.reason).toMatch(/^Field/);
      expect(r.message).toContain(`${c.field}: ${c.message}`);
    }
  });

  it('answers 405 for verbs a resource does not support', async () => {
    const byName = status(await post(`${CM}/dup`, configMap('dup')), 405, 'MethodNotAllowed');
    expect(byName.message).toContain('ConfigMap');
    status(await api.request({ method: 'DELETE', path: '/api/v1/namespaces' }), 405, 'MethodNotAllowed');
    status(await get(`/api/v1/namespaces/${NS}/bindings`), 405, 'MethodNotAllowed');
    status(await post(`/api/v1/namespaces/${NS}/pods/x/log`, '{}'), 405, 'MethodNotAllowed');
    // Updating or patching a collection has no meaning.
    status(await api.request({ method: 'PUT', path: CM, body: configMap('dup'), headers: JSON_HEADERS }), 405, 'MethodNotAllowed');
    status(await api.request({ method: 'PATCH', path: CM, body: '{}', headers: { 'Content-Type': 'application/merge-patch+json' } }), 405, 'MethodNotAllowed');
    // Non-resource paths only take GET.
    status(await api.request({ method: 'POST', path: '/version', body: '{}' }), 405, 'MethodNotAllowed');
  });

  it('answers label and field selector errors with 400', async () => {
    for (const q of ['labelSelector=a%20in%20(', 'labelSelector=!!', 'labelSelector=a%3D%3D%3Db', 'fieldSelector=spec.nope%3Dx', 'fieldSelector=%3D%3D', 'fieldSelector=metadata.name', 'labelSelector=a%20notin%20b']) {
      const r = status(await get(`/api/v1/namespaces/${NS}/pods?${q}`), 400, 'BadRequest');
      expect(r.message.length).toBeGreaterThan(5);
    }
    expect((await get(`/api/v1/namespaces/${NS}/pods?labelSelector=a%20in%20(b)&fieldSelector=metadata.name%3Dx`)).status).toBe(200);
  });

  it('serves aggregated discovery only when asked, with the exact content type', async () => {
    const aggAccept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    for (const path of ['/api', '/apis']) {
      const agg = await api.request({ path, headers: { Accept: aggAccept } });
      expect(agg.status).toBe(200);
      expect(agg.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
      expect(agg.json).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
      const legacy = await api.request({ path, headers: { Accept: 'application/json' } });
      expect(legacy.headers['content-type']).toBe('application/json');
      expect((legacy.json as { kind: string }).kind).toBe(path === '/api' ? 'APIVersions' : 'APIGroupList');
      expect((await api.request({ path })).headers['content-type']).toBe('application/json');
    }
    const core = (await api.request({ path: '/api', headers: { Accept: aggAccept } })).json as { items: Array<{ versions: Array<{ version: string; resources: Array<{ resource: string }> }> }> };
    expect(core.items[0]!.versions[0]!.resources.map((r) => r.resource)).toContain('configmaps');
  });

  it('flushes watch headers at once and streams newline-delimited JSON events', async () => {
    const rv = ((await get(CM)).json as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    // Nothing has changed since rv: the headers must still come, before any event.
    const w = await api.stream(`${CM}?watch=true&resourceVersion=${rv}`);
    try {
      expect(w.status).toBe(200);
      expect(w.headers['content-type']).toBe('application/json');
      expect(w.headers['transfer-encoding']).toBe('chunked');
      await post(CM, configMap('watched'));
      await api.request({ method: 'PATCH', path: `${CM}/watched`, body: '{"data":{"a":"2"}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
      await api.request({ method: 'DELETE', path: `${CM}/watched` });
      // Only this test's object: the server may publish others (kube-root-ca.crt) meanwhile.
      const events: Array<{ type: string; object: { metadata: { name: string; resourceVersion: string } } }> = [];
      while (events.length < 3) {
        const line = await w.nextLine();
        expect(line).toBeDefined();
        const ev = JSON.parse(line!) as (typeof events)[number];
        if (ev.object.metadata.name === 'watched') events.push(ev);
      }
      expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
        ['ADDED', 'watched'],
        ['MODIFIED', 'watched'],
        ['DELETED', 'watched'],
      ]);
      const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
      expect(rvs[0]!).toBeGreaterThan(Number(rv));
      expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
    } finally {
      w.close();
    }
  });

  it('ends a watch after timeoutSeconds', async () => {
    const w = await api.stream(`${CM}?watch=true&timeoutSeconds=1`);
    expect(w.status).toBe(200);
    await w.ended;
    // The initial ADDED events were sent before the end; every line is a JSON event.
    for (let line = await w.nextLine(); line !== undefined; line = await w.nextLine()) expect(JSON.parse(line).type).toBe('ADDED');
  });

  it('sends the initial-events-end bookmark with sendInitialEvents', async () => {
    await post(CM, configMap('initial-1'));
    const w = await api.stream(`${CM}?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=30`);
    try {
      const names: string[] = [];
      for (;;) {
        const ev = JSON.parse((await w.nextLine())!) as { type: string; object: { metadata: { name?: string; resourceVersion: string; annotations?: Record<string, string> } } };
        if (ev.type === 'BOOKMARK') {
          expect(ev.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
          expect(Number(ev.object.metadata.resourceVersion)).toBeGreaterThan(0);
          break;
        }
        expect(ev.type).toBe('ADDED');
        names.push(ev.object.metadata.name!);
      }
      expect(names).toEqual(expect.arrayContaining(['initial-1', 'dup', 'from-yaml']));
      // Without allowWatchBookmarks the request is refused.
      status(await get(`${CM}?watch=true&sendInitialEvents=true`), 400, 'BadRequest');
    } finally {
      w.close();
    }
  });

  it('creates nothing with dryRun=All and rejects unknown dryRun values', async () => {
    const r = await post(`${CM}?dryRun=All`, configMap('dry'));
    expect(r.status, r.text).toBe(201);
    expect((r.json as { metadata: { name: string; uid: string } }).metadata).toMatchObject({ name: 'dry', uid: expect.any(String) });
    status(await get(`${CM}/dry`), 404, 'NotFound');
    // A dry-run update and delete change nothing either.
    const upd = await api.request({ method: 'PATCH', path: `${CM}/dup?dryRun=All`, body: '{"data":{"a":"dry"}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
    expect((upd.json as { data: unknown }).data).toEqual({ a: 'dry' });
    expect((await api.request({ method: 'DELETE', path: `${CM}/dup?dryRun=All` })).status).toBe(200);
    expect(((await get(`${CM}/dup`)).json as { data: unknown }).data).toEqual({ a: '2' });
    status(await post(`${CM}?dryRun=Some`, configMap('dry')), 400, 'BadRequest');
  });

  it('warns about unknown fields with fieldValidation=Warn, refuses them with Strict, drops them either way', async () => {
    const body = configMap('fv', { bogus: 1, metadata: { name: 'fv', extra: true } });
    const warn = await post(`${CM}?fieldValidation=Warn`, body);
    expect(warn.status, warn.text).toBe(201);
    const warning = ([] as string[]).concat(warn.headers.warning ?? []).join(', ');
    expect(warning).toContain('299 - "unknown field \\"bogus\\""');
    expect(warning).toContain('unknown field \\"metadata.extra\\"');
    // Unknown fields are dropped, as the decoder into the typed object would.
    expect(warn.json).not.toHaveProperty('bogus');
    expect((await get(`${CM}/fv`)).json).not.toHaveProperty('bogus');
    const strict = status(await post(`${CM}?fieldValidation=Strict`, configMap('fv2', { bogus: 1 })), 400, 'BadRequest');
    expect(strict.message).toBe('strict decoding error: unknown field "bogus"');
    const ignore = await post(`${CM}?fieldValidation=Ignore`, configMap('fv3', { bogus: 1 }));
    expect(ignore.status).toBe(201);
    expect(ignore.headers.warning).toBeUndefined();
    expect(ignore.json).not.toHaveProperty('bogus');
    status(await post(`${CM}?fieldValidation=Loose`, configMap('fv4')), 400, 'BadRequest');
  });

  it('only marks a pod on a node for deletion, and removes it on a zero grace period', async () => {
    const pods = `/api/v1/namespaces/${NS}/pods`;
    const pod = (name: string, nodeName?: string) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] } });
    expect((await post(pods, pod('bound', 'node-a'))).status).toBe(201);
    const first = await api.request({ method: 'DELETE', path: `${pods}/bound` });
    expect(first.status, first.text).toBe(200);
    const marked = first.json as { metadata: { deletionTimestamp?: string; deletionGracePeriodSeconds?: number } };
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(Date.parse(marked.metadata.deletionTimestamp!)).toBeGreaterThan(Date.now());
    const still = await get(`${pods}/bound`);
    expect(still.status).toBe(200);
    expect((still.json as typeof marked).metadata.deletionGracePeriodSeconds).toBe(30);
    const second = await api.request({ method: 'DELETE', path: `${pods}/bound?gracePeriodSeconds=0` });
    expect(second.status, second.text).toBe(200);
    status(await get(`${pods}/bound`), 404, 'NotFound');
    // A pod no node runs has nobody to wait for: deleted at once.
    expect((await post(pods, pod('unbound'))).status).toBe(201);
    expect((await api.request({ method: 'DELETE', path: `${pods}/unbound` })).status).toBe(200);
    status(await get(`${pods}/unbound`), 404, 'NotFound');
  });

  it('keeps an object with a finalizer until the finalizer is removed', async () => {
    expect((await post(CM, configMap('fin', { metadata: { name: 'fin', finalizers: ['example.com/hold'] } }))).status).toBe(201);
    const del = await api.request({ method: 'DELETE', path: `${CM}/fin` });
    expect(del.status, del.text).toBe(200);
    const marked = (await get(`${CM}/fin`)).json as { metadata: { deletionTimestamp?: string; finalizers?: string[] } };
    expect(marked.metadata.deletionTimestamp).toEqual(expect.any(String));
    expect(marked.metadata.finalizers).toEqual(['example.com/hold']);
    // Removing the last finalizer completes the deletion.
    const patched = await api.request({ method: 'PATCH', path: `${CM}/fin`, body: '{"metadata":{"finalizers":null}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
    expect(patched.status, patched.text).toBe(200);
    await eventually(async () => (await get(`${CM}/fin`)).status === 404, 'the finalized configmap to disappear', 5_000);
  });

  it('ends up with the server healthy and no internal errors logged', async () => {
    expect((await get('/readyz')).text).toBe('ok');
    expect(s.process.output()).not.toMatch(/request failed|Uncaught|unhandled/i);
  });
});

describe.skipIf(!etcdAvailable())('410 Gone after compaction (etcd datastore)', () => {
  let etcd: TestEtcd;
  let s: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    etcd = await startEtcd();
    s = await startTestServer({ extraArgs: ['--datastore-endpoint', etcd.endpoint] });
    api = createApiClient(loadAdminCredentials(s.kubeconfig));
  }, 120_000);
  afterAll(async () => {
    api?.close();
    await s?.stop();
    await etcd?.stop();
  });

  it('answers a list or watch from a compacted resourceVersion with 410 Expired', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const rvs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await api.request({ method: 'POST', path, body: configMap(`gone-${i}`), headers: JSON_HEADERS });
      expect(r.status, r.text).toBe(201);
      rvs.push(Number((r.json as { metadata: { resourceVersion: string } }).metadata.resourceVersion));
    }
    // Compact up to the last create, not the current revision: the server's own writes (leases,
    // controllers) may have moved past it, and the watch from rvs[2] below must stay valid.
    await etcd.compact(rvs[2]!);
    const old = rvs[0]!;
    const list = status(await api.request({ path: `${path}?resourceVersion=${old}&resourceVersionMatch=Exact` }), 410, 'Expired');
    expect(list.message).toMatch(/^too old resource version: /);
    const w = await api.stream(`${path}?watch=true&resourceVersion=${old}`);
    try {
      expect(w.status).toBe(200);
      const ev = JSON.parse((await w.nextLine())!) as { type: string; object: unknown };
      expect(ev.type).toBe('ERROR');
      expect(statusProblem(ev.object, 410)).toBeUndefined();
      expect(ev.object).toMatchObject({ reason: 'Expired', code: 410 });
      expect((ev.object as StatusShape).message).toMatch(new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`));
      await w.ended;
    } finally {
      w.close();
    }
    // The latest revision is still fine to watch from.
    const fresh = await api.stream(`${path}?watch=true&resourceVersion=${rvs[2]}&timeoutSeconds=1`);
    expect(fresh.status).toBe(200);
    await fresh.ended;
    for (let line = await fresh.nextLine(); line !== undefined; line = await fresh.nextLine()) expect(JSON.parse(line).type).not.toBe('ERROR');
  });
});
