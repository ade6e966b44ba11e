// CustomResourceDefinition figures against the built executable: installing an operator-sized CRD
// (~310 KB of structural schema, pkg/apiextensions/testing/large-crd.ts) with server-side apply,
// how long until its resource is in discovery and OpenAPI, re-applying it, and writes of custom
// objects against writes of ConfigMaps in the same run (the baseline).
// Usage: npx tsx bench/crd.ts [objects]   (K3TS_BENCH_BINARY picks another build than dist/k3ts)
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { largeCrd } from '../pkg/apiextensions/testing/large-crd';

const objects = Number(process.argv[2] ?? 300);
const bin = process.env.K3TS_BENCH_BINARY ?? path.resolve(__dirname, '..', 'dist', 'k3ts');

interface Target {
  port: number;
  ca: string;
  cert: string;
  key: string;
}

function request(agent: https.Agent, t: Target, method: string, p: string, body?: string, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: t.port, method, path: p, agent, ca: t.ca, cert: t.cert, key: t.key, headers: body ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

async function until(what: string, fn: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  while (!(await fn())) {
    if (performance.now() - t0 > 30_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now() - t0;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main(): Promise<void> {
  if (!fs.existsSync(bin)) throw new Error(`${bin} missing: npm run build first (or set K3TS_BENCH_BINARY)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-bench-crd-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const kubeconfig = path.join(dir, 'kc.yaml');
  const child = spawn(bin, ['server', '-d', path.join(dir, 'data'), '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '-o', kubeconfig, '--disable-agent', '--disable-scheduler'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (b: Buffer) => {
      log += b.toString();
      if (log.includes('k3ts server is ready')) resolve();
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}: ${log}`)));
  });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 8 });
  try {
    const kc = parseYaml(fs.readFileSync(kubeconfig, 'utf8')) as { clusters: [{ cluster: Record<string, string> }]; users: [{ user: Record<string, string> }] };
    const b64 = (s: string) => Buffer.from(s, 'base64').toString();
    const t: Target = { port, ca: b64(kc.clusters[0].cluster['certificate-authority-data']!), cert: b64(kc.users[0].user['client-certificate-data']!), key: b64(kc.users[0].user['client-key-data']!) };
    const crd = largeCrd();
    const body = JSON.stringify(crd);
    console.log(`CRD: ${(body.length / 1024).toFixed(0)} KB of JSON (${objects} objects per write phase)`);

    // Install with server-side apply, then wait for discovery, Established and the OpenAPI document.
    const applyPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/databaseclusters.db.example.io?fieldManager=bench&force=true';
    const [created, applyMs] = await timed(() => request(agent, t, 'PATCH', applyPath, body, 'application/apply-patch+yaml'));
    if (created.status !== 201) throw new Error(`apply: ${created.status} ${created.body.slice(0, 300)}`);
    const discoveryMs = await until('discovery', async () => (await request(agent, t, 'GET', '/apis/db.example.io/v1')).status === 200);
    const establishedMs = await until('Established', async () => {
      const got = JSON.parse((await request(agent, t, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/databaseclusters.db.example.io')).body) as { status?: { conditions?: { type: string; status: string }[] } };
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    });
    const [openapi, openapiMs] = await timed(() => request(agent, t, 'GET', '/openapi/v3/apis/db.example.io/v1'));
    console.log(`server-side apply (create) of the CRD      ${ms(applyMs)}`);
    console.log(`  + until served in discovery              ${ms(discoveryMs)}`);
    console.log(`  + until Established (GET polling)        ${ms(establishedMs)}`);
    console.log(`first OpenAPI v3 document of the group     ${ms(openapiMs)} (${(openapi.body.length / 1024).toFixed(0)} KB)`);
    const [, reapplyMs] = await timed(() => request(agent, t, 'PATCH', applyPath, body, 'application/apply-patch+yaml'));
    console.log(`server-side apply again, unchanged         ${ms(reapplyMs)}`);
    const changed = structuredClone(crd) as { spec: { versions: { additionalPrinterColumns: unknown[] }[] } };
    changed.spec.versions[0]!.additionalPrinterColumns.push({ name: 'Extra', type: 'string', jsonPath: '.spec.tier' });
    const [, changeMs] = await timed(() => request(agent, t, 'PATCH', applyPath, JSON.stringify(changed), 'application/apply-patch+yaml'));
    console.log(`server-side apply with a changed column     ${ms(changeMs)}`);

    // kubectl apply --server-side end to end (kubectl's discovery and OpenAPI reads included), against a ConfigMap.
    const file = path.join(dir, 'crd.json');
    fs.writeFileSync(file, JSON.stringify({ ...crd, metadata: { name: 'databaseclusters.db2.example.io' }, spec: { ...(crd.spec as object), group: 'db2.example.io' } }));
    const cm = path.join(dir, 'cm.json');
    fs.writeFileSync(cm, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: 'b' } }));
    const kubectl = (f: string) => timed(async () => execFileSync('/usr/bin/kubectl', ['apply', '--server-side', '-f', f], { env: { PATH: '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig }, stdio: 'pipe' }));
    await kubectl(cm); // kubectl's first run fills its discovery cache
    const [, kcCm] = await kubectl(cm);
    const [, kcCrd] = await kubectl(file);
    console.log(`kubectl apply --server-side: ConfigMap ${ms(kcCm)}, large CRD ${ms(kcCrd)} (ratio ${(kcCrd / kcCm).toFixed(2)})`);

    // Object writes: custom objects (schema defaulting, pruning, validation, 7 CEL rules) vs ConfigMaps.
    const dbc = (i: number) => JSON.stringify({ apiVersion: 'db.example.io/v1', kind: 'DatabaseCluster', metadata: { name: `db-${i}` }, spec: { version: '15.2', component0: { replicas: 3, containers: [{ name: 'db', image: 'postgres:15', ports: [{ containerPort: 5432 }], env: [{ name: 'A', value: 'b' }], resources: { limits: { cpu: '2', memory: '4Gi' } } }] } } });
    const cmBody = (i: number) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { version: '15.2', image: 'postgres:15' } });
    const phase = async (label: string, p: string, make: (i: number) => string) => {
      const [, total] = await timed(async () => {
        for (let i = 0; i < objects; i += 8) {
          await Promise.all(Array.from({ length: Math.min(8, objects - i) }, async (_, j) => {
            const r = await request(agent, t, 'POST', p, make(i + j));
            if (r.status !== 201) throw new Error(`${label}: ${r.status} ${r.body.slice(0, 300)}`);
          }));
        }
      });
      return objects / (total / 1000);
    };
    const cmRate = await phase('configmaps', '/api/v1/namespaces/default/configmaps', cmBody);
    const dbcRate = await phase('databaseclusters', '/apis/db.example.io/v1/namespaces/default/databaseclusters', dbc);
    console.log(`creates/s (8 in flight): ConfigMap ${cmRate.toFixed(0)}, DatabaseCluster ${dbcRate.toFixed(0)} (ratio ${(dbcRate / cmRate).toFixed(2)})`);
    const [list, listMs] = await timed(() => request(agent, t, 'GET', '/apis/db.example.io/v1/namespaces/default/databaseclusters'));
    console.log(`list of ${objects} custom objects             ${ms(listMs)} (${(list.body.length / 1024).toFixed(0)} KB)`);
    const [, delMs] = await timed(() => request(agent, t, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/databaseclusters.db.example.io'));
    const goneMs = await until('CRD deleted', async () => (await request(agent, t, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/databaseclusters.db.example.io')).status === 404);
    console.log(`delete CRD with ${objects} objects: request ${ms(delMs)}, until gone ${ms(goneMs)}`);
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
