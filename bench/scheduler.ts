// Scheduler throughput, modelled on upstream scheduler_perf SchedulingBasic/5000Nodes_10000Pods:
// 5,000 nodes (4 CPU, 32Gi, 110 pods), 1,000 pods placed first, then 10,000 measured pods (100m
// CPU, 500Mi each). Upstream's pass mark is 680 pods/s. Two figures:
//   scheduling — the 10,000 pods are created while the scheduler is held back, then it is let go:
//                pods bound per second from its first binding to its last (the scheduler with
//                its API writes: one pods/binding each, plus events);
//   end-to-end — another 10,000 pods created as fast as the API takes them (16 in parallel) while
//                the scheduler runs: bound per second from the first create to the last binding.
//                Scheduling cannot outrun creation, so the creation rate alone is printed beside it
//                as the baseline measured in the same run.
// A third figure needs no API at all: the same pods through the scheduling cycle (filter, score,
// assume) over a cache of the same nodes — what the scheduler itself can do.
// Modes (argv[2]):
//   binary     (default) the built dist/k3ts server, scheduler inside it (sqlite datastore,
//              controllers running); this process creates nodes and pods over HTTPS, holds the
//              scheduler back by taking its kube-system/kube-scheduler Lease, and reads the
//              server's RSS from /proc.
//   inprocess  the in-process test control plane (memory datastore) with the Scheduler in this
//              same process (held back by starting it late).
// Usage: npx tsx bench/scheduler.ts [binary|inprocess] [nodes] [initPods] [pods] [--no-e2e]
// (K3TS_BENCH_BIN=<file> runs another build than dist/k3ts.)
import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeObject } from '../pkg/api/types';
import { HttpsTransport, RESOURCES, RestClient, SharedInformer, isConflict, systemClock } from '../pkg/client';
import { silentLogger } from '../pkg/log/logger';
import { Scheduler, builtinRegistry, defaultSchedulerConfig, pluginPoints } from '../pkg/scheduler';
import { createSimulatedNodes, heartbeatLeases } from '../pkg/scheduler/testing/simulated-nodes';
import { startTestControlPlane } from '../pkg/server/test-control-plane';
import { assumedOn } from '../pkg/scheduler/cache/scheduler-cache';
import { CycleState } from '../pkg/scheduler/framework/cycle-state';
import { PodScheduler } from '../pkg/scheduler/schedule-pod';
import { frameworkOver, node as fixtureNode, pod as fixturePod, snapshotOf } from '../pkg/scheduler/testing/fixtures';

const mode = process.argv[2] ?? 'binary';
const NODES = Number(process.argv[3] ?? 5000);
const INIT_PODS = Number(process.argv[4] ?? 1000);
const PODS = Number(process.argv[5] ?? 10000);

function pod(ns: string, name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '500Mi' } } }] },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** User + system CPU time of a process, ms (from /proc; clock ticks are 100 Hz on Linux). */
function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

interface Target {
  admin: RestClient;
  /** RSS of the process holding the API server and scheduler, MiB. */
  rss(): number;
  /**
   * CPU time that process has used, ms. On a shared, loaded machine wall-clock rates swing with
   * the load; CPU per pod does much less (the figure to compare between builds).
   */
  cpuMs(): number;
  /** Keeps the scheduler from binding (until release()). */
  hold(): Promise<void>;
  release(): Promise<void>;
  stop(): Promise<void>;
}

const LEASE = { namespace: 'kube-system', name: 'kube-scheduler' };
/**
 * On a loaded machine 5,000 lease renewals may not all land within the 40 s grace period: nodes
 * going NotReady (and their unreachable taints) would stall the measurement, so the server gets a
 * long grace period (builds without the flag ignore it).
 */
const GRACE_ARGS = ['--kube-controller-manager-arg', 'node-monitor-grace-period=1h'];
type Lease = KubeObject & { spec?: Record<string, unknown> };

