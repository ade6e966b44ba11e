// What authorization costs, measured two ways in one run:
// 1. in process: the RBAC,Node authorizer chain's decision time for an ordinary user, over the
//    bootstrap policy plus many extra bindings (the per-request cost, with no datastore read);
// 2. end to end: two built servers side by side, one with --authorization-mode=AlwaysAllow and one
//    with RBAC,Node, the same load (as user bench-user, bound to `edit` in namespace bench) run in
//    alternating short rounds so machine noise hits both alike; median req/s per side and the ratio,
//    and the server process's CPU time per request (from /proc, robust against other load).
// Usage: npx tsx bench/authorization.ts [rounds] [seconds-per-round]
// K3TS_BENCH_MODES="AlwaysAllow;AlwaysAllow" compares a mode with itself (how much the two server
// slots differ by noise alone).
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BUILTIN_MODULES } from '../pkg/api/catalog';
import type { KubeObject } from '../pkg/api/types';
import type { AuthorizationAttributes } from '../pkg/apiserver/authorization';
import { Store } from '../pkg/apiserver/registry/store';
import { startAuthorization } from '../pkg/auth/start-authorization';
import { issueClientCertificate } from '../pkg/certs';
import { silentLogger } from '../pkg/log/logger';
import { MemoryBackend } from '../pkg/storage/drivers/memory';

const rounds = Number(process.argv[2] ?? 6);
const seconds = Number(process.argv[3] ?? 1);
const bin = path.resolve(__dirname, '..', 'dist', 'k3ts');
const RBAC = 'rbac.authorization.k8s.io';
const modes = (process.env.K3TS_BENCH_MODES ?? 'AlwaysAllow;RBAC,Node').split(';');

async function inProcess(): Promise<string> {
  const backend = new MemoryBackend();
  await backend.start();
  const ctx = { backend, now: () => new Date(), newUid: () => crypto.randomUUID(), random: Math.random };
  const stores = BUILTIN_MODULES.flat().map((d) => [d, new Store(d, ctx)] as const);
  const store = (g: string, r: string) => stores.find(([d]) => d.group === g && d.resource === r && !d.storageResource)?.[1];
  const stack = await startAuthorization({ modes: ['RBAC', 'Node'] }, { store, log: silentLogger() });
  // 100 namespaces with 5 bindings each (users and groups), like a shared cluster.
  for (let n = 0; n < 100; n++) {
    for (let b = 0; b < 5; b++) {
      const subject = b % 2 ? { kind: 'User', name: `user-${n}-${b}` } : { kind: 'Group', name: `team-${n}-${b}` };
      await store(RBAC, 'rolebindings')!.create(`ns-${n}`, { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: `b${b}`, namespace: `ns-${n}` }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: ['view', 'edit', 'admin'][b % 3] }, subjects: [subject] } as KubeObject);
    }
  }
  const user = { username: 'user-42-1', groups: ['team-42-0', 'system:authenticated'] };
  const base: AuthorizationAttributes = { user, verb: 'create', isResource: true, group: 'apps', version: 'v1', resource: 'deployments', subresource: '', namespace: 'ns-42', name: '', path: '' };
  const cases: [string, AuthorizationAttributes][] = [
    ['allowed (create deployments in its namespace)', base],
    ['denied (same in another namespace)', { ...base, namespace: 'ns-7' }],
    ['non-resource (GET /apis/apps/v1)', { ...base, isResource: false, verb: 'get', path: '/apis/apps/v1', namespace: '' }],
    ['kubelet secret read (node graph)', { ...base, user: { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] }, verb: 'get', group: '', resource: 'secrets', name: 's' }],
  ];
  const expectAllowed = [true, false, true, false];
  for (let deadline = Date.now() + 5000; !(await stack.authorizer.authorize(base)).allowed; ) {
    if (Date.now() > deadline) throw new Error('bindings did not reach the authorizer');
    await new Promise((r) => setTimeout(r, 10));
  }
  const lines: string[] = [];
  for (const [i, [name, attrs]] of cases.entries()) {
    const n = 200_000;
    if ((await stack.authorizer.authorize(attrs)).allowed !== expectAllowed[i]) throw new Error(`unexpected decision for ${name}`);
    const t0 = performance.now();
    for (let k = 0; k < n; k++) await stack.authorizer.authorize(attrs);
    const us = ((performance.now() - t0) * 1000) / n;
    lines.push(`  ${name.padEnd(48)} ${us.toFixed(2)} µs/decision`);
  }
  await stack.stop();
  await backend.close();
  return lines.join('\n');
}

interface Target {
  port: number;
  ca: string;
  cert: string;
  key: string;
}

function request(agent: https.Agent, t: Target, method: string, p: string, body?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: t.port, method, path: p, agent, ca: t.ca, cert: t.cert, key: t.key, headers: body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** CPU seconds (user + system, all threads) the process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based), in clock ticks (100 Hz on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function load(t: Target, concurrency: number, ms: number, make: () => { method: string; path: string; body?: string; expect: number }): Promise<{ rps: number; n: number }> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency });
  let n = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const r = make();
        const res = await request(agent, t, r.method, r.path, r.body);
        if (res.status !== r.expect) throw new Error(`${r.method} ${r.path}: ${res.status} ${res.body.toString().slice(0, 200)}`);
        n++;
      }
    }),
  );
  agent.destroy();
  return { rps: n / ((performance.now() - start) / 1000), n };
}

