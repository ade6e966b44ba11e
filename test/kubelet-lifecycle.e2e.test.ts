// The kubelet's pod lifecycle against real containerd, driven by the real kubectl: liveness /
// readiness / startup probes, OOMKilled reporting, pod-level cgroups by QoS class, postStart and
// preStop hooks with graceful termination, termination messages, CrashLoopBackOff timing and a
// `kill -9` of the server that must not restart healthy containers. Needs root, containerd, runc,
// the CNI plugins and busybox-static; skipped otherwise. Run under `flock /tmp/k3ts-agent-e2e.lock`.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupRootFor } from '../pkg/agent/agent-config';
import { decodeHealthCheckResponse, encodeHealthCheckRequest } from '../pkg/kubelet/prober/grpc-health';
import { agentSuiteUnavailable, startAgentServer, type AgentServer } from './helpers/agent-cluster';
import { eventually } from './helpers/cluster';

const NODE = 'k3ts-lifecycle-node';
const IMAGE = 'k3ts.local/busybox:1';
const unavailable = agentSuiteUnavailable();

type Json = Record<string, any>;

function podJson(name: string, spec: Json, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 2, ...spec } });
}

describe.skipIf(unavailable !== undefined)('kubelet pod lifecycle (real containerd)', () => {
  let s: AgentServer;
  let hostDir: string;
  let CGROUP_ROOT: string;
  const pod = (name: string): Promise<Json> => s.json(['get', 'pod', name]);
  const status = async (name: string, container = 0): Promise<Json | undefined> => (await pod(name)).status?.containerStatuses?.[container];
  const running = async (name: string, ready = true): Promise<Json> =>
    eventually(async () => {
      const p = await pod(name);
      return p.status?.phase === 'Running' && p.status.podIP && p.status.containerStatuses?.every((c: Json) => c.state.running && (!ready || c.ready)) ? p : undefined;
    }, `pod ${name} Running`, 60_000);
  const gone = (name: string) => eventually(async () => (await s.kubectl(['get', 'pod', name])).exitCode !== 0, `pod ${name} gone`, 60_000);

  beforeAll(async () => {
    s = await startAgentServer({ nodeName: NODE });
    CGROUP_ROOT = cgroupRootFor(s.dataDir);
    hostDir = path.join(s.dir, 'host');
    fs.mkdirSync(hostDir);
    await eventually(async () => (await s.json(['get', 'node', NODE])).status?.conditions?.find((c: Json) => c.type === 'Ready')?.status === 'True', 'the node to be Ready', 60_000);
  }, 180_000);

  afterAll(async () => {
    await s?.stop();
  }, 180_000);

  it('a failing liveness probe (exec) restarts the container; a passing httpGet one does not', async () => {
    await s.ok(['apply', '-f', '-'], podJson('live-exec', {
      containers: [{
        name: 'c',
        image: IMAGE,
        command: ['sh', '-c', 'touch /tmp/healthy; sleep 3; rm /tmp/healthy; sleep 3600'],
        livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 },
      }],
    }));
    await s.ok(['apply', '-f', '-'], podJson('live-http', {
      containers: [{
        name: 'c',
        image: IMAGE,
        command: ['httpd', '-f', '-p', '8080', '-h', '/var/www'],
        ports: [{ name: 'web', containerPort: 8080 }],
        livenessProbe: { httpGet: { path: '/index.html', port: 'web' }, periodSeconds: 1, failureThreshold: 1 },
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
      }],
    }));
    const restarted = await eventually(async () => {
      const c = await status('live-exec');
      return c && c.restartCount >= 1 && c.state.running ? c : undefined;
    }, 'live-exec restarted by its liveness probe', 60_000);
    expect(restarted.lastState.terminated).toMatchObject({ reason: 'Error' });
    expect([137, 143]).toContain(restarted.lastState.terminated.exitCode);
    expect(s.process.output()).toMatch(/Liveness probe failed/);
    expect(s.process.output()).toMatch(/failed liveness probe, will be restarted/);
    const http = await running('live-http');
    expect(http.status.containerStatuses[0].restartCount).toBe(0);
    await s.ok(['delete', 'pod', 'live-exec', 'live-http', '--grace-period=1']);
  });

  it('a failing readiness probe keeps the pod out of the Service endpoints until it passes', async () => {
    const rdy = (name: string, cmd: string) =>
      podJson(name, {
        containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', cmd], readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 } }],
      }, { app: 'rdy' });
    await s.ok(['apply', '-f', '-'], rdy('rdy-yes', 'touch /tmp/ready; sleep 3600'));
    await s.ok(['apply', '-f', '-'], rdy('rdy-no', 'sleep 3600'));
    await s.ok(['create', 'service', 'clusterip', 'rdy', '--tcp=80:80']);
    await s.ok(['patch', 'service', 'rdy', '-p', '{"spec":{"selector":{"app":"rdy"}}}']);
    const yes = await running('rdy-yes');
    const no = await running('rdy-no', false);
    expect(no.status.containerStatuses[0].ready).toBe(false);
    expect(no.status.conditions.find((c: Json) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [c]' });
    expect(no.status.conditions.find((c: Json) => c.type === 'ContainersReady')?.status).toBe('False');
    const ep = await eventually(async () => {
      const e = await s.json(['get', 'endpoints', 'rdy']);
      const ready = (e.subsets ?? []).flatMap((ss: Json) => (ss.addresses ?? []).map((a: Json) => a.ip));
      return ready.includes(yes.status.podIP) ? e : undefined;
    }, 'the ready pod in the endpoints', 30_000);
    const addrs = ep.subsets.flatMap((ss: Json) => (ss.addresses ?? []).map((a: Json) => a.ip));
    const notReady = ep.subsets.flatMap((ss: Json) => (ss.notReadyAddresses ?? []).map((a: Json) => a.ip));
    expect(addrs).not.toContain(no.status.podIP);
    expect(notReady).toContain(no.status.podIP);
    expect(await s.ok(['get', 'endpoints', 'rdy'])).not.toContain(no.status.podIP);
    // Once its probe passes, it joins.
    await s.ok(['exec', 'rdy-no', '--', 'touch', '/tmp/ready']);
    const t0 = Date.now();
    await eventually(async () => (await s.ok(['get', 'endpoints', 'rdy', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'])).split(' ').includes(no.status.podIP), 'rdy-no in the endpoints', 30_000);
    console.log(`readiness passing → pod in the endpoints (polled, probe period 1 s): ${Date.now() - t0} ms`);
    expect((await status('rdy-no'))?.restartCount).toBe(0);
    await s.ok(['delete', 'service', 'rdy']);
    await s.ok(['delete', 'pod', 'rdy-yes', 'rdy-no', '--grace-period=1']);
  });

  it('a grpc probe (grpc.health.v1) drives readiness of a hostNetwork pod', async () => {
    // The pod shares the node's network, so a health server in this process is "its" server.
    let serving = 1;
    const server = new grpc.Server();
    server.addService(
      {
        Check: {
          path: '/grpc.health.v1.Health/Check',
          requestStream: false,
          responseStream: false,
          requestSerialize: (r: { service: string }) => encodeHealthCheckRequest(r.service),
          requestDeserialize: () => ({ service: '' }),
          responseSerialize: (n: number) => Buffer.from([0x08, n]),
          responseDeserialize: (b: Buffer) => decodeHealthCheckResponse(b),
        },
      },
      { Check: (_call: grpc.ServerUnaryCall<{ service: string }, number>, cb: grpc.sendUnaryData<number>) => cb(null, serving) },
    );
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('0.0.0.0:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    try {
      await s.ok(['apply', '-f', '-'], podJson('grpc-probed', {
        hostNetwork: true,
        containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'], readinessProbe: { grpc: { port }, periodSeconds: 1, failureThreshold: 1 } }],
      }));
      await running('grpc-probed');
      serving = 2;
      await eventually(async () => (await status('grpc-probed'))?.ready === false, 'grpc-probed not ready on NOT_SERVING', 30_000);
      serving = 1;
      await eventually(async () => (await status('grpc-probed'))?.ready === true, 'grpc-probed ready again', 30_000);
      expect((await status('grpc-probed'))?.restartCount).toBe(0);
      await s.ok(['delete', 'pod', 'grpc-probed', '--grace-period=1']);
    } finally {
      server.forceShutdown();
    }
  });

  it('a startup probe holds back readiness until it passes', async () => {
    await s.ok(['apply', '-f', '-'], podJson('slow-start', {
      containers: [{
        name: 'c',
        image: IMAGE,
        command: ['sh', '-c', 'sleep 3; touch /tmp/started; sleep 3600'],
        startupProbe: { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 30 },
        livenessProbe: { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 1 },
      }],
    }));
    const early = await eventually(async () => {
      const c = await status('slow-start');
      return c?.state.running ? c : undefined;
    }, 'slow-start running', 30_000);
    if (!early.started) expect(early.ready).toBe(false);
    const p = await running('slow-start');
    expect(p.status.containerStatuses[0]).toMatchObject({ started: true, ready: true, restartCount: 0 });
    await s.ok(['delete', 'pod', 'slow-start', '--grace-period=1']);
  });

  it('a memory hog over its limit is OOMKilled, reported so, and restarted', async () => {
    await s.ok(['apply', '-f', '-'], podJson('hog', {
      containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'echo start; tail /dev/zero'], resources: { limits: { memory: '24Mi' } } }],
    }));
    const c = await eventually(async () => {
      const st = await status('hog');
      return st && st.restartCount >= 1 && st.lastState.terminated ? st : undefined;
    }, 'hog OOMKilled and restarted', 90_000);
    expect(c.lastState.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    const group = (await pod('hog')).metadata.uid;
    expect(fs.readFileSync(`/sys/fs/cgroup/memory${CGROUP_ROOT}/kubepods/burstable/pod${group}/memory.limit_in_bytes`, 'utf8').trim()).toBe(String(24 * 1024 * 1024));
    await s.ok(['delete', 'pod', 'hog', '--grace-period=1']);
  });

  it('pod cgroups by QoS class: created with limits before the sandbox, holding its processes, removed at teardown', async () => {
    const res = (cpu: string, mem: string) => ({ requests: { cpu, memory: mem }, limits: { cpu, memory: mem } });
    await s.ok(['apply', '-f', '-'], podJson('qos-g', { containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'], resources: res('250m', '64Mi') }] }));
    await s.ok(['apply', '-f', '-'], podJson('qos-b', { containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'], resources: { requests: { cpu: '100m' } } }] }));
    await s.ok(['apply', '-f', '-'], podJson('qos-be', { containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'] }] }));
    const tiers: Record<string, string> = { 'qos-g': 'kubepods', 'qos-b': 'kubepods/burstable', 'qos-be': 'kubepods/besteffort' };
    const dirs: string[] = [];
    for (const [name, tier] of Object.entries(tiers)) {
      const p = await running(name);
      expect(p.status.qosClass).toBe({ 'qos-g': 'Guaranteed', 'qos-b': 'Burstable', 'qos-be': 'BestEffort' }[name]);
      const group = `${CGROUP_ROOT}/${tier}/pod${p.metadata.uid}`;
      for (const ctl of ['cpu', 'memory', 'pids']) {
        const d = `/sys/fs/cgroup/${ctl}${group}`;
        expect(fs.existsSync(d), d).toBe(true);
        dirs.push(d);
      }
      // The sandbox and the container live below the pod's group.
      const children = fs.readdirSync(`/sys/fs/cgroup/memory${group}`, { withFileTypes: true }).filter((e) => e.isDirectory());
      expect(children.length).toBeGreaterThanOrEqual(2);
      const procs = children.flatMap((e) => fs.readFileSync(`/sys/fs/cgroup/memory${group}/${e.name}/cgroup.procs`, 'utf8').split('\n').filter(Boolean));
      expect(procs.length).toBeGreaterThanOrEqual(2);
    }
    const g = (await pod('qos-g')).metadata.uid;
    const b = (await pod('qos-b')).metadata.uid;
    const be = (await pod('qos-be')).metadata.uid;
    const read = (f: string) => fs.readFileSync(f, 'utf8').trim();
    expect(read(`/sys/fs/cgroup/memory${CGROUP_ROOT}/kubepods/pod${g}/memory.limit_in_bytes`)).toBe(String(64 * 1024 * 1024));
    expect(read(`/sys/fs/cgroup/cpu${CGROUP_ROOT}/kubepods/pod${g}/cpu.shares`)).toBe('256');
    expect(read(`/sys/fs/cgroup/cpu${CGROUP_ROOT}/kubepods/pod${g}/cpu.cfs_quota_us`)).toBe('25000');
    expect(read(`/sys/fs/cgroup/cpu${CGROUP_ROOT}/kubepods/burstable/pod${b}/cpu.shares`)).toBe('102');
    expect(read(`/sys/fs/cgroup/cpu${CGROUP_ROOT}/kubepods/burstable/pod${b}/cpu.cfs_quota_us`)).toBe('-1');
    expect(read(`/sys/fs/cgroup/cpu${CGROUP_ROOT}/kubepods/besteffort/pod${be}/cpu.shares`)).toBe('2');
    expect(read(`/sys/fs/cgroup/cpu${CGROUP_ROOT}/kubepods/besteffort/cpu.shares`)).toBe('2');
    await s.ok(['delete', 'pod', 'qos-g', 'qos-b', 'qos-be', '--grace-period=1']);
    for (const name of Object.keys(tiers)) await gone(name);
    await eventually(async () => dirs.every((d) => !fs.existsSync(d)), 'every pod cgroup removed', 30_000);
  });

  it('postStart and preStop hooks run; deletion is preStop, then SIGTERM, then SIGKILL after the grace period', async () => {
    const trace = path.join(hostDir, 'trace');
    fs.writeFileSync(trace, '');
    await s.ok(['apply', '-f', '-'], podJson('hooks', {
      terminationGracePeriodSeconds: 4,
      containers: [{
        name: 'c',
        image: IMAGE,
        command: ['sh', '-c', 'trap "echo term >> /host/trace; exit 0" TERM; while :; do sleep 1; done'],
        volumeMounts: [{ name: 'host', mountPath: '/host' }],
        lifecycle: {
          postStart: { exec: { command: ['sh', '-c', 'echo poststart >> /host/trace; echo hooked > /tmp/poststart'] } },
          preStop: { exec: { command: ['sh', '-c', 'echo prestop >> /host/trace'] } },
        },
      }],
      volumes: [{ name: 'host', hostPath: { path: hostDir, type: 'Directory' } }],
    }));
    await running('hooks');
    expect((await s.ok(['exec', 'hooks', '--', 'cat', '/tmp/poststart'])).trim()).toBe('hooked');
    await s.ok(['delete', 'pod', 'hooks', '--wait=false']);
    await gone('hooks');
    expect(fs.readFileSync(trace, 'utf8').split('\n').filter(Boolean)).toEqual(['poststart', 'prestop', 'term']);

    // A container that ignores SIGTERM is killed once the grace period is over.
    await s.ok(['apply', '-f', '-'], podJson('stubborn', {
      terminationGracePeriodSeconds: 3,
      containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'trap "" TERM; while :; do sleep 1; done'] }],
    }));
    await running('stubborn');
    const t0 = Date.now();
    await s.ok(['delete', 'pod', 'stubborn', '--wait=false']);
    await gone('stubborn');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2500);
  });

  it('httpGet hooks: postStart and preStop requests reach the pod (hostNetwork: this process serves them)', async () => {
    const seen: string[] = [];
    const srv = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers['x-hook'] ?? ''}`.trim());
      res.end('ok');
    });
    await new Promise<void>((r) => srv.listen(0, '0.0.0.0', r));
    const port = (srv.address() as AddressInfo).port;
    try {
      await s.ok(['apply', '-f', '-'], podJson('http-hooks', {
        hostNetwork: true,
        terminationGracePeriodSeconds: 5,
        containers: [{
          name: 'c',
          image: IMAGE,
          command: ['sleep', '3600'],
          lifecycle: { postStart: { httpGet: { path: '/post', port, httpHeaders: [{ name: 'X-Hook', value: 'start' }] } }, preStop: { httpGet: { path: '/pre', port } } },
        }],
      }));
      await running('http-hooks');
      expect(seen).toEqual(['/post start']);
      await s.ok(['delete', 'pod', 'http-hooks', '--wait=false']);
      await gone('http-hooks');
      expect(seen).toEqual(['/post start', '/pre']);
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });

  it('a failing postStart hook kills the container and it is restarted', async () => {
    await s.ok(['apply', '-f', '-'], podJson('bad-hook', {
      containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 7'] } } } }],
    }));
    const c = await eventually(async () => {
      const st = await status('bad-hook');
      return st && st.restartCount >= 1 ? st : undefined;
    }, 'bad-hook restarted', 60_000);
    expect(c.lastState.terminated).toBeTruthy();
    expect(s.process.output()).toMatch(/FailedPostStartHook/);
    await s.ok(['delete', 'pod', 'bad-hook', '--grace-period=1']);
  });

  it('termination messages: from terminationMessagePath, or the log tail with FallbackToLogsOnError', async () => {
    await s.ok(['apply', '-f', '-'], podJson('msg-file', { restartPolicy: 'Never', containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'echo -n "custom message" > /dev/termination-log; exit 1'] }] }));
    await s.ok(['apply', '-f', '-'], podJson('msg-logs', { restartPolicy: 'Never', containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'echo line one; echo boom happened; exit 3'], terminationMessagePolicy: 'FallbackToLogsOnError' }] }));
    await s.ok(['apply', '-f', '-'], podJson('msg-path', { restartPolicy: 'Never', containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'echo -n done-here > /tmp/msg'], terminationMessagePath: '/tmp/msg' }] }));
    const terminated = (name: string) =>
      eventually(async () => {
        const p = await pod(name);
        return ['Failed', 'Succeeded'].includes(p.status?.phase) ? p.status.containerStatuses[0].state.terminated : undefined;
      }, `${name} finished`, 60_000);
    expect(await terminated('msg-file')).toMatchObject({ exitCode: 1, message: 'custom message' });
    expect(await terminated('msg-logs')).toMatchObject({ exitCode: 3, message: 'line one\nboom happened\n' });
    expect(await terminated('msg-path')).toMatchObject({ exitCode: 0, reason: 'Completed', message: 'done-here' });
    await s.ok(['delete', 'pod', 'msg-file', 'msg-logs', 'msg-path', '--grace-period=1']);
  });

  it('CrashLoopBackOff: the first restart is immediate, then 10 s, then 20 s, and the back-off doubles', async () => {
    await s.ok(['apply', '-f', '-'], podJson('crashy', { containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'exit 2'] }] }));
    const seen = new Map<number, number>();
    await eventually(async () => {
      const n = (await status('crashy'))?.restartCount ?? 0;
      if (!seen.has(n)) seen.set(n, Date.now());
      return n >= 3;
    }, 'three restarts', 90_000);
    expect(seen.get(2)! - seen.get(1)!).toBeGreaterThanOrEqual(9_000);
    expect(seen.get(3)! - seen.get(2)!).toBeGreaterThanOrEqual(19_000);
    const waiting = await eventually(async () => {
      const st = await status('crashy');
      return st?.state.waiting?.reason === 'CrashLoopBackOff' ? st.state.waiting.message : undefined;
    }, 'CrashLoopBackOff', 30_000);
    expect(waiting).toMatch(/back-off 40s restarting failed container=c/);
    await s.ok(['delete', 'pod', 'crashy', '--grace-period=1']);
  }, 150_000);

  it('kill -9 of the server: after it comes back, healthy containers (with probes) are not restarted', async () => {
    const probes = path.join(hostDir, 'steady-probes');
    fs.writeFileSync(probes, '');
    const count = () => fs.readFileSync(probes, 'utf8').split('\n').filter(Boolean).length;
    await s.ok(['apply', '-f', '-'], podJson('steady', {
      containers: [{
        name: 'c',
        image: IMAGE,
        command: ['sh', '-c', 'touch /tmp/ok; sleep 3600'],
        readinessProbe: { exec: { command: ['sh', '-c', 'echo r >> /host/steady-probes; cat /tmp/ok'] }, periodSeconds: 1 },
        livenessProbe: { exec: { command: ['cat', '/tmp/ok'] }, periodSeconds: 1 },
        volumeMounts: [{ name: 'host', mountPath: '/host' }],
      }],
      volumes: [{ name: 'host', hostPath: { path: hostDir, type: 'Directory' } }],
    }));
    const steady = await running('steady');
    const before = steady.status.containerStatuses[0];
    const readySince = steady.status.conditions.find((c: Json) => c.type === 'Ready').lastTransitionTime;
    await s.restart({ kill: true });
    await eventually(async () => (await s.json(['get', 'node', NODE])).status.conditions.find((c: Json) => c.type === 'Ready')?.status === 'True', 'node Ready again', 60_000);
    // The re-adopted container keeps its probe state: the pod never left Ready; the container is the same one.
    const n = count();
    await eventually(async () => count() >= n + 2, 'the new kubelet probing the re-adopted container', 30_000);
    const again = await running('steady');
    const after = again.status.containerStatuses[0];
    expect(again.status.conditions.find((c: Json) => c.type === 'Ready').lastTransitionTime).toBe(readySince);
    expect(after.containerID).toBe(before.containerID);
    expect(after.restartCount).toBe(0);
    await s.ok(['delete', 'pod', 'steady', '--grace-period=1']);
  }, 180_000);
});
