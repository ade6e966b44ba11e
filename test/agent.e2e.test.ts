// The agent inside the built `k3ts server`: real containerd (started and supervised by the server),
// real pods from busybox-static test images, driven by the real kubectl. Needs root, containerd,
// runc, the CNI plugins and busybox-static (scripts/debian-packages.txt); skipped otherwise.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSuiteUnavailable, startAgentServer, type AgentServer } from './helpers/agent-cluster';
import { PATH_WITH_HOST_TOOLS } from './helpers/binary';
import { KUBECTL, eventually } from './helpers/cluster';
import { cgroupRootFor } from '../pkg/agent/agent-config';

const NODE = 'k3ts-e2e-node';
const IMAGE = 'k3ts.local/busybox:1';
const unavailable = agentSuiteUnavailable();

type Json = Record<string, any>;

function podJson(name: string, spec: Json, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 2, ...spec } });
}

describe.skipIf(unavailable !== undefined)('agent in k3ts server (real containerd)', () => {
  let s: AgentServer;
  const running = async (name: string, ns = 'default'): Promise<Json> =>
    eventually(async () => {
      const p = await s.json(['-n', ns, 'get', 'pod', name]);
      return p.status?.phase === 'Running' && p.status.podIP && p.status.containerStatuses?.every((c: Json) => c.ready) ? p : undefined;
    }, `pod ${ns}/${name} Running with an IP`, 60_000);

  beforeAll(async () => {
    s = await startAgentServer({ nodeName: NODE });
    await eventually(async () => {
      const n = await s.json(['get', 'node', NODE]);
      return n.status?.conditions?.find((c: Json) => c.type === 'Ready')?.status === 'True';
    }, 'the node to be Ready', 60_000);
  }, 180_000);

  afterAll(async () => {
    await s?.stop();
  }, 180_000);

  it('registers the node: labels, taints-free, capacity from /proc, addresses, Ready, a lease and a pod CIDR', async () => {
    const n = await s.json(['get', 'node', NODE]);
    expect(n.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': expect.any(String), 'kubernetes.io/os': 'linux', 'node.kubernetes.io/instance-type': 'k3ts', 'node-role.kubernetes.io/control-plane': 'true' });
    expect(Number(n.status.capacity.cpu)).toBeGreaterThan(0);
    expect(n.status.capacity.memory).toMatch(/^\d+Ki$/);
    expect(n.status.allocatable.pods).toBe('110');
    expect(n.status.addresses.map((a: Json) => a.type)).toContain('InternalIP');
    expect(n.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    expect(n.status.daemonEndpoints.kubeletEndpoint.Port).toBeGreaterThan(0);
    expect(n.status.images.some((i: Json) => i.names.includes(IMAGE))).toBe(true);
    const lease = await s.json(['-n', 'kube-node-lease', 'get', 'lease', NODE]);
    expect(lease.spec.holderIdentity).toBe(NODE);
    expect(Date.parse(lease.spec.renewTime)).toBeGreaterThan(Date.now() - 60_000);
    await eventually(async () => (await s.json(['get', 'node', NODE])).spec.podCIDR, 'a pod CIDR', 20_000);
  });

  it('kubectl run: the pod runs with an IP, and kubectl logs shows its output', async () => {
    const t0 = Date.now();
    await s.ok(['run', 'hello', `--image=${IMAGE}`, `--overrides={"apiVersion":"v1","spec":{"nodeName":"${NODE}","terminationGracePeriodSeconds":2}}`, '--', 'sh', '-c', 'echo hello from $(hostname); sleep 3600']);
    const p = await running('hello');
    const ms = Date.now() - t0;
    expect(p.status.podIP).toMatch(/^10\.42\./);
    expect(p.status.hostIP).toBeTruthy();
    expect(p.status.conditions.filter((c: Json) => c.status === 'True').map((c: Json) => c.type)).toEqual(expect.arrayContaining(['Initialized', 'Ready', 'ContainersReady', 'PodScheduled']));
    expect(await eventually(async () => (await s.ok(['logs', 'hello'])).trim() || undefined, 'logs')).toBe('hello from hello');
    console.log(`kubectl run → Running (polled): ${ms} ms`);
  });

  it('resolves env from fieldRef, secretKeyRef, configMapKeyRef and $(VAR), runs init containers first, mounts a configMap volume', async () => {
    await s.ok(['create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret']);
    await s.ok(['create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=greeting=hi']);
    const cmd = 'echo "pod=$POD_NAME ns=$POD_NS ip=$POD_IP node=$NODE pw=$PASSWORD mode=$MODE combo=$COMBO"; cat /config/greeting; echo; cat /work/init-was-here; sleep 3600';
    await s.ok(['apply', '-f', '-'], podJson('envpod', {
      initContainers: [{ name: 'init', image: IMAGE, command: ['sh', '-c', 'echo done > /work/init-was-here'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
      containers: [{
        name: 'main',
        image: IMAGE,
        command: ['sh', '-c', cmd],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
          { name: 'COMBO', value: '$(MODE)-$(POD_NAME)' },
        ],
        volumeMounts: [{ name: 'config', mountPath: '/config' }, { name: 'work', mountPath: '/work' }],
      }],
      volumes: [{ name: 'config', configMap: { name: 'settings' } }, { name: 'work', emptyDir: {} }],
    }));
    const p = await running('envpod');
    const logs = await eventually(async () => {
      const out = await s.ok(['logs', 'envpod', '-c', 'main']);
      return out.includes('done') ? out : undefined;
    }, 'envpod logs');
    expect(logs).toContain(`pod=envpod ns=default ip=${p.status.podIP} node=${NODE} pw=s3cret mode=fast combo=fast-envpod`);
    expect(logs).toContain('hi');
    expect(p.status.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('a container referring to a missing secret waits with CreateContainerConfigError', async () => {
    await s.ok(['apply', '-f', '-'], podJson('nosecret', { containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'], env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'absent', key: 'k' } } }] }] }));
    const st = await eventually(async () => {
      const p = await s.json(['get', 'pod', 'nosecret']);
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' ? p.status.containerStatuses[0].state.waiting : undefined;
    }, 'CreateContainerConfigError', 30_000);
    expect(st.message).toContain('secret "absent" not found');
    await s.ok(['delete', 'pod', 'nosecret', '--grace-period=1']);
  });

  it('create deployment: every replica runs with its own IP and serves HTTP to the host', async () => {
    const dep = JSON.parse(await s.ok(['create', 'deployment', 'web', `--image=${IMAGE}`, '--replicas=2', '--dry-run=client', '-o', 'json', '--', 'httpd', '-f', '-p', '80', '-h', '/var/www']));
    dep.spec.template.spec.nodeName = NODE;
    dep.spec.template.spec.terminationGracePeriodSeconds = 2;
    await s.ok(['apply', '-f', '-'], JSON.stringify(dep));
    const pods = await eventually(async () => {
      const list = (await s.json(['get', 'pods', '-l', 'app=web'])).items as Json[];
      return list.length === 2 && list.every((p) => p.status?.phase === 'Running' && p.status.podIP) ? list : undefined;
    }, 'two web replicas Running', 60_000);
    const ips = pods.map((p) => p.status.podIP);
    expect(new Set(ips).size).toBe(2);
    for (const ip of ips) {
      const body = await eventually(async () => (await fetch(`http://${ip}/`, { signal: AbortSignal.timeout(3000) })).text(), `HTTP from ${ip}`);
      expect(body).toBe('hello from k3ts\n');
    }
    await eventually(async () => (await s.json(['get', 'deployment', 'web'])).status?.readyReplicas === 2, 'deployment ready');
  });

  it('pods without spec.nodeName are placed on the node by the scheduler and run', async () => {
    await s.ok(['create', 'deployment', 'sched', `--image=${IMAGE}`, '--replicas=2', '--', 'sleep', '3600']);
    const pods = await eventually(async () => {
      const list = (await s.json(['get', 'pods', '-l', 'app=sched'])).items as Json[];
      return list.length === 2 && list.every((p) => p.status?.phase === 'Running' && p.status.podIP) ? list : undefined;
    }, 'two scheduled replicas Running', 60_000);
    expect(pods.map((p) => p.spec.nodeName)).toEqual([NODE, NODE]);
    await s.ok(['delete', 'deployment', 'sched']);
  });

  it('a hostPort is reachable on the node, and its DNAT rules go with the pod', async () => {
    await s.ok(['apply', '-f', '-'], podJson('hostport', { containers: [{ name: 'c', image: IMAGE, command: ['httpd', '-f', '-p', '80', '-h', '/var/www'], ports: [{ containerPort: 80, hostPort: 18080 }] }] }));
    await running('hostport');
    const body = await eventually(async () => (await fetch('http://127.0.0.1:18080/', { signal: AbortSignal.timeout(3000) })).text(), 'HTTP on the hostPort');
    expect(body).toBe('hello from k3ts\n');
    const rules = () => execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' });
    expect(rules()).toMatch(/dport 18080 -j DNAT/);
    await s.ok(['delete', 'pod', 'hostport', '--grace-period=1']);
    expect(rules()).not.toMatch(/dport 18080/);
  });

  it('a container that exits is restarted with back-off and RESTARTS counts up', async () => {
    await s.ok(['apply', '-f', '-'], podJson('crasher', { containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'echo run; sleep 1; exit 3'] }] }));
    const st = await eventually(async () => {
      const p = await s.json(['get', 'pod', 'crasher']);
      const c = p.status?.containerStatuses?.[0];
      return c && c.restartCount >= 2 ? c : undefined;
    }, 'two restarts', 60_000);
    expect(st.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    const waiting = await eventually(async () => {
      const c = (await s.json(['get', 'pod', 'crasher'])).status.containerStatuses[0];
      return c.state.waiting?.reason === 'CrashLoopBackOff' ? c.state.waiting : undefined;
    }, 'CrashLoopBackOff', 30_000);
    expect(waiting.message).toMatch(/back-off \d+s restarting failed container=c/);
    expect((await s.ok(['get', 'pod', 'crasher'])).split('\n')[1]).toMatch(/CrashLoopBackOff|Error|Running/);
    expect((await s.ok(['logs', 'crasher', '--previous'])).trim()).toBe('run');
    await s.ok(['delete', 'pod', 'crasher', '--grace-period=1']);
  });

  it('kubectl logs -f follows new output as it is written', async () => {
    await s.ok(['apply', '-f', '-'], podJson('ticker', { containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.3; done'] }] }));
    await running('ticker');
    const child = spawn(KUBECTL, ['logs', '-f', 'ticker'], { env: { PATH: PATH_WITH_HOST_TOOLS, HOME: s.dir, KUBECONFIG: path.join(s.dir, 'kubeconfig.yaml') } });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      const start = Date.now();
      await eventually(async () => (out.match(/tick \d+/g) ?? []).length >= 8, 'eight streamed lines', 20_000);
      expect(Date.now() - start).toBeGreaterThan(500);
      const nums = (out.match(/tick (\d+)/g) ?? []).map((t) => Number(t.split(' ')[1]));
      expect(nums).toEqual(nums.map((_, i) => nums[0]! + i));
    } finally {
      child.kill('SIGTERM');
    }
    await s.ok(['delete', 'pod', 'ticker', '--grace-period=1']);
  });

  it('kubectl exec runs commands in the container (WebSocket v5) and returns their exit code', async () => {
    const r = await s.kubectl(['exec', 'hello', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout.trim()).toBe('out');
    expect(r.stderr).toContain('err');
    expect((await s.kubectl(['exec', 'hello', '--', 'hostname'])).stdout.trim()).toBe('hello');
    const piped = await s.kubectl(['exec', '-i', 'hello', '--', 'head', '-1'], { input: 'line from stdin\n' });
    expect(piped.stdout.trim()).toBe('line from stdin');
  });

  it('kill -9 containerd: the agent restarts it, running pods keep running and new pods start', async () => {
    const before = await s.json(['get', 'pod', 'hello']);
    const pidFile = path.join(s.runDir, 'containerd', 'containerd.pid');
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGKILL');
    const newPid = await eventually(async () => {
      const n = Number(fs.readFileSync(pidFile, 'utf8'));
      return n !== pid && fs.existsSync(`/proc/${n}`) ? n : undefined;
    }, 'a new containerd', 20_000);
    expect(fs.readFileSync(`/proc/${newPid}/cgroup`, 'utf8')).toContain(`memory:${cgroupRootFor(s.dataDir)}/containerd`);
    const after = await running('hello');
    expect(after.status.containerStatuses[0].containerID).toBe(before.status.containerStatuses[0].containerID);
    expect(after.status.containerStatuses[0].restartCount).toBe(0);
    await s.ok(['apply', '-f', '-'], podJson('afterkill', { containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'] }] }));
    await running('afterkill');
    await s.ok(['delete', 'pod', 'afterkill', '--grace-period=1']);
  });

  it('deleting a pod stops it within its grace period and tears it down before it leaves the API', async () => {
    await s.ok(['apply', '-f', '-'], podJson('doomed', { terminationGracePeriodSeconds: 20, containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', "trap 'echo got TERM; exit 0' TERM; while :; do sleep 0.2; done"] }] }));
    const p = await running('doomed');
    const uid = p.metadata.uid as string;
    const cgroup = `/sys/fs/cgroup/memory${cgroupRootFor(s.dataDir)}/kubepods/besteffort/pod${uid}`;
    const logDir = path.join(s.dataDir, 'agent', 'pod-logs', `default_doomed_${uid}`);
    expect(fs.existsSync(cgroup)).toBe(true);
    expect(fs.existsSync(logDir)).toBe(true);
    const t0 = Date.now();
    await s.ok(['delete', 'pod', 'doomed', '--wait=true']);
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(15_000); // the container handled SIGTERM: no 20 s wait
    expect(fs.existsSync(cgroup)).toBe(false);
    expect(fs.existsSync(logDir)).toBe(false);
    const r = await s.kubectl(['get', 'pod', 'doomed']);
    expect(r.stderr).toMatch(/NotFound|not found/);
  });

  it('restarting the server re-adopts running containers without restarting them', async () => {
    const ids = async () => {
      const list = (await s.json(['get', 'pods'])).items as Json[];
      return Object.fromEntries(list.filter((p) => p.status?.phase === 'Running').map((p) => [p.metadata.name, `${p.status.containerStatuses[0].containerID}/${p.status.containerStatuses[0].restartCount}`]));
    };
    const before = await ids();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['hello', 'envpod']));
    await s.restart();
    await eventually(async () => (await s.json(['get', 'node', NODE])).status.conditions.find((c: Json) => c.type === 'Ready')?.status === 'True', 'node Ready again');
    await running('hello');
    const after = await ids();
    for (const [name, id] of Object.entries(before)) expect(after[name], name).toBe(id);
  });
});
