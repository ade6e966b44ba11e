// Service IPs, node ports, the kubernetes Service, endpoints and node lifecycle in the built
// dist/k3ts, driven by the real kubectl, with simulated nodes (Node objects and Lease heartbeats
// from this process, no containers): a node whose heartbeats stop goes NotReady (after the grace
// period set with `--kube-controller-manager-arg node-monitor-grace-period=…`), gets the
// unreachable taints and loses its pods, and a Deployment's replacements land on the other node
// (kubectl get pods -o wide); kubectl get endpoints lists ready pods only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, RestClient, systemClock } from '../pkg/client';
import { runSimulatedKubelet } from '../pkg/controllers/testing/simulated-kubelet';
import { SimulatedNode } from '../pkg/controllers/testing/simulated-node';
import { adminClient, eventually, startTestServer, type TestServer } from './helpers/cluster';

type Json = Record<string, any>;

/** The node lifecycle grace period this suite's server runs with (upstream's default is 40 s). */
const GRACE_SECONDS = 10;

/** NAME, READY, STATUS and NODE of each row of `kubectl get pods -o wide --no-headers`. */
function wideRows(out: string): { name: string; ready: string; status: string; node: string }[] {
  return out
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const c = l.trim().split(/\s+/);
      return { name: c[0]!, ready: c[1]!, status: c[2]!, node: c[6]! };
    });
}

