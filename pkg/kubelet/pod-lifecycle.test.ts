import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../client/clock';
import { Cgroups } from '../containerd/cgroups';
import { silentLogger } from '../log/logger';
import { FakeRuntime } from './cri/fake-runtime';
import { PodCgroups, podResourceConfig } from './pod-cgroups';
import { PodSyncer, type PodApi } from './pod-sync';
import type { ContainerSpec, Pod, PodStatus } from './pod-types';
import type { PodRuntime } from './runtime-state';
import { LABEL_POD_UID } from './sandbox-config';
import { logTail, terminationMessage } from './termination-message';

const IMAGE = 'k3ts.local/busybox:1';

function pod(name: string, containers: ContainerSpec[], spec: Partial<Pod['spec']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { nodeName: 'n1', containers, ...spec } } as Pod;
}

const res = (requests: Record<string, string>, limits: Record<string, string> = {}) => ({ resources: { requests, limits } });

describe('pod resource config (upstream ResourceConfigForPod)', () => {
  it('Guaranteed: shares, quota and memory from the sums', () => {
    const p = pod('g', [
      { name: 'a', ...res({ cpu: '250m', memory: '64Mi' }, { cpu: '250m', memory: '64Mi' }) },
      { name: 'b', ...res({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }) },
    ]);
    expect(podResourceConfig(p)).toEqual({ cpuShares: 1280, cpuPeriod: 100_000, cpuQuota: 125_000, memoryLimitBytes: (64 + 1024) * 1024 * 1024 });
  });

  it('Burstable: limits only when every container has one; init containers count when larger', () => {
    const p = pod('b', [{ name: 'a', ...res({ cpu: '100m' }, { memory: '32Mi' }) }, { name: 'b', ...res({ memory: '10Mi' }) }]);
    expect(podResourceConfig(p)).toEqual({ cpuShares: 102 });
    const withInit = pod('b2', [{ name: 'a', ...res({ cpu: '100m' }, { cpu: '200m', memory: '32Mi' }) }], { initContainers: [{ name: 'i', ...res({ cpu: '500m' }, { cpu: '500m', memory: '16Mi' }) }] });
    expect(podResourceConfig(withInit)).toEqual({ cpuShares: 512, cpuPeriod: 100_000, cpuQuota: 50_000, memoryLimitBytes: 32 * 1024 * 1024 });
  });

  it('BestEffort: minimum shares, nothing else', () => {
    expect(podResourceConfig(pod('be', [{ name: 'a' }]))).toEqual({ cpuShares: 2 });
  });
});

describe('PodCgroups on cgroup v1 hierarchies', () => {
  let dir: string;
  let cg: PodCgroups;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-podcg-'));
    for (const c of ['cpu', 'memory', 'pids']) fs.mkdirSync(path.join(dir, c));
    cg = new PodCgroups(new Cgroups(['cpu', 'memory', 'pids'].map((c) => ({ root: path.join(dir, c), controllers: [c], version: 1 as const }))), '/k3ts-test');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates the QoS tiers and the pod group with its limits, and removes it', () => {
    const g = pod('g', [{ name: 'a', ...res({ cpu: '500m', memory: '64Mi' }, { cpu: '500m', memory: '64Mi' }) }]);
    const be = pod('be', [{ name: 'a' }]);
    expect(cg.ensure(g)).toBe('/k3ts-test/kubepods/poduid-g');
    expect(cg.ensure(be)).toBe('/k3ts-test/kubepods/besteffort/poduid-be');
    const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    expect(read('memory/k3ts-test/kubepods/poduid-g/memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(read('cpu/k3ts-test/kubepods/poduid-g/cpu.shares')).toBe('512');
    expect(read('cpu/k3ts-test/kubepods/poduid-g/cpu.cfs_quota_us')).toBe('50000');
    expect(read('cpu/k3ts-test/kubepods/besteffort/cpu.shares')).toBe('2');
    expect(fs.existsSync(path.join(dir, 'pids/k3ts-test/kubepods/burstable'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'memory/k3ts-test/kubepods/besteffort/poduid-be/memory.limit_in_bytes'))).toBe(false);
    // (rmdir of a real cgroup ignores its control files; in a plain directory they must go first)
    for (const f of ['cpu/k3ts-test/kubepods/poduid-g/cpu.shares', 'cpu/k3ts-test/kubepods/poduid-g/cpu.cfs_quota_us', 'cpu/k3ts-test/kubepods/poduid-g/cpu.cfs_period_us', 'memory/k3ts-test/kubepods/poduid-g/memory.limit_in_bytes']) fs.rmSync(path.join(dir, f));
    expect(cg.remove(g)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'cpu/k3ts-test/kubepods/poduid-g'))).toBe(false);
    fs.rmSync(path.join(dir, 'cpu/k3ts-test/kubepods/besteffort/poduid-be/cpu.shares'));
    expect(cg.remove('uid-be')).toBe(true);
    expect(fs.existsSync(path.join(dir, 'cpu/k3ts-test/kubepods/besteffort/poduid-be'))).toBe(false);
  });
});

