// The real kubectl (1.32 via the /usr/bin/kubectl dispatcher) against the built dist/k3ts server:
// discovery, create/get/apply/patch/edit/replace/delete/explain/wait/watch and output formats.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATH_WITH_HOST_TOOLS, startProcess } from './helpers/binary';
import { KUBECTL, startTestServer, type TestServer } from './helpers/cluster';

const DEPLOYMENT = (image: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: e2e
  labels: {app: web, tier: front}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: main
        image: ${image}
        ports:
        - containerPort: 80
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
`;

describe('kubectl against k3ts', () => {
  let s: TestServer;
  const ok = async (args: string[], input?: string) => {
    const r = await s.kubectl(args, { input });
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const json = async (args: string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as Record<string, any>;

  beforeAll(async () => {
    s = await startTestServer();
    await ok(['create', 'namespace', 'e2e']);
  }, 120_000);
  afterAll(async () => s?.stop());

  it('reports Kubernetes 1.36 and the API catalog', async () => {
    const v = await json(['version']);
    expect(v.serverVersion.major).toBe('1');
    expect(v.serverVersion.minor).toBe('36');
    expect(v.serverVersion.gitVersion).toMatch(/^v1\.36\.\d+\+k3ts/);
    const res = await ok(['api-resources']);
    expect(res).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(res).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(res).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    expect(res).toMatch(/^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
    const versions = (await ok(['api-versions'])).split('\n');
    expect(versions).toEqual(expect.arrayContaining(['v1', 'apps/v1', 'batch/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'events.k8s.io/v1']));
    expect(await ok(['get', '--raw', '/healthz'])).toBe('ok');
  });

  it('has the system namespaces', async () => {
    const out = await ok(['get', 'namespaces']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'e2e']) expect(out).toMatch(new RegExp(`^${ns}\\s+Active\\s+\\d+[sm]$`, 'm'));
    expect(out.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+AGE$/);
  });

  it('creates from a file with defaults applied, and prints tables, wide, json, yaml, jsonpath', async () => {
    await ok(['create', '-f', '-'], DEPLOYMENT('busybox:1', 2));
    const d = await json(['get', 'deployment', 'web', '-n', 'e2e']);
    expect(d.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.metadata.generation).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(d.spec.template.spec.restartPolicy).toBe('Always');
    const table = await ok(['get', 'deploy', '-n', 'e2e']);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    // The deployment controller may already have made the ReplicaSet (UP-TO-DATE 2); no kubelet runs, so none is ready.
    expect(table).toMatch(/^web\s+0\/2\s+[02]\s+0\s+\d+s$/m);
    const wide = await ok(['get', 'deploy', '-n', 'e2e', '-o', 'wide']);
    expect(wide.split('\n')[0]).toMatch(/CONTAINERS\s+IMAGES\s+SELECTOR$/);
    expect(wide).toMatch(/main\s+busybox:1\s+app=web/);
    expect(await ok(['get', 'deploy', 'web', '-n', 'e2e', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('busybox:1');
    expect(await ok(['get', 'deploy', 'web', '-n', 'e2e', '-o', 'yaml'])).toMatch(/^kind: Deployment$/m);
    const labels = await ok(['get', 'deploy', '-n', 'e2e', '--show-labels']);
    expect(labels).toMatch(/app=web,tier=front/);
    const dup = await s.kubectl(['create', '-f', '-'], { input: DEPLOYMENT('busybox:1') });
    expect(dup.exitCode).not.toBe(0);
    expect(dup.stderr).toContain('deployments.apps "web" already exists');
  });

  it('applies client-side and server-side, diffs, and describes', async () => {
    const file = path.join(s.dir, 'web.yaml');
    fs.writeFileSync(file, DEPLOYMENT('busybox:2', 3));
    expect(await ok(['apply', '-f', file])).toContain('deployment.apps/web configured');
    let d = await json(['get', 'deploy', 'web', '-n', 'e2e']);
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].image).toBe('busybox:2');
    expect(d.metadata.generation).toBe(2);
    expect(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('busybox:2');
    // Removing an env var from the file removes it from the object (strategic merge with $setElementOrder / delete).
    fs.writeFileSync(file, DEPLOYMENT('busybox:2', 3).replace('        - {name: B, value: "2"}\n', ''));
    await ok(['apply', '-f', file]);
    d = await json(['get', 'deploy', 'web', '-n', 'e2e']);
    expect(d.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    expect(await ok(['apply', '-f', file])).toContain('deployment.apps/web unchanged');
    const diff = await s.kubectl(['diff', '-f', '-'], { input: DEPLOYMENT('busybox:3', 3), env: { KUBECTL_EXTERNAL_DIFF: 'diff -u' } });
    expect(diff.exitCode).toBe(1);
    expect(diff.stdout).toMatch(/^-\s+image: busybox:2$/m);
    expect(diff.stdout).toMatch(/^\+\s+image: busybox:3$/m);
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: e2e}\ndata: {a: "1"}\n';
    expect(await ok(['apply', '--server-side', '-f', '-'], cm)).toContain('configmap/ssa serverside-applied');
    const got = await json(['get', 'cm', 'ssa', '-n', 'e2e', '--show-managed-fields']);
    expect(got.metadata.managedFields[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1' });
    await ok(['patch', 'cm', 'ssa', '-n', 'e2e', '--type=merge', '-p', '{"data":{"a":"2"}}', '--field-manager', 'other']);
    const conflict = await s.kubectl(['apply', '--server-side', '-f', '-'], { input: cm });
    expect(conflict.exitCode).not.toBe(0);
    expect(conflict.stderr).toMatch(/conflict/i);
    await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], cm);
    expect(await ok(['get', 'cm', 'ssa', '-n', 'e2e', '-o', 'jsonpath={.data.a}'])).toBe('1');
    const desc = await ok(['describe', 'deploy', 'web', '-n', 'e2e']);
    expect(desc).toMatch(/^Name:\s+web$/m);
    expect(desc).toMatch(/^Replicas:\s+3 desired/m);
  });

  it('patches with all three types, labels, annotates, scales, edits and replaces', async () => {
    await ok(['patch', 'deploy', 'web', '-n', 'e2e', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:4"}]}}}}']);
    await ok(['patch', 'deploy', 'web', '-n', 'e2e', '--type=merge', '-p', '{"metadata":{"labels":{"merged":"yes"}}}']);
    await ok(['patch', 'deploy', 'web', '-n', 'e2e', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4}]']);
    let d = await json(['get', 'deploy', 'web', '-n', 'e2e']);
    expect(d.spec.template.spec.containers).toHaveLength(1);
    expect(d.spec.template.spec.containers[0].image).toBe('busybox:4');
    expect(d.metadata.labels.merged).toBe('yes');
    expect(d.spec.replicas).toBe(4);
    const badTest = await s.kubectl(['patch', 'deploy', 'web', '-n', 'e2e', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":9}]']);
    expect(badTest.exitCode).not.toBe(0);
    await ok(['label', 'deploy', 'web', '-n', 'e2e', 'color=blue']);
    await ok(['annotate', 'deploy', 'web', '-n', 'e2e', 'note=hello']);
    await ok(['label', 'deploy', 'web', '-n', 'e2e', 'tier-']);
    await ok(['scale', 'deploy', 'web', '-n', 'e2e', '--replicas=1']);
    d = await json(['get', 'deploy', 'web', '-n', 'e2e']);
    expect(d.metadata.labels).toMatchObject({ color: 'blue', app: 'web' });
    expect(d.metadata.labels.tier).toBeUndefined();
    expect(d.metadata.annotations.note).toBe('hello');
    expect(d.spec.replicas).toBe(1);
    const edit = await s.kubectl(['edit', 'deploy', 'web', '-n', 'e2e'], { env: { EDITOR: 'sed -i s/busybox:4/busybox:5/' } });
    expect(edit.exitCode).toBe(0);
    expect(await ok(['get', 'deploy', 'web', '-n', 'e2e', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('busybox:5');
    const current = await ok(['get', 'deploy', 'web', '-n', 'e2e', '-o', 'yaml']);
    await ok(['replace', '-f', '-'], current.replace('busybox:5', 'busybox:6'));
    expect(await ok(['get', 'deploy', 'web', '-n', 'e2e', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('busybox:6');
    const stale = await s.kubectl(['replace', '-f', '-'], { input: current.replace('busybox:5', 'busybox:7') });
    expect(stale.exitCode).not.toBe(0);
    expect(stale.stderr).toContain('the object has been modified');
  });

  it('rejects unknown fields and invalid objects with clear errors', async () => {
    const bad = DEPLOYMENT('busybox:1').replace('name: web\n', 'name: bad\n').replace('replicas: 2', 'replicas: 2\n  replicaz: 3');
    const strict = await s.kubectl(['create', '-f', '-'], { input: bad });
    expect(strict.exitCode).not.toBe(0);
    expect(strict.stderr).toContain('unknown field "spec.replicaz"');
    const invalid = await s.kubectl(['create', 'deployment', 'Bad_Name', '--image=busybox', '-n', 'e2e']);
    expect(invalid.exitCode).not.toBe(0);
    expect(invalid.stderr).toMatch(/is invalid: metadata\.name: Invalid value: "Bad_Name"/);
    const missing = await s.kubectl(['get', 'frobnicators']);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain(`the server doesn't have a resource type "frobnicators"`);
    const noNs = await s.kubectl(['create', 'configmap', 'x', '-n', 'does-not-exist']);
    expect(noNs.exitCode).not.toBe(0);
    expect(noNs.stderr).toContain('namespaces "does-not-exist" not found');
  });

  it('runs every kubectl create generator (protobuf bodies), role, rolebinding and token included', async () => {
    const gens: string[][] = [
      ['create', 'deployment', 'gen-deploy', '--image=busybox', '--replicas=0'],
      ['create', 'configmap', 'gen-cm', '--from-literal=k=v'],
      ['create', 'secret', 'generic', 'gen-secret', '--from-literal=password=s3cret'],
      ['create', 'secret', 'docker-registry', 'gen-reg', '--docker-server=r.example', '--docker-username=u', '--docker-password=p'],
      ['create', 'service', 'clusterip', 'gen-svc', '--tcp=80:8080'],
      ['create', 'service', 'nodeport', 'gen-np', '--tcp=81:8081'],
      ['create', 'service', 'externalname', 'gen-ext', '--external-name=example.com'],
      ['create', 'job', 'gen-job', '--image=busybox', '--', 'true'],
      ['create', 'cronjob', 'gen-cron', '--image=busybox', '--schedule=*/5 * * * *', '--', 'true'],
      ['create', 'serviceaccount', 'gen-sa'],
      ['create', 'quota', 'gen-quota', '--hard=pods=10'],
      ['create', 'role', 'gen-role', '--verb=get,list', '--resource=pods'],
      ['create', 'rolebinding', 'gen-rb', '--role=gen-role', '--serviceaccount=e2e:gen-sa'],
    ];
    for (const g of gens) {
      const dash = g.indexOf('--');
      const args = dash < 0 ? [...g, '-n', 'e2e'] : [...g.slice(0, dash), '-n', 'e2e', ...g.slice(dash)];
      expect(await ok(args)).toMatch(/created$/m);
    }
    expect(await ok(['get', 'secret', 'gen-secret', '-n', 'e2e', '-o', 'jsonpath={.data.password}'])).toBe(Buffer.from('s3cret').toString('base64'));
    expect(await ok(['get', 'deploy', 'gen-deploy', '-n', 'e2e', '-o', 'jsonpath={.spec.replicas}'])).toBe('0');
    const token = await ok(['create', 'token', 'gen-sa', '-n', 'e2e', '--duration=10m']);
    expect(token.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(token.trim().split('.')[1]!, 'base64url').toString());
    expect(claims.sub).toBe('system:serviceaccount:e2e:gen-sa');
    expect(claims.exp - claims.iat).toBe(600);
    expect(await ok(['get', 'role', 'gen-role', '-n', 'e2e', '-o', 'jsonpath={.rules[0].verbs}'])).toBe('["get","list"]');
    const job = await json(['get', 'job', 'gen-job', '-n', 'e2e']);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']).toBe(job.metadata.uid);
    const all = await ok(['get', 'all', '-n', 'e2e']);
    expect(all).toContain('deployment.apps/gen-deploy');
    expect(all).toContain('service/gen-svc');
    expect(all).toContain('cronjob.batch/gen-cron');
  });

  it('lists in chunks, sorts, selects by label and field', async () => {
    for (let i = 0; i < 7; i++) await ok(['create', 'configmap', `chunk-${i}`, '-n', 'e2e', `--from-literal=i=${i}`]);
    await ok(['label', 'cm', 'chunk-3', 'chunk-5', '-n', 'e2e', 'pick=yes']);
    const chunked = await ok(['get', 'cm', '-n', 'e2e', '--chunk-size=2', '-o', 'name', '-l', 'pick!=no']);
    expect(chunked.split('\n').filter((l) => l.startsWith('configmap/chunk-'))).toHaveLength(7);
    expect((await ok(['get', 'cm', '-n', 'e2e', '-l', 'pick=yes', '-o', 'name'])).trim().split('\n')).toEqual(['configmap/chunk-3', 'configmap/chunk-5']);
    expect((await ok(['get', 'cm', '-n', 'e2e', '--field-selector', 'metadata.name=chunk-2', '-o', 'name'])).trim()).toBe('configmap/chunk-2');
    const sorted = await ok(['get', 'cm', '-n', 'e2e', '-l', 'pick=yes', '--sort-by=.metadata.name', '--no-headers', '-o', 'custom-columns=N:.metadata.name']);
    expect(sorted.trim().split('\n')).toEqual(['chunk-3', 'chunk-5']);
    const badField = await s.kubectl(['get', 'cm', '-n', 'e2e', '--field-selector', 'spec.nope=1']);
    expect(badField.exitCode).not.toBe(0);
  });

  it('watches, waits and deletes', async () => {
    await ok(['create', 'configmap', 'watched', '-n', 'e2e']);
    const watch = startProcess(KUBECTL, ['get', 'cm', 'watched', '-n', 'e2e', '-w', '-o', 'jsonpath={.metadata.labels.step}{"\\n"}'], { env: { PATH: PATH_WITH_HOST_TOOLS, KUBECONFIG: s.kubeconfig, HOME: s.dir } });
    await watch.waitFor(/\n/, 20_000); // the initial state (no label yet) is printed first
    const waitDelete = s.kubectl(['wait', '--for=delete', 'cm/watched', '-n', 'e2e', '--timeout=30s'], { timeoutMs: 40_000 });
    await ok(['label', 'cm', 'watched', '-n', 'e2e', 'step=one']);
    await ok(['delete', 'cm', 'watched', '-n', 'e2e']);
    const w = await waitDelete;
    expect(w.exitCode).toBe(0);
    expect(w.stdout).toContain('condition met');
    await watch.waitFor(/^one$/m, 20_000);
    await watch.stop();
    await ok(['wait', '--for=jsonpath={.spec.replicas}=1', 'deploy/web', '-n', 'e2e', '--timeout=10s']);
    expect(await ok(['delete', 'deploy', 'web', '-n', 'e2e'])).toContain('deployment.apps "web" deleted');
    const gone = await s.kubectl(['get', 'deploy', 'web', '-n', 'e2e']);
    expect(gone.stderr).toContain('deployments.apps "web" not found');
  });

  it('explains kinds from the OpenAPI schemas', async () => {
    const out = await ok(['explain', 'deployment.spec.replicas']);
    expect(out).toMatch(/^KIND:\s+Deployment$/m);
    expect(out).toMatch(/^FIELD:\s+replicas <integer>$/m);
    const pods = await ok(['explain', 'pods.spec.containers', '--recursive']);
    expect(pods).toMatch(/^\s+image\s+<string>$/m);
  });

  it('keeps every object across a restart with increasing resource versions', async () => {
    await ok(['create', 'configmap', 'persist', '-n', 'e2e', '--from-literal=x=1']);
    const before = await json(['get', 'cm', 'persist', '-n', 'e2e']);
    const countBefore = (await json(['get', 'cm', '-A'])).items.length;
    await s.restart();
    const after = await json(['get', 'cm', 'persist', '-n', 'e2e']);
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect((await json(['get', 'cm', '-A'])).items.length).toBe(countBefore);
    await ok(['label', 'cm', 'persist', '-n', 'e2e', 'after=restart']);
    const bumped = await json(['get', 'cm', 'persist', '-n', 'e2e']);
    expect(Number(bumped.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
  });
});
