// The built-in cluster DNS of a built `k3ts server` (real containerd, real busybox pods, real
// iptables): the kube-dns Service at --cluster-dns, pods' resolv.conf, Service / headless / SRV /
// short names from a pod, names outside the cluster forwarded to the node's resolver, and
// `wget http://<svc>`. The node's resolver is a stub DNS server this test runs on 127.0.0.1:53
// (given to k3ts with --resolv-conf), so forwarding is shown with no internet and nothing leaves
// the machine. Needs root, containerd, runc, the CNI plugins, busybox-static and iptables.
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDns } from '../pkg/dns/dns-client';
import { CLASS_IN, RCODE, TYPE, encodeMessage, parseMessage } from '../pkg/dns/dns-message';
import { agentSuiteUnavailable, startAgentServer, type AgentServer } from './helpers/agent-cluster';
import { eventually } from './helpers/cluster';

const NODE = 'k3ts-dns-node';
const IMAGE = 'k3ts.local/busybox:1';
const OFFLINE_NAME = 'offline.k3ts.test';
const OFFLINE_IP = '192.0.2.77';
const unavailable = agentSuiteUnavailable();

type Json = Record<string, any>;

/** The node's "upstream resolver": answers OFFLINE_NAME with OFFLINE_IP, NXDOMAIN for the rest. */
async function startStubResolver(): Promise<{ socket: dgram.Socket; asked: string[] }> {
  const socket = dgram.createSocket('udp4');
  const asked: string[] = [];
  socket.on('message', (msg, r) => {
    const q = parseMessage(msg);
    const name = q.questions[0]?.name ?? '';
    asked.push(name);
    const hit = name === OFFLINE_NAME && q.questions[0]?.type === TYPE.A;
    const reply = encodeMessage({ ...q, qr: true, ra: true, rcode: hit || name === OFFLINE_NAME ? RCODE.NOERROR : RCODE.NXDOMAIN, answers: hit ? [{ name, type: TYPE.A, class: CLASS_IN, ttl: 30, data: { kind: 'a', ip: OFFLINE_IP } }] : [], additional: [] });
    socket.send(reply, r.port, r.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(53, '127.0.0.1', () => resolve());
  });
  return { socket, asked };
}

describe.skipIf(unavailable !== undefined)('built-in cluster DNS from pods', () => {
  let s: AgentServer;
  let stub: { socket: dgram.Socket; asked: string[] };
  let tmp = '';
  let clusterIP = '';

  const inPod = async (cmd: string): Promise<{ code: number | undefined; out: string }> => {
    const r = await s.kubectl(['exec', 'client', '--', 'sh', '-c', cmd]);
    return { code: r.exitCode, out: `${r.stdout}${r.stderr}` };
  };

  const webPods = async (): Promise<Json[]> =>
    eventually(async () => {
      const list = (await s.json(['get', 'pods', '-l', 'app=web'])).items as Json[];
      return list.length === 2 && list.every((p) => p.status?.phase === 'Running' && p.status.podIP) ? list : undefined;
    }, 'two web replicas Running', 90_000);

  beforeAll(async () => {
    stub = await startStubResolver();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-dns-e2e-'));
    const resolv = path.join(tmp, 'resolv.conf');
    fs.writeFileSync(resolv, 'nameserver 127.0.0.1\n');
    // --disable servicelb here (ServiceLB has its own suite): shows the flag takes it out.
    s = await startAgentServer({ nodeName: NODE, extraArgs: ['--resolv-conf', resolv, '--disable', 'servicelb'] });
    await eventually(async () => {
      const n = await s.json(['get', 'node', NODE]);
      return n.status?.conditions?.find((c: Json) => c.type === 'Ready')?.status === 'True';
    }, 'the node to be Ready', 60_000);
    const serve = 'mkdir -p /srv && hostname > /srv/index.html && exec httpd -f -p 80 -h /srv';
    const dep = JSON.parse(await s.ok(['create', 'deployment', 'web', `--image=${IMAGE}`, '--replicas=2', '--dry-run=client', '-o', 'json', '--', 'sh', '-c', serve]));
    dep.spec.template.spec.terminationGracePeriodSeconds = 1;
    await s.ok(['apply', '-f', '-'], JSON.stringify(dep));
    await s.ok(['create', 'service', 'clusterip', 'web', '--tcp=80:80']);
    // Named port "http" (kubectl names it 80-80; SRV needs a name we choose).
    await s.ok(['patch', 'service', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/ports/0/name","value":"http"}]']);
    await s.ok(['create', 'service', 'clusterip', 'web-headless', '--clusterip=None', '--tcp=80:80']);
    await s.ok(['patch', 'service', 'web-headless', '-p', '{"spec":{"selector":{"app":"web"}}}']);
    // A pod with hostname + subdomain under a headless Service of that name: <hostname>.<svc>.<ns>.svc.
    await s.ok(['create', 'service', 'clusterip', 'sub', '--clusterip=None', '--tcp=80:80']);
    await s.ok(['run', 'named', `--image=${IMAGE}`, '--labels=app=sub', '--overrides={"apiVersion":"v1","spec":{"hostname":"db-0","subdomain":"sub","terminationGracePeriodSeconds":1}}', '--', 'sleep', '3600']);
    await s.ok(['run', 'client', `--image=${IMAGE}`, '--overrides={"apiVersion":"v1","spec":{"terminationGracePeriodSeconds":1}}', '--', 'sleep', '3600']);
    await eventually(async () => (await s.json(['get', 'pod', 'client'])).status?.phase === 'Running', 'client pod Running', 90_000);
    await webPods();
    clusterIP = (await s.json(['get', 'service', 'web'])).spec.clusterIP;
  }, 300_000);

  afterAll(async () => {
    await s?.stop();
    stub?.socket.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }, 180_000);

  it('publishes kube-system/kube-dns at --cluster-dns with one EndpointSlice per node', async () => {
    const svc = await eventually(async () => {
      const r = await s.kubectl(['get', 'service', '-n', 'kube-system', 'kube-dns', '-o', 'json']);
      return r.exitCode === 0 ? (JSON.parse(r.stdout) as Json) : undefined;
    }, 'the kube-dns Service', 30_000);
    expect(svc.spec.clusterIP).toBe('10.43.0.10');
    expect(svc.spec.internalTrafficPolicy).toBe('Local');
    expect(svc.spec.ports.map((p: Json) => `${p.name}:${p.port}/${p.protocol}`)).toEqual(['dns:53/UDP', 'dns-tcp:53/TCP', 'metrics:9153/TCP']);
    const slices = await eventually(async () => {
      const l = (await s.json(['get', 'endpointslices', '-n', 'kube-system', '-l', 'kubernetes.io/service-name=kube-dns'])).items as Json[];
      return l.length === 1 ? l : undefined;
    }, 'the node DNS slice', 30_000);
    expect(slices[0]!.endpoints[0].nodeName).toBe(NODE);
    // From the host too (OUTPUT → DNAT to the node's own DNS server).
    const r = await eventually(async () => queryDns({ host: '10.43.0.10', port: 53 }, 'web.default.svc.cluster.local', TYPE.A).catch(() => undefined), 'DNS at 10.43.0.10 from the host', 30_000);
    expect(r.answers.map((a) => (a.data.kind === 'a' ? a.data.ip : ''))).toEqual([clusterIP]);
  });

  it('runs the cluster-dns controller, and not ServiceLB with --disable servicelb', async () => {
    const line = s.process.output().split('\n').find((l) => l.includes('starting controllers')) ?? '';
    expect(line).toMatch(/cluster-dns/);
    expect(line).not.toMatch(/servicelb/);
    await s.ok(['create', 'service', 'loadbalancer', 'no-lb', '--tcp=8099:80']);
    expect((await s.ok(['get', 'service', 'no-lb', '--no-headers'])).trim().split(/\s+/)[3]).toBe('<pending>');
  });

  it('gives ClusterFirst pods the cluster DNS server, search path and ndots:5', async () => {
    const { out } = await inPod('cat /etc/resolv.conf');
    expect(out).toMatch(/^nameserver 10\.43\.0\.10$/m);
    expect(out).toMatch(/^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
    expect(out).toMatch(/^options ndots:5$/m);
  });

  it('resolves a Service by full name and by short name to its ClusterIP', async () => {
    const full = await eventually(async () => {
      const x = await inPod('nslookup web.default.svc.cluster.local');
      return x.code === 0 && x.out.includes(clusterIP) ? x : undefined;
    }, 'nslookup web.default.svc.cluster.local', 30_000);
    expect(full.out).toMatch(new RegExp(`Address:\\s*${clusterIP.replace(/\./g, '\\.')}\\b`));
    // Short names through wget: it resolves with libc (search path and ndots as applications
    // see them) and prints the address it connects to.
    for (const [name, ip, port] of [['web', clusterIP, 80], ['web.default', clusterIP, 80], ['kubernetes.default', '10.43.0.1', 443]] as const) {
      const r = await inPod(`timeout 5 wget -O /dev/null http://${name}:${port}/ 2>&1`);
      expect(r.out).toMatch(new RegExp(`Connecting to ${name.replace(/\./g, '\\.')}(:${port})? \\(${ip.replace(/\./g, '\\.')}:${port}\\)`));
    }
  });

  it('resolves a headless Service to the ready pod IPs', async () => {
    const podIPs = (await webPods()).map((p) => p.status.podIP as string).sort();
    const r = await eventually(async () => {
      const x = await inPod('nslookup web-headless.default.svc.cluster.local');
      return podIPs.every((ip) => x.out.includes(ip)) ? x : undefined;
    }, 'headless answers', 30_000);
    expect(r.out).not.toContain(clusterIP);
  });

  it('answers <hostname>.<subdomain> of a pod, pod A records and PTR for a Service IP', async () => {
    const podIP = await eventually(async () => (await s.json(['get', 'pod', 'named'])).status?.podIP as string | undefined, 'the named pod IP', 90_000);
    const r = await eventually(async () => {
      const x = await inPod('nslookup db-0.sub.default.svc.cluster.local');
      return x.code === 0 && x.out.includes(podIP) ? x : undefined;
    }, 'db-0.sub resolves', 30_000);
    expect(r.out).toContain(podIP);
    const pod = await inPod(`nslookup ${podIP.replace(/\./g, '-')}.default.pod.cluster.local`);
    expect(pod.out).toMatch(new RegExp(`Address:\\s*${podIP.replace(/\./g, '\\.')}\\b`));
    const ptr = await inPod(`nslookup ${clusterIP}`);
    expect(ptr.out).toContain('name = web.default.svc.cluster.local');
  });

  it('answers SRV for a named port, NXDOMAIN for an unknown name', async () => {
    const r = await inPod('nslookup -type=srv _http._tcp.web.default.svc.cluster.local');
    expect(r.out).toMatch(/0 100 80 web\.default\.svc\.cluster\.local/);
    const nx = await inPod('nslookup nothing-here.default.svc.cluster.local');
    expect(nx.code).not.toBe(0);
    expect(nx.out).toMatch(/NXDOMAIN|can't find/i);
  });

  it('forwards names outside the cluster to the node resolver', async () => {
    const r = await inPod(`nslookup ${OFFLINE_NAME}`);
    expect(r.out).toContain(OFFLINE_IP);
    expect(stub.asked).toContain(OFFLINE_NAME);
    // Node names resolve like K3s's CoreDNS NodeHosts, without asking upstream.
    const nodeIP = (await s.json(['get', 'node', NODE])).status.addresses.find((a: Json) => a.type === 'InternalIP').address as string;
    const n = await inPod(`timeout 5 wget -O /dev/null http://${NODE}:1/ 2>&1`);
    expect(n.out).toMatch(new RegExp(`Connecting to ${NODE}(:1)? \\(${nodeIP.replace(/\./g, '\\.')}:1\\)`));
    expect(stub.asked).not.toContain(NODE);
  });

  it('wget http://<service> from a pod reaches a backend by name', async () => {
    const names = new Set((await webPods()).map((p) => p.metadata.name as string));
    const r = await eventually(async () => {
      const x = await inPod('timeout 5 wget -qO- http://web/');
      return x.code === 0 ? x : undefined;
    }, 'wget http://web', 30_000);
    expect(names.has(r.out.trim())).toBe(true);
  });

  it('the packaged CoreDNS manifest (for --cluster-dns-provider coredns) is accepted by the API server', async () => {
    const manifest = fs
      .readFileSync(path.join(__dirname, '..', 'pkg', 'deploy', 'manifests', 'coredns.yaml'), 'utf8')
      .replace(/%\{CLUSTER_DNS\}%/g, '10.43.0.10')
      .replace(/%\{CLUSTER_DOMAIN\}%/g, 'cluster.local')
      .replace(/%\{SYSTEM_DEFAULT_REGISTRY\}%/g, '');
    const r = await s.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: manifest });
    // kube-dns exists already (made by the built-in controller, not by apply): only kubectl's
    // missing last-applied-configuration warning may appear.
    expect(r.exitCode).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.trim() && !/missing the kubectl\.kubernetes\.io\/last-applied-configuration|patched automatically/.test(l))).toEqual([]);
    expect(r.stdout).toMatch(/deployment\.apps\/coredns (created|configured) \(server dry run\)/);
    expect(r.stdout).toMatch(/service\/kube-dns (created|configured) \(server dry run\)/);
  });
});
