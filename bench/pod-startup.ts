// Pod startup latency as upstream's SLO measures it (pod created → observed Running, image
// present), against the built dist/k3ts server with its agent and real containerd:
//   npx tsx bench/pod-startup.ts [--pods 50] [--concurrency 5]
// Prints p50/p90/p99 over the pods, the same figures for the bare CRI calls of one pod (sandbox +
// create + start through our CRI client, measured in the same run as the floor), their ratio, and
// the RSS of the k3ts process and of containerd idle and with the pods running. Needs root.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { cgroupRootFor, runDirFor } from '../pkg/agent/agent-config';
import { killall } from '../pkg/agent/killall';
import type { KubeObject } from '../pkg/api/types';
import { HttpsTransport, RestClient, RESOURCES } from '../pkg/client';
import { buildTestImages } from '../pkg/images/test-images';
import { CriClient } from '../pkg/kubelet/cri/cri-client';
import { percentile } from './storage';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const PODS = arg('--pods', 50);
const CONCURRENCY = arg('--concurrency', 5);
const NODE = 'k3ts-bench-node';
const IMAGE = 'k3ts.local/busybox:1';

async function eventually<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs: number, everyMs = 100): Promise<T> {
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

/** dist/k3ts server with its agent in a temp dir (test images imported at start). */
async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-bench-pods-'));
  const dataDir = path.join(dir, 'data');
  buildTestImages(path.join(dataDir, 'agent', 'images'));
  const port = await freePort();
  const bin = path.resolve(__dirname, '..', 'dist', 'k3ts');
  const child = spawn(bin, ['server', '--data-dir', dataDir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--write-kubeconfig', path.join(dir, 'kubeconfig.yaml'), '--node-name', NODE, '--kubelet-arg', 'port=0'], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: '/usr/local/sbin:/usr/sbin:/usr/bin', HOME: dir } });
  let out = '';
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  await eventually(async () => out.includes('k3ts server is ready'), 'the server', 90_000);
  const runDir = runDirFor(dataDir);
  return {
    dir,
    dataDir,
    port,
    runDir,
    pid: child.pid!,
    async stop(client: RestClient) {
      await client.resource(RESOURCES.pods).deleteCollection('default', { gracePeriodSeconds: 1 }).catch(() => undefined);
      await eventually(async () => (await client.resource(RESOURCES.pods).list('default')).items.length === 0, 'pods gone', 120_000, 500).catch(() => undefined);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      killall({ runDir, mountRoots: [dataDir], cgroupRoot: cgroupRootFor(dataDir), bridge: 'k3ts0' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function summary(label: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${label}: n=${s.length} p50=${percentile(s, 50).toFixed(0)} ms p90=${percentile(s, 90).toFixed(0)} ms p99=${percentile(s, 99).toFixed(0)} ms max=${s.at(-1)!.toFixed(0)} ms`;
}

async function main(): Promise<void> {
  const s = await startServer();
  let client: RestClient | undefined;
  try {
    const tls = path.join(s.dataDir, 'server', 'tls');
    const read = (f: string) => fs.readFileSync(path.join(tls, f), 'utf8');
    client = new RestClient({ transport: new HttpsTransport({ server: `https://127.0.0.1:${s.port}`, caPem: read('server-ca.crt'), certPem: read('client-admin.crt'), keyPem: read('client-admin.key') }) });
    const pods = client.resource(RESOURCES.pods);
    await eventually(async () => ((await client!.resource(RESOURCES.nodes).get(undefined, NODE)).status as { conditions?: { type: string; status: string }[] })?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), 'node Ready', 60_000);
    const containerdPid = Number(fs.readFileSync(path.join(s.runDir, 'containerd', 'containerd.pid'), 'utf8'));
    const serverPid = s.pid;
    await new Promise((r) => setTimeout(r, 3000));
    const idle = { server: rssKb(serverPid), containerd: rssKb(containerdPid) };

    // Floor: the CRI calls of one pod, straight to containerd.
    const cri = new CriClient({ endpoint: path.join(s.runDir, 'containerd', 'containerd.sock') });
    const floor: number[] = [];
    for (let i = 0; i < 10; i++) {
      const sb = { metadata: { name: `floor-${i}`, uid: `floor-uid-${i}`, namespace: 'bench', attempt: 0 }, log_directory: path.join(s.dir, 'floor', String(i)), linux: { cgroup_parent: `${cgroupRootFor(s.dataDir)}/kubepods/besteffort/podfloor-uid-${i}` } };
      const t0 = performance.now();
      const id = await cri.runPodSandbox(sb);
      const c = await cri.createContainer(id, { metadata: { name: 'c', attempt: 0 }, image: { image: IMAGE }, command: ['sleep', '3600'], log_path: 'c.log' }, sb);
      await cri.startContainer(c);
      floor.push(performance.now() - t0);
      await cri.stopPodSandbox(id);
      await cri.removePodSandbox(id);
    }
    cri.close();

    // Through the API: create → Running observed by a watch.
    const created = new Map<string, number>();
    const latencies: number[] = [];
    const abort = new AbortController();
    const watch = await pods.watch('default', { signal: abort.signal });
    const seen = (async () => {
      for await (const ev of watch) {
        if (ev.type === 'ERROR') throw ev.error;
        const p: KubeObject = ev.object;
        const t = created.get(String(p.metadata.name));
        if (t !== undefined && (p.status as { phase?: string } | undefined)?.phase === 'Running') {
          latencies.push(performance.now() - t);
          created.delete(String(p.metadata.name));
          if (latencies.length === PODS) break;
        }
      }
    })();
    let next = 0;
    const worker = async () => {
      while (next < PODS) {
        const name = `bench-${next++}`;
        created.set(name, performance.now());
        await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'] }] } });
        await eventually(async () => !created.has(name), `${name} Running`, 60_000, 20);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await seen;
    abort.abort();
    await new Promise((r) => setTimeout(r, 2000));
    const loaded = { server: rssKb(serverPid), containerd: rssKb(containerdPid) };

    console.log(`pod startup (create → Running, image present), ${PODS} pods, ${CONCURRENCY} in flight`);
    console.log(summary('  through the API + kubelet', latencies));
    console.log(summary('  floor: bare CRI sandbox+create+start', floor));
    const p50 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
    console.log(`  ratio p50 API/floor: ${(p50(latencies) / p50(floor)).toFixed(2)}x`);
    console.log(`RSS idle: k3ts server+agent ${(idle.server / 1024).toFixed(0)} MB, containerd ${(idle.containerd / 1024).toFixed(0)} MB`);
    console.log(`RSS with ${PODS} pods: k3ts server+agent ${(loaded.server / 1024).toFixed(0)} MB, containerd ${(loaded.containerd / 1024).toFixed(0)} MB`);
  } finally {
    if (client) await s.stop(client);
    client?.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
