// CustomResourceDefinitions against the built executable with the real kubectl: a CRD set (a small
// one with two versions, status and scale, CEL rules; a ~300 KB operator-sized one applied
// server-side) is established, listed by api-resources, explained, and its objects go through
// create/get/list/watch/patch/apply/delete with validation, defaulting, pruning, printer columns,
// subresources and cleanup when the CRD is deleted.
import { execa } from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeCrd } from '../pkg/apiextensions/testing/large-crd';
import { createApiClient, loadAdminCredentials, statusProblem, type ApiClient, type StatusShape } from './helpers/api-client';
import { PATH_WITH_HOST_TOOLS } from './helpers/binary';
import { eventually, KUBECTL, startTestServer, type TestServer } from './helpers/cluster';
import { kubectlExpect } from './helpers/kubectl-expect';

const WIDGETS_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [all]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    selectableFields:
    - {jsonPath: .spec.color}
    additionalPrinterColumns:
    - {name: Color, type: string, jsonPath: .spec.color}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-validations:
        - {rule: "!has(self.spec.replicas) || self.spec.replicas <= self.spec.maxReplicas", message: "replicas must not exceed maxReplicas"}
        properties:
          spec:
            type: object
            description: The desired widget.
            required: [color]
            x-kubernetes-validations:
            - {rule: "self.color == oldSelf.color", message: "color is immutable"}
            properties:
              color: {type: string, enum: [red, green, blue], description: The paint colour.}
              replicas: {type: integer, minimum: 0, default: 1}
              maxReplicas: {type: integer, default: 10}
              size: {x-kubernetes-int-or-string: true}
              name: {type: string, pattern: '^[a-z]+$', maxLength: 10}
              note: {type: string, nullable: true}
              tags: {type: array, x-kubernetes-list-type: set, items: {type: string}, maxItems: 3}
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties: {name: {type: string}, port: {type: integer}}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
              template: {type: object, x-kubernetes-embedded-resource: true, x-kubernetes-preserve-unknown-fields: true}
          status:
            type: object
            properties:
              replicas: {type: integer}
              conditions:
                type: array
                items: {type: object, properties: {type: {type: string}, status: {type: string}}}
  - name: v1beta1
    served: true
    storage: false
    deprecated: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

const GADGETS_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  scope: Cluster
  names: {plural: gadgets, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {level: {type: integer}}}