describe('cluster networking and node lifecycle in k3ts server', () => {
  let s: TestServer;
  let admin: RestClient;
  const beating = new Map<string, ReturnType<typeof setInterval>>();
  const kubelet = new AbortController();
  let kubeletRun: Promise<void> | undefined;

  const ok = async (args: string[], input?: string) => {
    const r = await s.kubectl(args, { input });
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const json = async (args: string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as Json;
  const fails = async (args: string[]) => {
    const r = await s.kubectl(args);
    expect(r.exitCode).not.toBe(0);
    return r.stderr;
  };

  function heartbeat(node: SimulatedNode): void {
    beating.set(node.name, setInterval(() => void node.heartbeat().catch(() => undefined), 2000));
  }
  function silence(name: string): void {
    clearInterval(beating.get(name));
    beating.delete(name);
  }

  beforeAll(async () => {
    s = await startTestServer({ extraArgs: ['--kube-controller-manager-arg', `node-monitor-grace-period=${GRACE_SECONDS}s`] });
    admin = adminClient(s);
  }, 120_000);
  afterAll(async () => {
    for (const name of [...beating.keys()]) silence(name);
    kubelet.abort();
    await kubeletRun?.catch(() => undefined);
    admin?.close();
    await s?.stop();
  });

  it('serves default/kubernetes at 10.43.0.1 and allocates service IPs and node ports without duplicates', async () => {
    const k = await json(['get', 'service', 'kubernetes']);
    expect(k.spec.clusterIP).toBe('10.43.0.1');
    expect(k.spec.ports).toEqual([{ name: 'https', port: 443, protocol: 'TCP', targetPort: s.port }]);
    const ep = await json(['get', 'endpoints', 'kubernetes']);
    for (const subset of ep.subsets ?? []) expect(subset.ports).toEqual([{ name: 'https', port: s.port, protocol: 'TCP' }]);
    expect((await json(['get', 'endpointslice', 'kubernetes'])).metadata.labels['kubernetes.io/service-name']).toBe('kubernetes');

    await ok(['create', 'service', 'clusterip', 'web', '--tcp=80:http']);
    const web = await json(['get', 'service', 'web']);
    expect(web.spec.clusterIP).toMatch(/^10\.43\.\d+\.\d+$/);
    expect(web.spec.clusterIP).not.toBe('10.43.0.1');
    expect(await fails(['create', 'service', 'clusterip', 'dup', '--tcp=80:80', `--clusterip=${web.spec.clusterIP}`])).toContain(`failed to allocate IP ${web.spec.clusterIP}: provided IP is already allocated`);
    expect(await fails(['create', 'service', 'clusterip', 'far', '--tcp=80:80', '--clusterip=10.99.0.1'])).toContain('is not in the valid range');
    await ok(['create', 'service', 'clusterip', 'dns', '--tcp=53:53', '--clusterip=10.43.0.53']);
    await ok(['create', 'service', 'clusterip', 'headless', '--tcp=80:80', '--clusterip=None']);
    expect((await json(['get', 'service', 'headless'])).spec.clusterIP).toBe('None');

    await ok(['create', 'service', 'nodeport', 'np', '--tcp=80:80', '--node-port=30080']);
    expect((await json(['get', 'service', 'np'])).spec.ports[0].nodePort).toBe(30080);
    expect(await fails(['create', 'service', 'nodeport', 'np2', '--tcp=80:80', '--node-port=30080'])).toContain('provided port is already allocated');
    await ok(['delete', 'service', 'np']);
    await ok(['create', 'service', 'nodeport', 'np3', '--tcp=80:80', '--node-port=30080']);
    await ok(['create', 'service', 'nodeport', 'np4', '--tcp=80:80']);
    const random = (await json(['get', 'service', 'np4'])).spec.ports[0].nodePort as number;
    expect(random).toBeGreaterThanOrEqual(30000);
    expect(random).toBeLessThanOrEqual(32767);
  });

  it('kubectl get endpoints and endpointslices follow the ready pods', async () => {
    await ok(['label', 'service', 'web', 'app=web', '--overwrite']);
    await ok(['set', 'selector', 'service', 'web', 'app=web']);
    const podYaml = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] }] } });
    for (const name of ['web-1', 'web-2']) await ok(['apply', '-f', '-'], podYaml(name));
    const pods = admin.resource(RESOURCES.pods);
    const setStatus = async (name: string, ip: string, ready: boolean) => {
      const p = await pods.get('default', name);
      await pods.updateStatus({ ...p, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
    };
    await setStatus('web-1', '10.42.0.21', true);
    await setStatus('web-2', '10.42.0.22', false);
    const line = await eventually(async () => {
      const out = await ok(['get', 'endpoints', 'web', '--no-headers']);
      return out.includes('10.42.0.21:8080') && out;
    }, 'the ready pod in kubectl get endpoints');
    expect(line).not.toContain('10.42.0.22');
    const slice = await eventually(async () => {
      const items = (await json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web'])).items as Json[];
      return items.length === 1 && (items[0].endpoints ?? []).length === 2 && items[0];
    }, 'the endpoint slice');
    expect(slice.metadata.labels['endpointslice.kubernetes.io/managed-by']).toBe('endpointslice-controller.k8s.io');
    expect(slice.ports).toEqual([{ name: '80-http', port: 8080, protocol: 'TCP' }]);
    const cond = Object.fromEntries((slice.endpoints as Json[]).map((e) => [e.targetRef.name, e.conditions.ready]));
    expect(cond).toEqual({ 'web-1': true, 'web-2': false });

    await setStatus('web-2', '10.42.0.22', true);
    await eventually(async () => (await ok(['get', 'endpoints', 'web', '--no-headers'])).includes('10.42.0.22:8080'), 'the second pod once ready');
    await eventually(async () => ((await json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web'])).items[0].endpoints as Json[]).every((e) => e.conditions.ready), 'both ready in the slice');
  });

  it('a node whose heartbeats stop goes NotReady, is tainted, loses its pods to the other node, and recovers', async () => {
    const a = new SimulatedNode({ client: admin, clock: systemClock, name: 'sim-a', address: '192.0.2.1' });
    const b = new SimulatedNode({ client: admin, clock: systemClock, name: 'sim-b', address: '192.0.2.2' });
    await a.register();
    await b.register();
    heartbeat(a);
    heartbeat(b);
    const cidrs = await eventually(async () => {
      const nodes = (await json(['get', 'nodes'])).items as Json[];
      const list = nodes.map((n) => n.spec.podCIDR).filter(Boolean);
      return list.length === 2 && list;
    }, 'pod CIDRs for the nodes');
    expect(new Set(cidrs).size).toBe(2);
    for (const c of cidrs) expect(c).toMatch(/^10\.42\.\d+\.0\/24$/);

    // A Deployment whose pods all start on sim-a (sim-b cordoned meanwhile) and are run by a
    // simulated kubelet; they tolerate the unreachable taint for 3 s instead of the default 300 s.
    kubeletRun = runSimulatedKubelet({ client: admin, clock: systemClock, accept: (p) => p.metadata.labels?.app === 'rescue' }, kubelet.signal);
    await ok(['cordon', 'sim-b']);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'rescue' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'rescue' } },
        template: {
          metadata: { labels: { app: 'rescue' } },
          spec: {
            containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m' } } }],
            tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 }],
          },
        },
      },
    };
    await ok(['apply', '-f', '-'], JSON.stringify(deployment));
    const before = await eventually(async () => {
      const rows = wideRows(await ok(['get', 'pods', '-l', 'app=rescue', '-o', 'wide', '--no-headers']));
      return rows.length === 2 && rows.every((r) => r.status === 'Running' && r.ready === '1/1' && r.node === 'sim-a') && rows;
    }, 'both rescue pods Running on sim-a', 30_000, 300);
    await ok(['uncordon', 'sim-b']);

    const pod = (name: string, node: string, seconds?: number) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }], tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(seconds === undefined ? {} : { tolerationSeconds: seconds }) }] },
      });
    await ok(['apply', '-f', '-'], pod('leaves', 'sim-a', 2));
    await ok(['apply', '-f', '-'], pod('stays', 'sim-a'));
    await ok(['apply', '-f', '-'], pod('elsewhere', 'sim-b', 2));
    expect(await ok(['get', 'node', 'sim-a', '--no-headers'])).toMatch(/^sim-a\s+Ready/);

    const stoppedAt = Date.now();
    silence('sim-a');
    await eventually(async () => /^sim-a\s+NotReady/.test(await ok(['get', 'node', 'sim-a', '--no-headers'])), 'sim-a to be NotReady', 90_000, 500);
    const silentFor = Date.now() - stoppedAt;
    console.log(`node lifecycle: sim-a NotReady ${silentFor} ms after its last heartbeat (grace period ${GRACE_SECONDS} s)`);
    // Heartbeats came every 2 s, so the last one was at most 2 s before stoppedAt; well under
    // upstream's default 40 s shows the flag took effect.
    expect(silentFor).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 2000);
    expect(silentFor).toBeLessThan(30_000);
    const node = await json(['get', 'node', 'sim-a']);
    expect(node.status.conditions.find((c: Json) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    expect(node.spec.taints.map((t: Json) => `${t.key}:${t.effect}`).sort()).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    const deleting = async (name: string) => (await json(['get', 'pod', name])).metadata.deletionTimestamp !== undefined;
    await eventually(() => deleting('leaves'), 'the pod tolerating 2 s to be deleted', 15_000, 500);
    expect(await deleting('stays')).toBe(false);
    expect(await deleting('elsewhere')).toBe(false);
    expect(await ok(['get', 'node', 'sim-b', '--no-headers'])).toMatch(/^sim-b\s+Ready/);

    // The Deployment's pods on sim-a are evicted after their 3 s and the ReplicaSet's
    // replacements are scheduled onto sim-b (sim-a carries the unreachable NoSchedule taint).
    const oldNames = new Set(before.map((r) => r.name));
    const after = await eventually(async () => {
      const out = await ok(['get', 'pods', '-l', 'app=rescue', '-o', 'wide']);
      const rows = wideRows(out.split('\n').slice(1).join('\n'));
      const fresh = rows.filter((r) => !oldNames.has(r.name));
      return fresh.length === 2 && fresh.every((r) => r.status === 'Running' && r.ready === '1/1' && r.node === 'sim-b') && { out, rows };
    }, 'two replacement rescue pods Running on sim-b', 30_000, 500);
    console.log(`kubectl get pods -o wide after sim-a went silent:\n${after.out}`);
    for (const r of after.rows.filter((x) => oldNames.has(x.name))) expect(r).toMatchObject({ status: 'Terminating', node: 'sim-a' });
    await eventually(async () => (await json(['get', 'deployment', 'rescue'])).status?.availableReplicas === 2, 'the deployment available again with 2 replicas', 30_000, 500);

    heartbeat(a);
    await eventually(async () => {
      const n = await json(['get', 'node', 'sim-a']);
      return (n.spec.taints ?? []).length === 0 && n.status.conditions.find((c: Json) => c.type === 'Ready').status === 'True';
    }, 'sim-a back to Ready without taints', 15_000, 500);
  }, 150_000);
});