describe('termination messages', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-termmsg-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('FallbackToLogsOnError uses the log tail only when the file is empty and the container failed', () => {
    const log = path.join(dir, '0.log');
    const lines = Array.from({ length: 100 }, (_, i) => `2025-01-01T00:00:00.000000000Z stdout F line ${i}`);
    fs.writeFileSync(log, `${lines.join('\n')}\n2025-01-01T00:00:00.1Z stderr P part\n2025-01-01T00:00:00.2Z stderr F ial\n`);
    const tail = logTail(log)!;
    expect(tail.split('\n').filter(Boolean)).toHaveLength(80);
    expect(tail.endsWith('line 99\npartial\n')).toBe(true);
    expect(logTail(log, 80, 10)).toBe('9\npartial\n');
    const spec: ContainerSpec = { name: 'c', terminationMessagePolicy: 'FallbackToLogsOnError' };
    expect(terminationMessage(spec, 'from file', 1, log)).toBe('from file');
    expect(terminationMessage(spec, undefined, 0, log)).toBeUndefined();
    expect(terminationMessage(spec, undefined, 2, log)).toBe(tail);
    expect(terminationMessage({ name: 'c' }, undefined, 2, log)).toBeUndefined();
    expect(terminationMessage(spec, undefined, 2, path.join(dir, 'missing.log'))).toBeUndefined();
  });
});