`;

describe('CustomResourceDefinitions', () => {
  let s: TestServer;
  let api: ApiClient;
  const { ok, fails } = kubectlExpect(() => s);
  const widget = (name: string, spec: Record<string, unknown>, apiVersion = 'example.com/v1') => JSON.stringify({ apiVersion, kind: 'Widget', metadata: { name }, spec });
  const getJson = async (args: string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as Record<string, any>;

  beforeAll(async () => {
    s = await startTestServer();
    api = createApiClient(loadAdminCredentials(s.kubeconfig));
  }, 120_000);
  afterAll(async () => {
    api?.close();
    await s?.stop();
  });

  it('installs a CRD set: Established, in discovery (api-resources) and OpenAPI (explain)', async () => {
    const large = path.join(s.dir, 'large-crd.json');
    fs.writeFileSync(large, JSON.stringify(largeCrd()));
    expect(fs.statSync(large).size).toBeGreaterThan(300_000);
    await ok(['apply', '-f', '-'], WIDGETS_CRD);
    await ok(['apply', '-f', '-'], GADGETS_CRD);
    expect(await ok(['apply', '--server-side', '-f', large])).toContain('serverside-applied');
    // Client-side apply cannot take it (its last-applied annotation would exceed 256 KiB), as upstream.
    expect(await fails(['apply', '-f', large])).toContain('metadata.annotations: Too long');
    for (const crd of ['widgets.example.com', 'gadgets.example.com', 'databaseclusters.db.example.io']) {
      await ok(['wait', '--for=condition=Established', `crd/${crd}`, '--timeout=20s']);
    }
    const crd = await getJson(['get', 'crd', 'widgets.example.com']);
    expect(crd.metadata.finalizers).toBeUndefined();
    expect(crd.status.acceptedNames).toMatchObject({ plural: 'widgets', kind: 'Widget', shortNames: ['wd'] });
    expect(crd.status.storedVersions).toEqual(['v1']);
    expect(crd.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`).sort()).toEqual(['Established=True', 'NamesAccepted=True']);

    const rows = (await ok(['api-resources', '--no-headers'])).split('\n').map((l) => l.trim().split(/\s+/));
    expect(rows).toContainEqual(['widgets', 'wd', 'example.com/v1', 'true', 'Widget']);
    expect(rows).toContainEqual(['gadgets', 'example.com/v1', 'false', 'Gadget']);
    expect(rows).toContainEqual(['databaseclusters', 'dbc', 'db.example.io/v1', 'true', 'DatabaseCluster']);
    expect(rows).toContainEqual(['customresourcedefinitions', 'crd,crds', 'apiextensions.k8s.io/v1', 'false', 'CustomResourceDefinition']);
    expect(await ok(['api-versions'])).toContain('example.com/v1beta1');

    const explained = await ok(['explain', 'widgets.spec']);
    expect(explained).toContain('The desired widget.');
    expect(explained).toMatch(/color\s+<string> -required-/);
    expect(await ok(['explain', 'databaseclusters.spec.component0.containers.ports'])).toMatch(/containerPort\s+<integer> -required-/);
    expect(await ok(['explain', 'crd.spec.versions'])).toMatch(/served\s+<boolean> -required-/);
  });

  it('creates, gets, lists with selectors, patches and deletes custom objects; watch sees the changes', async () => {
    const watcher = execa(KUBECTL, ['get', 'widgets', '--watch-only', '--output-watch-events', '-o', 'custom-columns=EVENT:.type,NAME:.object.metadata.name', '--no-headers'], {
      env: { PATH: PATH_WITH_HOST_TOOLS, HOME: s.dir, KUBECONFIG: s.kubeconfig },
      extendEnv: false,
      reject: false,
    });
    let seen = '';
    watcher.stdout?.on('data', (c: Buffer) => (seen += c.toString()));
    try {
      await eventually(async () => (await s.kubectl(['get', 'widgets'])).exitCode === 0, 'widgets served');
      await ok(['create', '-f', '-'], widget('w1', { color: 'red' }));
      await ok(['create', '-f', '-'], widget('w2', { color: 'green', replicas: 2 }));
      await ok(['label', 'widget', 'w2', 'tier=gold']);
      expect(await ok(['get', 'wd', '-l', 'tier=gold', '-o', 'name'])).toBe('widget.example.com/w2');
      expect(await ok(['get', 'widgets', '--field-selector', 'metadata.name=w1', '-o', 'name'])).toBe('widget.example.com/w1');
      // selectableFields make spec.color a field selector; other fields are refused.
      expect(await ok(['get', 'widgets', '--field-selector', 'spec.color=green', '-o', 'name'])).toBe('widget.example.com/w2');
      expect(await ok(['get', 'widgets', '--field-selector', 'spec.color!=green', '-o', 'name'])).toBe('widget.example.com/w1');
      expect(await fails(['get', 'widgets', '--field-selector', 'spec.replicas=2'])).toContain('"spec.replicas" is not a known field selector');
      expect(await ok(['get', 'widgets', '-A', '--field-selector', 'metadata.namespace=default', '-o', 'name'])).toBe('widget.example.com/w1\nwidget.example.com/w2');

      await ok(['patch', 'widget', 'w1', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
      await ok(['patch', 'widget', 'w1', '--type=json', '-p', '[{"op":"add","path":"/spec/tags","value":["a","b"]}]']);
      const w1 = await getJson(['get', 'widget', 'w1']);
      expect(w1.spec).toMatchObject({ color: 'red', replicas: 3, tags: ['a', 'b'] });
      expect(w1.metadata.generation).toBe(3);
      // Strategic merge patch is not available for custom resources (415), as upstream.
      expect(await fails(['patch', 'widget', 'w1', '-p', '{"spec":{"replicas":4}}'])).toContain('application/strategic-merge-patch+json is not supported');

      await ok(['delete', 'widget', 'w2']);
      await eventually(async () => /ADDED\s+w1/.test(seen) && /MODIFIED\s+w1/.test(seen) && /DELETED\s+w2/.test(seen), `watch events (got ${JSON.stringify(seen)})`);
    } finally {
      watcher.kill();
      await watcher;
    }
    expect((await s.kubectl(['get', 'widget', 'w2'])).stderr).toContain('widgets.example.com "w2" not found');
  });

  it('rejects invalid objects with 422 and upstream-style field messages', async () => {
    const stderr = await fails(['create', '-f', '-'], widget('bad', { color: 'pink', replicas: -1, name: 'ABC', size: 1.5, tags: ['a', 'a'], note: null, template: { metadata: { name: 'x' } } }));
    expect(stderr).toContain('The Widget "bad" is invalid');
    expect(stderr).toContain('spec.color: Unsupported value: "pink": supported values: "red", "green", "blue"');
    expect(stderr).toContain(`spec.name: Invalid value: "ABC": spec.name in body should match '^[a-z]+$'`);
    expect(stderr).toContain('spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0');
    expect(stderr).toContain('spec.size: Invalid value: "number": spec.size in body must be of type integer,string: "number"');
    expect(stderr).toContain('spec.tags[1]: Duplicate value: "a"');
    expect(stderr).toContain('spec.template.apiVersion: Required value');
    expect(stderr).not.toContain('spec.note');
    expect(await fails(['create', '-f', '-'], widget('bad', { replicas: 1 }))).toContain('spec.color: Required value');
    expect(await fails(['create', '-f', '-'], widget('Bad_Name', { color: 'red' }))).toContain('metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain');
    expect(await fails(['create', '-f', '-'], widget('bad', { color: 'red', tags: ['a', 'b', 'c', 'd'] }))).toContain('spec.tags: Too many: 4: must have at most 3 items');

    const r = await api.request({ method: 'POST', path: '/apis/example.com/v1/namespaces/default/widgets', headers: { 'Content-Type': 'application/json' }, body: widget('bad', { color: 'red', replicas: 'x' }) });
    expect(r.status, r.text).toBe(422);
    expect(statusProblem(r.json, 422)).toBeUndefined();
    const st = r.json as StatusShape;
    expect(st.reason).toBe('Invalid');
    expect(st.details).toMatchObject({ name: 'bad', group: 'example.com', kind: 'Widget' });
    expect(st.details?.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"' });
  });

  it('applies schema defaults and prunes unknown fields (kept under x-kubernetes-preserve-unknown-fields)', async () => {
    // kubectl validates Strict: unknown fields are an error; with --validate=false they are pruned.
    expect(await fails(['create', '-f', '-'], widget('d1', { color: 'blue', bogus: 1 }))).toContain('unknown field "spec.bogus"');
    const out = await s.kubectl(['create', '--validate=false', '-f', '-'], { input: widget('d1', { color: 'blue', bogus: 1, extra: { free: { form: true } }, ports: [{ name: 'http', port: 80, nope: 1 }] }) });
    expect(out.exitCode, out.stderr).toBe(0);
    const d1 = await getJson(['get', 'widget', 'd1']);
    expect(d1.spec).toEqual({ color: 'blue', replicas: 1, maxReplicas: 10, extra: { free: { form: true } }, ports: [{ name: 'http', port: 80 }] });
  });

  it('rejects objects breaking CEL x-kubernetes-validations rules, transition rules included', async () => {
    expect(await fails(['create', '-f', '-'], widget('c1', { color: 'red', replicas: 20, maxReplicas: 5 }))).toContain('Invalid value: "object": replicas must not exceed maxReplicas');
    await ok(['create', '-f', '-'], widget('c1', { color: 'red', replicas: 2, maxReplicas: 5 }));
    expect(await fails(['patch', 'widget', 'c1', '--type=merge', '-p', '{"spec":{"color":"blue"}}'])).toContain('spec: Invalid value: "object": color is immutable');
    await ok(['patch', 'widget', 'c1', '--type=merge', '-p', '{"spec":{"replicas":5}}']);
    expect(await fails(['patch', 'widget', 'c1', '--type=merge', '-p', '{"spec":{"replicas":6}}'])).toContain('replicas must not exceed maxReplicas');
  });

  it('server-side applies with the schema list types (list-map keys merge across managers)', async () => {
    await ok(['apply', '--server-side', '-f', '-'], widget('s1', { color: 'green', ports: [{ name: 'a', port: 1 }] }));
    await ok(['apply', '--server-side', '--field-manager=other', '-f', '-'], widget('s1', { color: 'green', ports: [{ name: 'b', port: 2 }] }));
    const s1 = await getJson(['get', 'widget', 's1', '--show-managed-fields']);
    expect(s1.spec.ports).toEqual([{ name: 'a', port: 1 }, { name: 'b', port: 2 }]);
    expect(s1.metadata.managedFields.map((m: { manager: string }) => m.manager).sort()).toEqual(['kubectl', 'other']);
    const conflict = await fails(['apply', '--server-side', '--field-manager=other', '-f', '-'], widget('s1', { color: 'blue' }));
    expect(conflict).toContain('conflict');
  });

  it('shows printer columns and serves status and scale subresources (kubectl scale)', async () => {
    await ok(['create', '-f', '-'], widget('p1', { color: 'green', replicas: 2 }));
    await ok(['patch', 'widget', 'p1', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":2,"conditions":[{"type":"Ready","status":"True"}]},"spec":{"color":"red"}}']);
    const p1 = await getJson(['get', 'widget', 'p1']);
    expect(p1.status).toEqual({ replicas: 2, conditions: [{ type: 'Ready', status: 'True' }] });
    expect(p1.spec.color).toBe('green');
    // The main resource ignores status.
    await ok(['patch', 'widget', 'p1', '--type=merge', '-p', '{"status":{"replicas":9}}']);
    expect((await getJson(['get', 'widget', 'p1'])).status.replicas).toBe(2);

    const table = (await ok(['get', 'widget', 'p1'])).split('\n');
    expect(table[0]!.split(/\s+/)).toEqual(['NAME', 'COLOR', 'REPLICAS', 'READY', 'AGE']);
    expect(table[1]).toMatch(/^p1\s+green\s+2\s+True\s+\d+s$/);
    expect(await ok(['get', 'all', '-o', 'name'])).toContain('widget.example.com/p1');

    await ok(['scale', 'widget', 'p1', '--replicas=4']);
    expect((await getJson(['get', 'widget', 'p1'])).spec.replicas).toBe(4);
    const scale = JSON.parse(await ok(['get', '--raw', '/apis/example.com/v1/namespaces/default/widgets/p1/scale']));
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 4 }, status: { replicas: 2 } });
    // The scale write is validated against the schema (CEL: replicas <= maxReplicas 10).
    expect(await fails(['scale', 'widget', 'p1', '--replicas=11'])).toContain('replicas must not exceed maxReplicas');
  });

  it('serves two versions of one stored object (None conversion)', async () => {
    await ok(['create', '-f', '-'], widget('v1', { color: 'blue' }));
    const beta = await getJson(['get', 'widgets.v1beta1.example.com', 'v1']);
    expect(beta.apiVersion).toBe('example.com/v1beta1');
    expect(beta.spec.color).toBe('blue');
    await ok(['patch', 'widgets.v1beta1.example.com', 'v1', '--type=merge', '-p', '{"spec":{"anything":"goes"}}']);
    // One stored object: the same resourceVersion through either version; each version's schema prunes and defaults what it reads.
    expect((await getJson(['get', 'widgets.v1beta1.example.com', 'v1'])).spec.anything).toBe('goes');
    // The deprecated version warns on every request.
    expect((await s.kubectl(['get', 'widgets.v1beta1.example.com', 'v1'])).stderr).toContain('Warning: example.com/v1beta1 Widget is deprecated; use example.com/v1 Widget');
    const v1 = await getJson(['get', 'widgets.v1.example.com', 'v1']);
    expect(v1.apiVersion).toBe('example.com/v1');
    expect(v1.spec).toEqual({ color: 'blue', replicas: 1, maxReplicas: 10 });
    expect(v1.metadata.resourceVersion).toBe((await getJson(['get', 'widgets.v1beta1.example.com', 'v1'])).metadata.resourceVersion);
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g1' }, spec: { level: 3 } }));
    expect(await ok(['get', 'gadgets', '-o', 'name'])).toBe('gadget.example.com/g1');
  });

  it('follows CRD updates: a new field with a default and a new column apply at once', async () => {
    const patch = {
      spec: {
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            additionalPrinterColumns: [{ name: 'Level', type: 'integer', jsonPath: '.spec.level' }, { name: 'Mode', type: 'string', jsonPath: '.spec.mode' }],
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { level: { type: 'integer' }, mode: { type: 'string', default: 'auto', description: 'How the gadget runs.' } } } } } },
          },
        ],
      },
    };
    await ok(['patch', 'crd', 'gadgets.example.com', '--type=merge', '-p', JSON.stringify(patch)]);
    await eventually(async () => (await s.kubectl(['explain', 'gadgets.spec.mode'])).stdout.includes('How the gadget runs.'), 'explain shows the new field');
    // Stored objects read with the new default; the table has the new columns.
    const table = (await ok(['get', 'gadget', 'g1'])).split('\n');
    expect(table[0]!.split(/\s+/)).toEqual(['NAME', 'LEVEL', 'MODE']);
    expect(table[1]!.split(/\s+/)).toEqual(['g1', '3', 'auto']);
  });

  it('the garbage collector and the namespace controller handle custom objects of CRDs made after they started', async () => {
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'owner' }, spec: { level: 1 } }));
    const uid = (await ok(['get', 'gadget', 'owner', '-o', 'jsonpath={.metadata.uid}'])).trim();
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned-by-gadget', namespace: 'default', ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Gadget', name: 'owner', uid }] }, data: { a: 'b' } }));
    await ok(['delete', 'gadget', 'owner']);
    await eventually(async () => (await s.kubectl(['get', 'configmap', 'owned-by-gadget'])).exitCode !== 0, 'the dependent ConfigMap to be collected', 90_000);

    await ok(['create', 'namespace', 'crd-ns']);
    await ok(['-n', 'crd-ns', 'create', '-f', '-'], widget('in-ns', { color: 'blue' }));
    await ok(['delete', 'namespace', 'crd-ns', '--wait=false']);
    await eventually(async () => (await s.kubectl(['get', 'namespace', 'crd-ns'])).exitCode !== 0, 'the namespace and its widget to go', 90_000);
    expect(((await api.request({ path: '/apis/example.com/v1/namespaces/crd-ns/widgets' })).json as { items: unknown[] }).items).toEqual([]);
  }, 200_000);

  it('keeps serving CRDs and their objects across a restart', async () => {
    await s.restart();
    await eventually(async () => (await s.kubectl(['get', 'widget', 'p1', '-o', 'name'])).stdout === 'widget.example.com/p1', 'p1 after restart');
    expect((await ok(['get', 'crd', '-o', 'name'])).split('\n')).toContain('customresourcedefinition.apiextensions.k8s.io/databaseclusters.db.example.io');
    expect(await ok(['get', 'dbc'])).toBe('');
  }, 120_000);

  it('deleting a CRD deletes its objects and removes it from discovery', async () => {
    await ok(['create', '-f', '-'], widget('z1', { color: 'red' }));
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'held', finalizers: ['example.com/hold'] }, spec: { color: 'red' } }));
    const watcher = execa(KUBECTL, ['get', 'widgets', '-w', '-o', 'name'], { env: { PATH: PATH_WITH_HOST_TOOLS, HOME: s.dir, KUBECONFIG: s.kubeconfig }, extendEnv: false, reject: false });
    let watcherDone = false;
    void watcher.finally(() => (watcherDone = true));
    await ok(['delete', 'crd', 'widgets.example.com', '--wait=false']);
    // While an object holds the CRD (its own finalizer), the CRD is Terminating and refuses new objects.
    await eventually(async () => (await s.kubectl(['get', 'widget', 'z1'])).exitCode !== 0, 'z1 deleted');
    const terminating = await getJson(['get', 'crd', 'widgets.example.com']);
    expect(terminating.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    expect(terminating.status.conditions).toContainEqual(expect.objectContaining({ type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress' }));
    expect(await fails(['create', '-f', '-'], widget('late', { color: 'red' }))).toContain('create not allowed while custom resource definition is terminating');
    await ok(['patch', 'widget', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await eventually(async () => (await s.kubectl(['get', 'crd', 'widgets.example.com'])).exitCode !== 0, 'CRD gone');
    // Open watches of the resource end once it is no longer served.
    try {
      await eventually(async () => watcherDone, 'kubectl get -w ended by the server');
    } finally {
      watcher.kill();
      await watcher;
    }
    await eventually(async () => !(await ok(['api-resources', '--no-headers'])).includes('Widget'), 'widgets gone from discovery');
    expect((await api.request({ path: '/apis/example.com/v1/namespaces/default/widgets' })).status).toBe(404);
    // Gadgets of the same group are still served.
    expect(await ok(['get', 'gadgets', '-o', 'name'])).toBe('gadget.example.com/g1');
    // Re-creating the CRD shows none of the old objects.
    await ok(['apply', '-f', '-'], WIDGETS_CRD);
    await ok(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=20s']);
    await eventually(async () => (await s.kubectl(['get', 'widgets', '-A'])).exitCode === 0, 'widgets served again');
    expect((await ok(['get', 'widgets', '-A', '-o', 'name'])).trim()).toBe('');
  });

  it('rejects invalid CRDs with their field errors', async () => {
    const bad = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec:
  group: example.com
  scope: Everywhere
  names: {plural: stuff, kind: Thing}
  versions:
  - name: v1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            properties: {list: {type: array}}
            x-kubernetes-validations: [{rule: "self.x ==", message: m}]
`;
    const stderr = await fails(['apply', '-f', '-'], bad);
    expect(stderr).toContain('metadata.name: Invalid value: "things.example.com": must be spec.names.plural+"."+spec.group');
    expect(stderr).toContain('spec.scope: Unsupported value: "Everywhere"');
    expect(stderr).toContain('must have exactly one version marked as storage version');
    expect(stderr).toContain('spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields');
    expect(stderr).toContain('spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[list].items: Required value: must be specified');
    expect(stderr).toContain('spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: "self.x ==": compilation failed');
  });
});
