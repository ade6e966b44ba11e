// Services across two nodes (network namespaces, test/helpers/netns-cluster.ts), real pods and the
// real kubectl (issue 9): a ClusterIP spreads over backends on both nodes, the NodePort answers on
// every node IP, a LoadBalancer Service gets both node IPs from ServiceLB and answers there, pods
// resolve Service names through the built-in DNS, a Service without endpoints rejects at once, and
// scaling the backends 3→0→3 is followed by the traffic once the endpoints change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers/cluster';
import { netnsClusterUnavailable, startNetnsCluster, type NetnsCluster } from './helpers/netns-cluster';

const IMAGE = 'k3ts.local/busybox:1';
type Json = Record<string, any>;

/** A Deployment pinned to one node whose pods answer HTTP with their own name. */
const backend = (name: string, node: string, replicas: number) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web', part: name } },
      template: {
        metadata: { labels: { app: 'web', part: name } },
        spec: {
          nodeName: node,
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'web', image: IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', 'mkdir -p /w && echo "$HOSTNAME" > /w/index.html && exec httpd -f -p 80 -h /w'], readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 1 } }],
        },
      },
    },
  });

describe.skipIf(netnsClusterUnavailable() !== undefined)('Services across two nodes', () => {
  let c: NetnsCluster;
  let clusterIP = '';
  let nodePort = 0;

  const inClient = (script: string) => c.kubectl(['exec', 'client', '--', 'sh', '-c', script], { timeoutMs: 60_000 });
  const readyEndpoints = async () => {
    const slices = await c.json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']);
    return (slices.items as Json[]).flatMap((s) => (s.endpoints ?? []) as Json[]).filter((e) => e.conditions?.ready).length;
  };
  /** Plain HTTP GET from the test process (the host reaches the node IPs over the harness bridge). */
  const httpGet = async (url: string) => {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return (await res.text()).trim();
  };

  beforeAll(async () => {
    c = await startNetnsCluster({ nodes: 2 });
    await c.waitReady(120_000);
    const [n0, n1] = c.nodes;
    await c.ok(['apply', '-f', '-'], backend('web-a', n0!.nodeName, 2));
    await c.ok(['apply', '-f', '-'], backend('web-b', n1!.nodeName, 2));
    await c.ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 80 }] } }));
    await c.ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'empty' }, spec: { selector: { app: 'nothing' }, ports: [{ port: 80 }] } }));
    await c.ok(['run', 'client', `--image=${IMAGE}`, '--image-pull-policy=Never', `--overrides=${JSON.stringify({ spec: { nodeName: n0!.nodeName } })}`, '--', 'sleep', '3600']);
    await eventually(async () => (await c.json(['get', 'pod', 'client'])).status?.phase === 'Running', 'the client pod', 120_000);
    await eventually(async () => (await readyEndpoints()) === 4, 'four ready backends', 120_000);
    const svc = await c.json(['get', 'service', 'web']);
    clusterIP = svc.spec.clusterIP;
    nodePort = svc.spec.ports[0].nodePort;
  }, 400_000);
  afterAll(async () => {
    await c?.stop();
  }, 180_000);

  it('a ClusterIP spreads requests over the backends on both nodes', async () => {
    const r = await inClient(`for i in $(seq 60); do timeout 3 wget -q -O - http://${clusterIP}/; done`);
    expect(r.stderr).toBe('');
    const counts = new Map<string, number>();
    for (const line of r.stdout.trim().split('\n')) counts.set(line, (counts.get(line) ?? 0) + 1);
    const pods = (await c.json(['get', 'pods', '-l', 'app=web'])).items as Json[];
    const nodeOf = new Map(pods.map((p) => [p.metadata.name as string, p.spec.nodeName as string]));
    console.log('replies per backend:', Object.fromEntries(counts));
    expect([...counts.keys()].every((k) => nodeOf.has(k))).toBe(true);
    expect(counts.size).toBe(4);
    expect(new Set([...counts.keys()].map((k) => nodeOf.get(k))).size).toBe(2);
  }, 120_000);

  it('the NodePort answers on every node IP', async () => {
    for (const n of c.nodes) {
      const answer = await eventually(async () => httpGet(`http://${n.ip}:${nodePort}/`).catch(() => undefined), `the NodePort on ${n.ip}`, 20_000);
      expect(answer).toMatch(/^web-[ab]-/);
    }
  });

  it('ServiceLB gives the LoadBalancer Service both node IPs, and it answers there', async () => {
    const ips = await eventually(async () => {
      const svc = await c.json(['get', 'service', 'web']);
      const list = ((svc.status?.loadBalancer?.ingress ?? []) as Json[]).map((i) => i.ip as string).sort();
      return list.length === 2 ? list : undefined;
    }, 'two ingress IPs', 60_000);
    expect(ips).toEqual(c.nodes.map((n) => n.ip).sort());
    expect((await c.ok(['get', 'service', 'web'])).split('\n')[1]).toContain(ips.join(','));
    for (const ip of ips) expect(await eventually(async () => httpGet(`http://${ip}/`).catch(() => undefined), `the LoadBalancer on ${ip}`, 20_000)).toMatch(/^web-[ab]-/);
  });

  it('pods resolve web.default.svc.cluster.local and kubernetes.default', async () => {
    const web = await inClient('nslookup web.default.svc.cluster.local');
    expect(web.stdout).toContain(clusterIP);
    const kube = await inClient('nslookup kubernetes.default.svc.cluster.local');
    expect(kube.stdout).toContain('10.43.0.1');
    const short = await inClient('timeout 3 wget -q -O - http://web/ && timeout 3 wget -q -O - http://kubernetes.default:443/ 2>&1; true');
    expect(short.stdout).toMatch(/^web-[ab]-/);
  }, 60_000);

  it('a Service without endpoints rejects at once', async () => {
    const ip = (await c.json(['get', 'service', 'empty'])).spec.clusterIP as string;
    const t0 = Date.now();
    const r = await inClient(`timeout 10 wget -q -O - http://${ip}/; echo "exit=$?"`);
    expect(r.stdout + r.stderr).toMatch(/refused|unreachable/i);
    expect(r.stdout).toContain('exit=1');
    console.log(`no-endpoint Service rejected after ${Date.now() - t0} ms (including kubectl exec)`);
  });

  it('scaling the backends 3→0→3 is followed by the traffic once the endpoints change', async () => {
    await c.ok(['scale', 'deployment', 'web-b', '--replicas=1']);
    await eventually(async () => (await readyEndpoints()) === 3, 'three ready endpoints', 60_000);
    for (const d of ['web-a', 'web-b']) await c.ok(['scale', 'deployment', d, '--replicas=0']);
    await eventually(async () => (await readyEndpoints()) === 0, 'no ready endpoints', 60_000);
    const emptyAt = Date.now();
    await eventually(async () => /refused|unreachable/i.test((await inClient(`timeout 2 wget -q -O - http://${clusterIP}/ 2>&1; true`)).stdout), 'traffic to be rejected', 10_000);
    console.log(`rejected ${Date.now() - emptyAt} ms after the endpoints emptied (including kubectl exec)`);

    await c.ok(['scale', 'deployment', 'web-a', '--replicas=2']);
    await c.ok(['scale', 'deployment', 'web-b', '--replicas=1']);
    await eventually(async () => (await readyEndpoints()) === 3, 'three ready endpoints again', 120_000);
    const readyAt = Date.now();
    await eventually(async () => /^web-[ab]-/.test((await inClient(`timeout 2 wget -q -O - http://${clusterIP}/`)).stdout), 'traffic to reach the new backends', 10_000);
    const followMs = Date.now() - readyAt;
    console.log(`traffic reached a new backend ${followMs} ms after the endpoints became ready (including kubectl exec)`);
  }, 300_000);
});