describe('PodSyncer: probes, hooks and pod cgroups (fake runtime)', () => {
  let dir: string;
  let rt: FakeRuntime;
  let clock: FakeClock;
  let statuses: PodStatus[];
  let requeued: string[];
  let syncer: PodSyncer;
  let cgDir: string;
  const flush = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  const runtimeOf = async (uid: string): Promise<PodRuntime> => {
    const sel = { label_selector: { [LABEL_POD_UID]: uid } };
    const newest = <T extends { created_at: string }>(a: T, b: T) => (BigInt(b.created_at) > BigInt(a.created_at) ? 1 : -1);
    return { uid, sandboxes: [...(await rt.listPodSandbox(sel))].sort(newest), containers: [...(await rt.listContainers(sel))].sort(newest) };
  };
  const sync = async (p: Pod) => {
    const r = await syncer.sync(String(p.metadata.uid), p, await runtimeOf(String(p.metadata.uid)));
    return { pod: { ...p, status: statuses.at(-1) ?? p.status } as Pod, result: r };
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-podlife-'));
    cgDir = path.join(dir, 'cg');
    for (const c of ['cpu', 'memory']) fs.mkdirSync(path.join(cgDir, c), { recursive: true });
    rt = new FakeRuntime([IMAGE]);
    clock = new FakeClock();
    statuses = [];
    requeued = [];
    const api: PodApi = { patchStatus: async (_p, s) => void statuses.push(s), deletePod: async () => undefined };
    const podCgroups = new PodCgroups(new Cgroups(['cpu', 'memory'].map((c) => ({ root: path.join(cgDir, c), controllers: [c], version: 1 as const }))), '/k3ts-test');
    syncer = new PodSyncer(
      {
        sandbox: { clusterDns: [], clusterDomain: 'cluster.local', hostResolv: { servers: [], searches: [], options: [] }, podLogsDir: path.join(dir, 'logs'), cgroupRoot: '/k3ts-test' },
        kubeletDir: path.join(dir, 'kubelet'),
        hostIPs: ['192.0.2.10'],
        allocatable: { cpuMilli: 2000, memoryBytes: 1 << 30 },
        machineMemory: 1 << 30,
        serviceEnv: {},
      },
      { runtime: rt, images: rt, refs: { configMap: async () => undefined, secret: async () => undefined }, api, clock, log: silentLogger(), podCgroups, requeue: (uid) => requeued.push(uid) },
    );
  });
  afterEach(() => {
    syncer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the pod cgroup before the sandbox and names it as the cgroup parent', async () => {
    const p = pod('web', [{ name: 'c', image: IMAGE, ...res({ memory: '32Mi' }, { memory: '32Mi' }) }]);
    await sync(p);
    const sandbox = [...rt.sandboxes.values()][0]!;
    expect(sandbox.config.linux?.cgroup_parent).toBe('/k3ts-test/kubepods/burstable/poduid-web');
    expect(fs.readFileSync(path.join(cgDir, 'memory/k3ts-test/kubepods/burstable/poduid-web/memory.limit_in_bytes'), 'utf8')).toBe(String(32 << 20));
  });

  it('a hostNetwork pod reports the node IP as its pod IP', async () => {
    const p = pod('hostnet', [{ name: 'c', image: IMAGE }], { hostNetwork: true });
    const { pod: seen } = await sync(p);
    expect(seen.status).toMatchObject({ podIP: '192.0.2.10', podIPs: [{ ip: '192.0.2.10' }] });
  });

  it('readiness gates ready and the Ready condition; a liveness failure restarts the container', async () => {
    let healthy = true;
    rt.execExitCode = (_c, cmd) => (cmd[0] === 'ready' ? 1 : healthy ? 0 : 1);
    const p = pod('probed', [{ name: 'c', image: IMAGE, readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 }, livenessProbe: { exec: { command: ['live'] }, periodSeconds: 1, failureThreshold: 1 } }]);
    let { pod: seen } = await sync(p);
    await flush();
    ({ pod: seen } = await sync(seen));
    expect(seen.status?.phase).toBe('Running');
    expect(seen.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: true });
    expect(seen.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    rt.execExitCode = (_c, cmd) => (cmd[0] === 'ready' ? 0 : healthy ? 0 : 1);
    clock.advance(1000);
    await flush();
    expect(requeued).toContain('uid-probed');
    ({ pod: seen } = await sync(seen));
    expect(seen.status?.containerStatuses?.[0]?.ready).toBe(true);
    expect(seen.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');

    healthy = false;
    clock.advance(1000);
    await flush();
    const firstId = seen.status?.containerStatuses?.[0]?.containerID;
    const r = await sync(seen);
    expect(r.result.requeueAfterMs).toBeLessThanOrEqual(100);
    expect(rt.calls).toContain('StopContainer');
    healthy = true;
    ({ pod: seen } = await sync(r.pod));
    const st = seen.status?.containerStatuses?.[0];
    expect(st?.restartCount).toBe(1);
    expect(st?.containerID).not.toBe(firstId);
    expect(st?.lastState.terminated).toMatchObject({ exitCode: 143 });
  });

  it('postStart runs after the start; a failing one kills the container; preStop runs before the stop at deletion', async () => {
    rt.execExitCode = (_c, cmd) => (cmd[0] === 'fail' ? 7 : 0);
    const good = pod('hooks', [{ name: 'c', image: IMAGE, lifecycle: { postStart: { exec: { command: ['post'] } }, preStop: { exec: { command: ['pre'] } } } }], { terminationGracePeriodSeconds: 5 });
    const { pod: seen } = await sync(good);
    expect(rt.calls.slice(rt.calls.indexOf('StartContainer'))).toEqual(['StartContainer', 'ExecSync:post']);
    expect(seen.status?.containerStatuses?.[0]?.state.running).toBeTruthy();
    rt.calls.length = 0;
    await syncer.sync('uid-hooks', { ...seen, metadata: { ...seen.metadata, deletionTimestamp: '2025-01-01T00:00:00Z', deletionGracePeriodSeconds: 5 } }, await runtimeOf('uid-hooks'));
    expect(rt.calls.slice(0, 2)).toEqual(['ExecSync:pre', 'StopContainer']);

    const bad = pod('badhook', [{ name: 'c', image: IMAGE, lifecycle: { postStart: { exec: { command: ['fail'] } } } }]);
    const r = await sync(bad);
    expect(r.pod.status?.containerStatuses?.[0]?.state.waiting?.reason).toBe('PostStartHookError');
    expect(r.pod.status?.containerStatuses?.[0]?.lastState.terminated).toBeTruthy();
    expect(r.result.requeueAfterMs).toBeLessThanOrEqual(100);
  });
});
