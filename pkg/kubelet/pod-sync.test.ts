import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../client/clock';
import { silentLogger } from '../log/logger';
import { FakeRuntime } from './cri/fake-runtime';
import { PodSyncer, type PodApi } from './pod-sync';
import type { Pod, PodStatus } from './pod-types';
import type { PodRuntime } from './runtime-state';
import { LABEL_POD_UID } from './sandbox-config';

const IMAGE = 'k3ts.local/busybox:1';

function pod(name: string, spec: Partial<Pod['spec']> = {}, extra: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: IMAGE, command: ['sleep', '1000'] }], ...spec },
  } as Pod;
}

describe('PodSyncer against the fake runtime', () => {
  let dir: string;
  let rt: FakeRuntime;
  let clock: FakeClock;
  let statuses: PodStatus[];
  let deleted: string[];
  let syncer: PodSyncer;
  const refs = { configMap: async () => ({ k: 'v' }), secret: async () => undefined };

  const runtimeOf = async (uid: string): Promise<PodRuntime> => {
    const sel = { label_selector: { [LABEL_POD_UID]: uid } };
    const newest = <T extends { created_at: string }>(a: T, b: T) => (BigInt(b.created_at) > BigInt(a.created_at) ? 1 : -1);
    return { uid, sandboxes: [...(await rt.listPodSandbox(sel))].sort(newest), containers: [...(await rt.listContainers(sel))].sort(newest) };
  };
  /** Syncs and returns the pod with the status the syncer reported (as the API would store it). */
  const sync = async (p: Pod) => {
    const r = await syncer.sync(String(p.metadata.uid), p, await runtimeOf(String(p.metadata.uid)));
    const status = statuses.at(-1) ?? p.status;
    return { pod: { ...p, status } as Pod, result: r };
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-podsync-'));
    rt = new FakeRuntime([IMAGE]);
    clock = new FakeClock();
    statuses = [];
    deleted = [];
    const api: PodApi = {
      patchStatus: async (_p, s) => void statuses.push(s),
      deletePod: async (p) => void deleted.push(String(p.metadata.name)),
    };
    syncer = new PodSyncer(
      {
        sandbox: { clusterDns: ['10.43.0.10'], clusterDomain: 'cluster.local', hostResolv: { servers: ['1.1.1.1'], searches: [], options: [] }, podLogsDir: path.join(dir, 'logs'), cgroupRoot: '/k3ts-test' },
        kubeletDir: path.join(dir, 'kubelet'),
        hostIPs: ['192.0.2.10'],
        allocatable: { cpuMilli: 2000, memoryBytes: 1 << 30 },
        machineMemory: 1 << 30,
        serviceEnv: { KUBERNETES_SERVICE_HOST: '10.43.0.1' },
      },
      { runtime: rt, images: rt, refs, api, clock, log: silentLogger() },
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts a sandbox and the container, and reports Running with the pod IP', async () => {
    const { pod: p } = await sync(pod('web'));
    expect(rt.calls).toEqual(['RunPodSandbox', 'CreateContainer:c', 'StartContainer']);
    expect(p.status).toMatchObject({ phase: 'Running', podIP: '10.88.0.2', hostIP: '192.0.2.10' });
    expect(p.status!.containerStatuses![0]).toMatchObject({ name: 'c', ready: true, restartCount: 0, state: { running: {} } });
    expect(p.status!.conditions!.find((c) => c.type === 'Ready')?.status).toBe('True');
    const sandbox = [...rt.sandboxes.values()][0]!;
    expect(sandbox.config.dns_config).toEqual({ servers: ['10.43.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] });
    expect(sandbox.config.linux?.cgroup_parent).toBe('/k3ts-test/kubepods/besteffort/poduid-web');
    // A second sync with nothing changed makes no runtime calls and no status write.
    const n = rt.calls.length;
    const before = statuses.length;
    await sync(p);
    expect(rt.calls.length).toBe(n);
    expect(statuses.length).toBe(before);
  });

  it('restarts an exited container at once, then backs off (CrashLoopBackOff) and counts restarts', async () => {
    let { pod: p } = await sync(pod('crash'));
    const first = [...rt.containers.values()][0]!;
    rt.exit(first.id, 3);
    ({ pod: p } = await sync(p));
    expect(p.status!.containerStatuses![0]!.restartCount).toBe(1);
    const second = [...rt.containers.values()].find((c) => c.state === 'CONTAINER_RUNNING')!;
    rt.exit(second.id, 3);
    const r = await sync(p);
    p = r.pod;
    const cs = p.status!.containerStatuses![0]!;
    expect(cs.state.waiting).toMatchObject({ reason: 'CrashLoopBackOff' });
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(p.status!.phase).toBe('Running');
    expect(r.result.requeueAfterMs).toBeGreaterThan(0);
    clock.advance(10_000);
    ({ pod: p } = await sync(p));
    expect(p.status!.containerStatuses![0]).toMatchObject({ restartCount: 2, state: { running: {} } });
  });

  it('restartPolicy Never: a failed container makes the pod Failed and the sandbox is released', async () => {
    let { pod: p } = await sync(pod('once', { restartPolicy: 'Never' }));
    rt.exit([...rt.containers.values()][0]!.id, 1);
    ({ pod: p } = await sync(p));
    expect(p.status!.phase).toBe('Failed');
    expect([...rt.sandboxes.values()][0]!.state).toBe('SANDBOX_NOTREADY');
    expect(rt.calls.filter((c) => c.startsWith('CreateContainer'))).toHaveLength(1);
  });

  it('runs init containers in order before the app containers', async () => {
    const spec = { initContainers: [{ name: 'i1', image: IMAGE }, { name: 'i2', image: IMAGE }] };
    let { pod: p } = await sync(pod('init', spec));
    expect(rt.calls.filter((c) => c.startsWith('CreateContainer'))).toEqual(['CreateContainer:i1']);
    expect(p.status!.phase).toBe('Pending');
    rt.exit([...rt.containers.values()].find((c) => c.config.metadata.name === 'i1')!.id, 0);
    ({ pod: p } = await sync(p));
    rt.exit([...rt.containers.values()].find((c) => c.config.metadata.name === 'i2')!.id, 0);
    ({ pod: p } = await sync(p));
    expect(rt.calls.filter((c) => c.startsWith('CreateContainer'))).toEqual(['CreateContainer:i1', 'CreateContainer:i2', 'CreateContainer:c']);
    expect(p.status!.phase).toBe('Running');
    expect(p.status!.conditions!.find((c) => c.type === 'Initialized')?.status).toBe('True');
  });

  it('a failed pull is ErrImagePull, then ImagePullBackOff until the back-off (10 s, doubling) allows another pull', async () => {
    let { pod: p } = await sync(pod('nopull', { containers: [{ name: 'c', image: 'registry.example/absent:1' }] }));
    expect(p.status!.containerStatuses![0]!.state.waiting).toMatchObject({ reason: 'ErrImagePull', message: expect.stringContaining('Failed to pull image "registry.example/absent:1"') });
    ({ pod: p } = await sync(p));
    expect(p.status!.containerStatuses![0]!.state.waiting).toMatchObject({ reason: 'ImagePullBackOff', message: expect.stringContaining('Back-off pulling image "registry.example/absent:1"') });
    clock.advance(10_000);
    ({ pod: p } = await sync(p));
    expect(p.status!.containerStatuses![0]!.state.waiting!.reason).toBe('ErrImagePull');
    clock.advance(10_000);
    ({ pod: p } = await sync(p));
    expect(p.status!.containerStatuses![0]!.state.waiting!.reason).toBe('ImagePullBackOff');
    clock.advance(10_000);
    ({ pod: p } = await sync(p));
    expect(p.status!.containerStatuses![0]!.state.waiting!.reason).toBe('ErrImagePull');
  });

  it('reports a missing image under pull policy Never as ErrImageNeverPull', async () => {
    const { pod: p } = await sync(pod('noimg', { containers: [{ name: 'c', image: 'absent:1', imagePullPolicy: 'Never' }] }));
    expect(p.status!.containerStatuses![0]!.state.waiting).toMatchObject({ reason: 'ErrImageNeverPull' });
    expect(p.status!.phase).toBe('Pending');
  });

  it('a pod being deleted is stopped, removed from the runtime and then deleted from the API', async () => {
    const { pod: p } = await sync(pod('bye'));
    await sync({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2025-01-01T00:00:00Z', deletionGracePeriodSeconds: 5 } });
    expect(rt.containers.size).toBe(0);
    expect(rt.sandboxes.size).toBe(0);
    expect(deleted).toEqual(['bye']);
  });

  it('tears down runtime leftovers of a pod the API no longer has', async () => {
    await sync(pod('orphan'));
    await syncer.sync('uid-orphan', undefined, await runtimeOf('uid-orphan'));
    expect(rt.containers.size).toBe(0);
    expect(rt.sandboxes.size).toBe(0);
    expect(deleted).toEqual([]);
  });

  it('replaces a sandbox that died and starts the containers again in the new one', async () => {
    let { pod: p } = await sync(pod('phoenix'));
    const old = [...rt.sandboxes.values()][0]!;
    await rt.stopPodSandbox(old.id);
    ({ pod: p } = await sync(p));
    const ready = [...rt.sandboxes.values()].filter((s) => s.state === 'SANDBOX_READY');
    expect(ready).toHaveLength(1);
    expect(ready[0]!.config.metadata.attempt).toBe(1);
    expect(p.status!.phase).toBe('Running');
  });
});
