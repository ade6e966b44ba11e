// API server throughput and latency, against the built executable, with a baseline measured in the
// same run: a bare Node https server (same TLS setup, client certificates verified) answering the
// very bytes k3ts returned. Usage: npx tsx bench/apiserver.ts [seconds-per-phase]
// K3TS_BENCH_AUTHORIZATION_MODE=RBAC,Node|AlwaysAllow starts the server with that (hidden)
// --authorization-mode and measures as an ordinary user (client certificate CN=bench-user, O=bench,
// bound to `edit` in the bench namespace) instead of system:masters, so that the RBAC path is what
// runs: compare the figures of the two modes to see what authorization costs.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { issueClientCertificate } from '../pkg/certs';

const seconds = Number(process.argv[2] ?? 3);
const bin = path.resolve(__dirname, '..', 'dist', 'k3ts');
const authorizationMode = process.env.K3TS_BENCH_AUTHORIZATION_MODE;

interface Target {
  host: string;
  port: number;
  ca: string;
  cert: string;
  key: string;
}

function request(agent: https.Agent, t: Target, method: string, p: string, body?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: t.host, port: t.port, method, path: p, agent, ca: t.ca, cert: t.cert, key: t.key, headers: body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  n: number;
}

async function load(t: Target, concurrency: number, durationMs: number, make: (i: number) => { method: string; path: string; body?: string; expect: number }): Promise<Result> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency });
  const lat: number[] = [];
  let i = 0;
  const end = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const r = make(i++);
      const t0 = performance.now();
      const res = await request(agent, t, r.method, r.path, r.body);
      lat.push(performance.now() - t0);
      if (res.status !== r.expect) throw new Error(`${r.method} ${r.path}: ${res.status} ${res.body.toString().slice(0, 200)}`);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { rps: lat.length / elapsed, p50: lat[Math.floor(lat.length * 0.5)]!, p99: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))]!, n: lat.length };
}

// The baseline runs in its own process, as k3ts does, so neither shares the load generator's thread.
const BARE_SERVER = `
const https = require('node:https');
const cfg = JSON.parse(require('node:fs').readFileSync(process.env.BARE_CONFIG_FILE, 'utf8'));
const answers = new Map(Object.entries(cfg.answers).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
const server = https.createServer({ cert: cfg.cert, key: cfg.key, ca: cfg.clientCa, requestCert: true, rejectUnauthorized: false }, (req, res) => {
  if (!req.socket.authorized) { res.writeHead(401).end(); return; }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = answers.get(req.url) || Buffer.from('{}');
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

async function bareServer(t: Target, keyPem: string, certPem: string, clientCaPem: string, answers: Map<string, Buffer>): Promise<{ target: Target; close: () => void }> {
  const config = { key: keyPem, cert: certPem, clientCa: clientCaPem, answers: Object.fromEntries([...answers].map(([k, v]) => [k, v.toString('base64')])) };
  const file = path.join(os.tmpdir(), `k3ts-bench-bare-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { env: { BARE_CONFIG_FILE: file }, stdio: ['ignore', 'pipe', 'inherit'] });
  child.on('exit', () => fs.rmSync(file, { force: true }));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    child.on('exit', (c) => reject(new Error(`baseline server exited ${c}`)));
  });
  return { target: { ...t, port }, close: () => child.kill() };
}