function microNow(): string {
  return new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

async function startBinary(): Promise<Target> {
  const bin = process.env.K3TS_BENCH_BIN ?? path.resolve(__dirname, '..', 'dist', 'k3ts');
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run "npm run build" first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-bench-sched-'));
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['server', '--data-dir', path.join(dir, 'data'), '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--write-kubeconfig', path.join(dir, 'kubeconfig.yaml'), '--disable-agent', '--cluster-cidr', '10.0.0.0/8', ...GRACE_ARGS], {
    cwd: dir,
    env: { PATH: '/usr/sbin:/usr/bin', HOME: dir, ...(process.env.K3TS_BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.K3TS_BENCH_NODE_OPTIONS } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const end = Date.now() + 60_000;
  while (!/k3ts server is ready/.test(out)) {
    if (Date.now() > end || child.exitCode !== null) {
      child.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`server did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const tls = path.join(dir, 'data', 'server', 'tls');
  const admin = new RestClient({
    transport: new HttpsTransport({
      server: `https://127.0.0.1:${port}`,
      caPem: fs.readFileSync(path.join(tls, 'server-ca.crt'), 'utf8'),
      certPem: fs.readFileSync(path.join(tls, 'client-admin.crt'), 'utf8'),
      keyPem: fs.readFileSync(path.join(tls, 'client-admin.key'), 'utf8'),
    }),
  });
  const leases = admin.resource<Lease>(RESOURCES.leases);
  const setHolder = async (holder: string, seconds: number) => {
    for (;;) {
      const lease = await leases.get(LEASE.namespace, LEASE.name);
      try {
        await leases.update({ ...lease, spec: { ...lease.spec, holderIdentity: holder, leaseDurationSeconds: seconds, renewTime: microNow(), acquireTime: microNow() } });
        return;
      } catch (e) {
        // The server's elector renewed meanwhile: read again.
        if (!isConflict(e)) throw e;
      }
    }
  };
  // Like a live leader, the bench renews what it holds (electors judge expiry by their own clock).
  let renewing: ReturnType<typeof setInterval> | undefined;
  return {
    admin,
    rss: () => rssMiB(child.pid!),
    cpuMs: () => cpuMsOf(child.pid!),
    async hold() {
      // Take the scheduler's lease: the server's scheduler steps down at its next renewal.
      const seen = out.length;
      await setHolder('bench-holds-the-scheduler', 3600);
      renewing = setInterval(() => void setHolder('bench-holds-the-scheduler', 3600).catch(() => undefined), 2000);
      const until = Date.now() + 30_000;
      while (!/scheduler stopped/.test(out.slice(seen))) {
        if (Date.now() > until) throw new Error(`the server's scheduler did not step down:\n${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async release() {
      clearInterval(renewing);
      await setHolder('', 1);
    },
    async stop() {
      clearInterval(renewing);
      admin.close();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startInProcess(): Promise<Target> {
  const cp = await startTestControlPlane();
  const client = cp.clientFor('scheduler', 'kube-scheduler');
  let abort: AbortController | undefined;
  let run: Promise<void> | undefined;
  const start = () => {
    abort = new AbortController();
    const scheduler = new Scheduler({ client, clock: systemClock, log: silentLogger(), config: defaultSchedulerConfig(pluginPoints(builtinRegistry())), instance: 'bench' });
    run = scheduler.run(abort.signal);
  };
  start();
  const halt = async () => {
    abort?.abort();
    await run;
    abort = undefined;
  };
  return {
    admin: cp.admin,
    rss: () => rssMiB(process.pid),
    cpuMs: () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    },
    hold: halt,
    async release() {
      start();
    },
    async stop() {
      await halt();
      await cp.stop();
    },
  };
}

/** Counts pods bound in `ns` as the watch reports them; resolves `until(n)` when n are bound. */
function boundCounter(admin: RestClient, ns: string, signal: AbortSignal) {
  const informer = new SharedInformer({ client: admin.resource(RESOURCES.pods), clock: systemClock, log: silentLogger(), namespace: ns });
  const bound = new Set<string>();
  let lastAt = 0;
  let firstAt = 0;
  let waiter: { n: number; resolve: () => void } | undefined;
  const see = (p: KubeObject) => {
    if (!(p.spec as { nodeName?: string }).nodeName || bound.has(String(p.metadata.uid))) return;
    bound.add(String(p.metadata.uid));
    lastAt = performance.now();
    if (bound.size === 1) firstAt = lastAt;
    if (waiter && bound.size >= waiter.n) waiter.resolve();
  };
  informer.addEventHandler({ add: see, update: (_o, p) => see(p) });
  const running = informer.run(signal);
  return {
    synced: () => informer.waitForSync(signal),
    until: (n: number) => (bound.size >= n ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { n, resolve }))),
    count: () => bound.size,
    lastAt: () => lastAt,
    firstAt: () => firstAt,
    perNode: () => {
      const m = new Map<string, number>();
      for (const p of informer.indexer.list()) {
        const n = (p.spec as { nodeName?: string }).nodeName;
        if (n) m.set(n, (m.get(n) ?? 0) + 1);
      }
      return m;
    },
    running,
  };
}

async function createPods(admin: RestClient, ns: string, n: number, parallel: number): Promise<number> {
  const pods = admin.resource(RESOURCES.pods);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        const i = next++;
        await pods.create(pod(ns, `pod-${i}`));
      }
    }),
  );
  return performance.now() - t0;
}

/** The scheduling cycle alone: cache, framework and plugins, pods assumed, no API. */
function cyclesOnly(): void {
  const snapshot = snapshotOf(Array.from({ length: NODES }, (_, i) => fixtureNode({ name: `node-${i}`, cpu: '4', memory: '32Gi', pods: '110' })));
  const { framework } = frameworkOver(snapshot);
  const scheduler = new PodScheduler(snapshot, { nominatedPodsForNode: () => [], hasNominatedPods: () => false }, 0, Math.random);
  const pods = Array.from({ length: INIT_PODS + PODS }, (_, i) => fixturePod({ name: `pod-${i}`, requests: { cpu: '100m', memory: '500Mi' } }));
  let t = performance.now();
  for (let i = 0; i < pods.length; i++) {
    if (i === INIT_PODS) t = performance.now();
    const r = scheduler.schedule(framework, new CycleState(), pods[i]!);
    if (!r.ok) throw new Error(`pod ${i} did not fit: ${r.status.message()}`);
    snapshot.assume(assumedOn(pods[i]!, r.node));
  }
  const ms = performance.now() - t;
  console.log(`scheduling cycles alone (no API): ${PODS} pods over ${NODES} nodes in ${Math.round(ms)} ms => ${Math.round((PODS / ms) * 1000)} pods/s`);
}

async function main(): Promise<void> {
  cyclesOnly();
  const e2e = !process.argv.includes('--no-e2e');
  const target = mode === 'inprocess' ? await startInProcess() : await startBinary();
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  let heartbeats: Promise<void> = Promise.resolve();
  try {
    const { admin } = target;
    const rssEmpty = target.rss();
    for (const ns of ['init', 'measure', 'e2e']) await admin.resource(RESOURCES.namespaces).create({ metadata: { name: ns } });
    let t = performance.now();
    await createSimulatedNodes(
      admin,
      Array.from({ length: NODES }, (_, i) => ({ name: `node-${i}`, cpu: '4', memory: '32Gi', pods: '110' })),
      16,
    );
    console.log(`mode ${mode}: ${NODES} nodes created in ${Math.round(performance.now() - t)} ms`);
    // The server's node lifecycle controller taints nodes whose Lease goes 40 s without renewal:
    // renew each every 30 s, as kubelets would (every 10 s) at a third of the load.
    heartbeats =
      mode === 'inprocess'
        ? Promise.resolve()
        : heartbeatLeases({ client: admin, clock: systemClock, names: Array.from({ length: NODES }, (_, i) => `node-${i}`), intervalMs: 30_000 }, abort.signal).catch((e: unknown) => console.error('heartbeats failed', e));

    const init = boundCounter(admin, 'init', abort.signal);
    await init.synced();
    t = performance.now();
    await createPods(admin, 'init', INIT_PODS, 16);
    await init.until(INIT_PODS);
    console.log(`${INIT_PODS} initial pods scheduled in ${Math.round(performance.now() - t)} ms`);

    // Scheduling: pods waiting, then the scheduler let go.
    await target.hold();
    const measured = boundCounter(admin, 'measure', abort.signal);
    await measured.synced();
    const cpuBeforeCreate = target.cpuMs();
    const createMs = await createPods(admin, 'measure', PODS, 16);
    const createCpu = target.cpuMs() - cpuBeforeCreate;
    console.log(`${PODS} pods created in ${Math.round(createMs)} ms with the scheduler held (${Math.round((PODS / createMs) * 1000)} creates/s; server CPU ${((createCpu / PODS) * 1000).toFixed(0)} µs per create)`);
    const released = performance.now();
    const cpuBeforeSchedule = target.cpuMs();
    await target.release();
    await measured.until(PODS);
    const scheduleCpu = target.cpuMs() - cpuBeforeSchedule;
    const schedMs = measured.lastAt() - measured.firstAt();
    const perNode = [...measured.perNode().values()];
    console.log(`scheduling: ${PODS} pods bound in ${Math.round(schedMs)} ms from the first binding (${Math.round(measured.firstAt() - released)} ms after release, informer sync included)`);
    console.log(`  => ${Math.round((PODS / schedMs) * 1000)} pods/s (upstream pass mark 680 pods/s; target 1000 pods/s); ${perNode.length} nodes used, ${Math.min(...perNode)}-${Math.max(...perNode)} pods per node`);
    console.log(`  server CPU ${((scheduleCpu / PODS) * 1000).toFixed(0)} µs per scheduled pod (=> at most ${Math.round((PODS / scheduleCpu) * 1000)} pods/s were the server's main thread alone on a core)`);
    const rssFull = target.rss();
    console.log(`RSS of the ${mode === 'inprocess' ? 'bench process (API server + scheduler + client)' : 'k3ts server'}: ${rssEmpty} MiB empty, ${rssFull} MiB holding ${NODES} nodes and ${INIT_PODS + PODS} pods`);

    if (e2e) {
      const live = boundCounter(admin, 'e2e', abort.signal);
      await live.synced();
      const start = performance.now();
      const cpuBefore = target.cpuMs();
      const liveCreateMs = await createPods(admin, 'e2e', PODS, 16);
      await live.until(PODS);
      const totalMs = live.lastAt() - start;
      const cpu = target.cpuMs() - cpuBefore;
      console.log(`end-to-end: ${PODS} more pods created in ${Math.round(liveCreateMs)} ms (baseline: ${Math.round((PODS / liveCreateMs) * 1000)} creates/s), all bound ${Math.round(totalMs)} ms after the first create`);
      console.log(`  => ${Math.round((PODS / totalMs) * 1000)} pods/s end to end; RSS ${target.rss()} MiB holding ${NODES} nodes and ${INIT_PODS + 2 * PODS} pods`);
      console.log(`  server CPU ${((cpu / PODS) * 1000).toFixed(0)} µs per pod created and scheduled (=> at most ${Math.round((PODS / cpu) * 1000)} pods/s were the server's main thread alone on a core)`);
    }
  } finally {
    abort.abort();
    await heartbeats;
    await target.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
