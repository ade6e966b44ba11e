// The kubelet API and the built-in metrics API, against a built k3ts server with its agent and real
// containerd (needs root; run under `flock /tmp/k3ts-agent-e2e.lock`):
//   npx tsx bench/kubelet-api.ts [--pods 20] [--requests 200] [--binary dist/k3ts]
// Prints p50/p99 latency of the kubelet's /metrics/resource and /stats/summary (direct, with the
// API server's client certificate), of metrics.k8s.io pod and node lists through the API server
// (what `kubectl top` asks), `kubectl top pod` wall time, `kubectl port-forward` throughput for a
// 64 MiB download, and the server's RSS (API server + agent, one process) before and after.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { cgroupRootFor, runDirFor } from '../pkg/agent/agent-config';
import { killall } from '../pkg/agent/killall';
import { buildTestImages } from '../pkg/images/test-images';
import { percentile } from './storage';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1]! : dflt;
};
const PODS = Number(arg('--pods', '20'));
const REQUESTS = Number(arg('--requests', '200'));
const BINARY = path.resolve(arg('--binary', path.join(__dirname, '..', 'dist', 'k3ts')));
const NODE = 'k3ts-bench-kapi';
const IMAGE = 'k3ts.local/busybox:1';
const KUBECTL = '/usr/bin/kubectl';

async function eventually<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

function line(label: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${label}: n=${s.length} p50=${percentile(s, 50).toFixed(1)} ms p99=${percentile(s, 99).toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-bench-kapi-'));
  const dataDir = path.join(dir, 'data');
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  buildTestImages(path.join(dataDir, 'agent', 'images'));
  const port = await freePort();
  const child = spawn(BINARY, ['server', '--data-dir', dataDir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--write-kubeconfig', kubeconfig, '--node-name', NODE, '--kubelet-arg', 'port=0'], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: '/usr/local/sbin:/usr/sbin:/usr/bin', HOME: dir } });
  let out = '';
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const env = { PATH: '/usr/local/sbin:/usr/sbin:/usr/bin', HOME: dir, KUBECONFIG: kubeconfig };
  const kubectl = (args: string[], input?: string) => execFileSync(KUBECTL, args, { env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    await eventually(async () => out.includes('k3ts server is ready'), 'the server', 90_000);
    await eventually(async () => kubectl(['get', 'node', NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']) === 'True', 'node Ready', 60_000);
    const idleRss = rssMb(child.pid!);
    const pods = Array.from({ length: PODS }, (_, i) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, labels: { app: 'bench' } }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: IMAGE, command: ['httpd', '-f', '-p', '80', '-h', '/var/www'] }] } }));
    kubectl(['apply', '-f', '-'], pods.map((p) => JSON.stringify(p)).join('\n'));
    await eventually(async () => kubectl(['get', 'pods', '-o', 'jsonpath={.items[*].status.phase}']).split(' ').filter((p) => p === 'Running').length === PODS, `${PODS} pods Running`, 180_000);
    const tls = path.join(dataDir, 'server', 'tls');
    const read = (f: string) => fs.readFileSync(path.join(tls, f), 'utf8');
    const node = JSON.parse(kubectl(['get', 'node', NODE, '-o', 'json'])) as { status: { daemonEndpoints: { kubeletEndpoint: { Port: number } } } };
    const agent = new https.Agent({ keepAlive: true, ca: read('server-ca.crt'), cert: read('client-kube-apiserver.crt'), key: read('client-kube-apiserver.key') });
    const adminAgent = new https.Agent({ keepAlive: true, ca: read('server-ca.crt'), cert: read('client-admin.crt'), key: read('client-admin.key') });
    const get = (p: number, urlPath: string, a: https.Agent) =>
      new Promise<number>((resolve, reject) => {
        const t0 = performance.now();
        https.get({ host: '127.0.0.1', port: p, path: urlPath, agent: a, servername: 'localhost' }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`${urlPath}: ${res.statusCode}`))));
        }).on('error', reject);
      });
    const series = async (p: number, urlPath: string, a: https.Agent) => {
      const xs: number[] = [];
      for (let i = 0; i < REQUESTS; i++) xs.push(await get(p, urlPath, a));
      return xs;
    };
    const kport = node.status.daemonEndpoints.kubeletEndpoint.Port;
    console.log(`pods: ${PODS}, requests per series: ${REQUESTS}`);
    console.log(line('kubelet /metrics/resource', await series(kport, '/metrics/resource', agent)));
    console.log(line('kubelet /stats/summary', await series(kport, '/stats/summary', agent)));
    await eventually(async () => kubectl(['top', 'pod', '--no-headers']).trim().split('\n').length === PODS, 'metrics for every pod', 60_000, 500);
    console.log(line('metrics.k8s.io list pods (all namespaces)', await series(port, '/apis/metrics.k8s.io/v1beta1/pods', adminAgent)));
    console.log(line('metrics.k8s.io list nodes', await series(port, '/apis/metrics.k8s.io/v1beta1/nodes', adminAgent)));
    const tops: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      kubectl(['top', 'pod']);
      tops.push(performance.now() - t0);
    }
    console.log(line('kubectl top pod (wall, incl. kubectl start)', tops));
    // Port-forward throughput: 64 MiB from the pod's httpd through API server → kubelet → containerd.
    kubectl(['exec', 'p0', '--', 'dd', 'if=/dev/zero', 'of=/var/www/big', 'bs=1048576', 'count=64']);
    const local = await freePort();
    const pf = spawn(KUBECTL, ['port-forward', 'pod/p0', `${local}:80`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let pfOut = '';
    pf.stdout!.on('data', (d: Buffer) => (pfOut += d.toString()));
    await eventually(async () => pfOut.includes('Forwarding from'), 'port-forward', 30_000);
    const t0 = performance.now();
    const bytes = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: local, path: '/big', agent: false }, (res) => {
        let n = 0;
        res.on('data', (d: Buffer) => (n += d.length));
        res.on('end', () => resolve(n));
      }).on('error', reject);
    });
    const secs = (performance.now() - t0) / 1000;
    pf.kill('SIGTERM');
    console.log(`kubectl port-forward download: ${(bytes / 1048576).toFixed(0)} MiB in ${secs.toFixed(2)} s = ${(bytes / 1048576 / secs).toFixed(1)} MiB/s`);
    console.log(`server RSS (API server + agent): idle ${idleRss} MB, with ${PODS} pods after the series ${rssMb(child.pid!)} MB`);
    agent.destroy();
    adminAgent.destroy();
  } finally {
    try {
      kubectl(['delete', 'pods', '--all', '--grace-period=1', '--wait=false']);
      await eventually(async () => kubectl(['get', 'pods', '-o', 'name']).trim() === '', 'pods gone', 120_000, 500);
    } catch {
      // the server may be gone already
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    killall({ runDir: runDirFor(dataDir), mountRoots: [dataDir], cgroupRoot: cgroupRootFor(dataDir), bridge: 'k3ts0' });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