async function main(): Promise<void> {
  if (!fs.existsSync(bin)) throw new Error(`${bin} missing: npm run build first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-bench-api-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const kubeconfig = path.join(dir, 'kc.yaml');
  const child = spawn(bin, ['server', '-d', path.join(dir, 'data'), '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '-o', kubeconfig, '--disable-agent', '--disable-scheduler', ...(authorizationMode ? ['--authorization-mode', authorizationMode] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (b: Buffer) => {
      log += b.toString();
      if (log.includes('k3ts server is ready')) resolve();
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}: ${log}`)));
  });
  try {
    const kc = parseYaml(fs.readFileSync(kubeconfig, 'utf8')) as { clusters: [{ cluster: Record<string, string> }]; users: [{ user: Record<string, string> }] };
    const b64 = (s: string) => Buffer.from(s, 'base64').toString();
    const admin: Target = { host: '127.0.0.1', port, ca: b64(kc.clusters[0].cluster['certificate-authority-data']!), cert: b64(kc.users[0].user['client-certificate-data']!), key: b64(kc.users[0].user['client-key-data']!) };
    let t = admin;
    const agent = new https.Agent({ keepAlive: true, maxSockets: 8 });
    await request(agent, t, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }));
    if (authorizationMode) {
      const tlsDir = path.join(dir, 'data', 'server', 'tls');
      const ca = { certPem: fs.readFileSync(path.join(tlsDir, 'client-ca.crt'), 'utf8'), keyPem: fs.readFileSync(path.join(tlsDir, 'client-ca.key'), 'utf8') };
      const user = await issueClientCertificate(ca, { commonName: 'bench-user', organizations: ['bench'], days: 1 });
      const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'bench-edit' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'Group', name: 'bench' }] };
      const r = await request(agent, admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/bench/rolebindings', JSON.stringify(binding));
      if (r.status !== 201) throw new Error(`creating the bench RoleBinding: ${r.status} ${r.body.toString()}`);
      t = { ...admin, cert: user.certPem, key: user.keyPem };
      // The binding reaches the authorizer through its watch: wait for it.
      while ((await request(agent, t, 'GET', '/api/v1/namespaces/bench/pods?limit=1')).status !== 200) await new Promise((res) => setTimeout(res, 10));
    }
    const pod = (i: number) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'busybox:1', resources: { requests: { cpu: '10m' } } }] } });
    const seedStart = performance.now();
    for (let i = 0; i < 500; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => request(agent, t, 'POST', '/api/v1/namespaces/bench/pods', pod(i + k))));
    const seedMs = performance.now() - seedStart;
    const getPath = '/api/v1/namespaces/bench/pods/p7';
    const listPath = '/api/v1/namespaces/bench/pods?limit=500';
    const getBody = (await request(agent, t, 'GET', getPath)).body;
    const listBody = (await request(agent, t, 'GET', listPath)).body;
    agent.destroy();

    // The bare server reuses k3ts's serving certificate so both sides do the same TLS work.
    const tls = path.join(dir, 'data', 'server', 'tls');
    const bare = await bareServer(t, fs.readFileSync(path.join(tls, 'serving-kube-apiserver.key'), 'utf8'), fs.readFileSync(path.join(tls, 'serving-kube-apiserver.crt'), 'utf8'), fs.readFileSync(path.join(tls, 'client-ca.crt'), 'utf8'), new Map([[getPath, getBody], [listPath, listBody]]));
    const ms = seconds * 1000;
    const rows: string[] = [];
    // Alternate short rounds so machine noise hits both sides alike; keep each side's best round.
    const best = async (target: Target, conc: number, make: Parameters<typeof load>[3]) => {
      const rounds: Result[] = [];
      for (let r = 0; r < 3; r++) rounds.push(await load(target, conc, ms / 3, make));
      return rounds.sort((a, b) => b.rps - a.rps)[0]!;
    };
    const compare = async (name: string, conc: number, p: string) => {
      const base = await best(bare.target, conc, () => ({ method: 'GET', path: p, expect: 200 }));
      const k = await best(t, conc, () => ({ method: 'GET', path: p, expect: 200 }));
      rows.push(`${name.padEnd(34)} k3ts ${k.rps.toFixed(0).padStart(6)} req/s (p50 ${k.p50.toFixed(1)} ms, p99 ${k.p99.toFixed(1)} ms)  bare https ${base.rps.toFixed(0).padStart(6)} req/s  ratio ${(k.rps / base.rps).toFixed(2)}`);
    };
    await compare('GET one pod (4 clients)', 4, getPath);
    await compare(`LIST 500 pods, ${(listBody.length / 1024).toFixed(0)} KiB (4 clients)`, 4, listPath);
    const cm = (i: number) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { k: 'x'.repeat(512) } });
    let serial = 0;
    const create = await best(t, 4, () => ({ method: 'POST', path: '/api/v1/namespaces/bench/configmaps', body: cm(serial++), expect: 201 }));
    const bareCreate = await best(bare.target, 4, () => ({ method: 'POST', path: '/x', body: cm(serial++), expect: 200 }));
    rows.push(`${'create configmap (4 clients)'.padEnd(34)} k3ts ${create.rps.toFixed(0).padStart(6)} req/s (p50 ${create.p50.toFixed(1)} ms, p99 ${create.p99.toFixed(1)} ms)  bare https ${bareCreate.rps.toFixed(0).padStart(6)} req/s  ratio ${(create.rps / bareCreate.rps).toFixed(2)}`);
    bare.close();
    console.log(`k3ts API server benchmark (${seconds} s per phase, ${os.cpus().length} cores${authorizationMode ? `, --authorization-mode=${authorizationMode}, as user bench-user` : ''}); seeding 500 pods took ${seedMs.toFixed(0)} ms`);
    for (const r of rows) console.log(r);
    console.log(`mutating p99 latency: ${create.p99.toFixed(1)} ms (target < 50 ms)`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