interface Server {
  readonly mode: string;
  readonly child: ChildProcess;
  readonly dir: string;
  readonly user: Target;
}

async function startServer(mode: string): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-bench-authz-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const kubeconfig = path.join(dir, 'kc.yaml');
  const child = spawn(bin, ['server', '-d', path.join(dir, 'data'), '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '-o', kubeconfig, '--disable-agent', '--authorization-mode', mode], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (b: Buffer) => {
        log += b.toString();
        if (log.includes('k3ts server is ready')) resolve();
      });
      child.on('error', reject);
      child.on('exit', (c) => reject(new Error(`server exited ${c}: ${log}`)));
    });
  } catch (e) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const kc = parseYaml(fs.readFileSync(kubeconfig, 'utf8')) as { clusters: [{ cluster: Record<string, string> }]; users: [{ user: Record<string, string> }] };
  const b64 = (s: string) => Buffer.from(s, 'base64').toString();
  const admin: Target = { port, ca: b64(kc.clusters[0].cluster['certificate-authority-data']!), cert: b64(kc.users[0].user['client-certificate-data']!), key: b64(kc.users[0].user['client-key-data']!) };
  const tls = path.join(dir, 'data', 'server', 'tls');
  const cert = await issueClientCertificate({ certPem: fs.readFileSync(path.join(tls, 'client-ca.crt'), 'utf8'), keyPem: fs.readFileSync(path.join(tls, 'client-ca.key'), 'utf8') }, { commonName: 'bench-user', organizations: ['bench'], days: 1 });
  const user: Target = { ...admin, cert: cert.certPem, key: cert.keyPem };
  const agent = new https.Agent({ keepAlive: true });
  await request(agent, admin, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }));
  const binding = { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'bench-edit' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'Group', name: 'bench' }] };
  await request(agent, admin, 'POST', `/apis/${RBAC}/v1/namespaces/bench/rolebindings`, JSON.stringify(binding));
  while ((await request(agent, user, 'GET', '/api/v1/namespaces/bench/pods?limit=1')).status !== 200) await new Promise((r) => setTimeout(r, 10));
  const pod = (i: number) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}` }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } });
  for (let i = 0; i < 50; i++) await request(agent, user, 'POST', '/api/v1/namespaces/bench/pods', pod(i));
  agent.destroy();
  return { mode, child, dir, user };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  if (!fs.existsSync(bin)) throw new Error(`${bin} missing: npm run build first`);
  console.log(`RBAC,Node decision cost in process (bootstrap policy + 500 RoleBindings in 100 namespaces):\n${await inProcess()}`);
  const servers: Server[] = [];
  try {
    for (const m of modes.slice(0, 2)) servers.push(await startServer(m));
    let serial = 0;
    const phases: [string, () => { method: string; path: string; body?: string; expect: number }][] = [
      ['GET one pod', () => ({ method: 'GET', path: '/api/v1/namespaces/bench/pods/p7', expect: 200 })],
      ['LIST 50 pods', () => ({ method: 'GET', path: '/api/v1/namespaces/bench/pods', expect: 200 })],
      ['create configmap', () => ({ method: 'POST', path: '/api/v1/namespaces/bench/configmaps', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${serial++}` }, data: { k: 'x'.repeat(512) } }), expect: 201 })],
    ];
    console.log(`end to end, as bench-user (edit in bench), 4 clients, ${rounds} alternating rounds of ${seconds} s, ${os.cpus().length} cores; median req/s:`);
    for (const [name, make] of phases) {
      const rps: number[][] = [[], []];
      const cpu = [0, 0];
      const requests = [0, 0];
      for (let r = 0; r < rounds; r++) {
        for (const i of r % 2 ? [1, 0] : [0, 1]) {
          const pid = servers[i]!.child.pid!;
          const before = cpuSeconds(pid);
          const res = await load(servers[i]!.user, 4, seconds * 1000, make);
          cpu[i] += cpuSeconds(pid) - before;
          requests[i] += res.n;
          rps[i]!.push(res.rps);
        }
      }
      const [a, b] = [median(rps[0]!), median(rps[1]!)];
      const [ca, cb] = [(cpu[0]! / requests[0]!) * 1e6, (cpu[1]! / requests[1]!) * 1e6];
      console.log(`  ${name.padEnd(18)} ${modes[0]} ${a.toFixed(0).padStart(6)} req/s ${ca.toFixed(0).padStart(5)} µs CPU/req  ${modes[1]} ${b.toFixed(0).padStart(6)} req/s ${cb.toFixed(0).padStart(5)} µs CPU/req  ratio ${(b / a).toFixed(3)} (CPU ${(cb / ca).toFixed(3)})`);
    }
  } finally {
    for (const s of servers) {
      const exited = new Promise((r) => s.child.on('exit', r));
      s.child.kill('SIGTERM');
      await exited;
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
