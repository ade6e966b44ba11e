// The pod network (pkg/flannel) in the built k3ts: on one node in the host namespace (node lease
// annotations, flannel.1, subnet.env, the pods' MTU, masquerade rules, and their removal by killall),
// and across two nodes in network namespaces (test/helpers/netns-cluster.ts) for the vxlan and
// host-gw backends: pod → pod by IP both ways with the source address kept, and pod → an address
// outside the cluster (the host's bridge address) masqueraded to the node IP. Real containerd, real
// kubectl. Host-namespace part: run under `flock /tmp/k3ts-agent-e2e.lock`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSuiteUnavailable, startAgentServer, type AgentServer } from './helpers/agent-cluster';
import { eventually } from './helpers/cluster';
import { netnsClusterUnavailable, startNetnsCluster, type NetnsCluster } from './helpers/netns-cluster';
import { parseSubnetEnv } from '../pkg/flannel/subnet-env';

const IMAGE = 'k3ts.local/busybox:1';
type Json = Record<string, any>;
const harnessReady = fs.readFileSync(path.join(__dirname, 'helpers', 'netns-cluster.ts'), 'utf8').includes('// HARNESS-STATUS: ready');
const CGI = '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s\\n" "$REMOTE_ADDR"\n';
const A = 'flannel.alpha.coreos.com';

function saves(): string {
  return ['nft', 'legacy']
    .map((m) => {
      try {
        return execFileSync(`iptables-${m}-save`, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        return '';
      }
    })
    .join('\n');
}

/** A pod on `node` serving /cgi-bin/ip (the client address it sees) on :8080 from a ConfigMap. */
function cgiPod(name: string, node: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'web', image: IMAGE, command: ['httpd', '-f', '-p', '0.0.0.0:8080', '-h', '/www'], volumeMounts: [{ name: 'cgi', mountPath: '/www/cgi-bin' }] }],
      volumes: [{ name: 'cgi', configMap: { name: 'cgi', defaultMode: 0o755 } }],
    },
  });
}

type Kube = { ok(args: readonly string[], input?: string): Promise<string>; json(args: readonly string[]): Promise<Json> };

async function runningIp(k: Kube, name: string): Promise<string> {
  return eventually(async () => {
    const p = await k.json(['get', 'pod', name]);
    return p.status?.phase === 'Running' && p.status.podIP ? (p.status.podIP as string) : undefined;
  }, `pod ${name} Running with an IP`, 90_000);
}

const fetchFrom = (k: Kube, pod: string, url: string) => k.ok(['exec', pod, '--', 'timeout', '5', 'wget', '-q', '-O', '-', url]).then((o) => o.trim());

describe.skipIf(agentSuiteUnavailable() !== undefined)('pod network on one node (host namespace)', () => {
  const NODE = 'k3ts-flannel-e2e';
  let s: AgentServer | undefined;

  beforeAll(async () => {
    s = await startAgentServer({ nodeName: NODE });
  }, 180_000);
  afterAll(async () => {
    await s?.stop();
  }, 180_000);

  it('announces the lease, writes subnet.env, gives pods the VXLAN MTU and installs the masquerade rules', async () => {
    const node = await eventually(async () => {
      const n = await s!.json(['get', 'node', NODE]);
      return n.spec?.podCIDR && n.metadata.annotations?.[`${A}/backend-type`] ? n : undefined;
    }, 'the node lease annotations', 60_000);
    const internalIp = (node.status.addresses as Json[]).find((a) => a.type === 'InternalIP')!.address as string;
    expect(node.metadata.annotations).toMatchObject({ [`${A}/backend-type`]: 'vxlan', [`${A}/kube-subnet-manager`]: 'true', [`${A}/public-ip`]: internalIp });
    const link = JSON.parse(execFileSync('ip', ['-d', '-j', 'link', 'show', 'flannel.1'], { encoding: 'utf8' }))[0] as Json;
    expect(JSON.parse(node.metadata.annotations[`${A}/backend-data`])).toEqual({ VNI: 1, VtepMAC: link.address });
    expect(link.linkinfo.info_data).toMatchObject({ id: 1, port: 8472, learning: false, local: internalIp });
    const env = parseSubnetEnv(fs.readFileSync(path.join(s!.runDir, 'flannel', 'subnet.env'), 'utf8'));
    const podCidr = node.spec.podCIDR as string;
    expect(env).toEqual({ FLANNEL_NETWORK: '10.42.0.0/16', FLANNEL_SUBNET: podCidr.replace(/\.0\//, '.1/'), FLANNEL_MTU: String(link.mtu), FLANNEL_IPMASQ: 'true' });
    const conf = JSON.parse(fs.readFileSync(path.join(s!.dataDir, 'agent', 'etc', 'cni', 'net.d', '10-k3ts.conflist'), 'utf8')) as Json;
    expect(conf.plugins[0].mtu).toBe(link.mtu);
    expect(conf.plugins.map((p: Json) => p.type)).toEqual(['bridge', 'portmap', 'bandwidth']);
    await s!.ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mtu' }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'] }] } }));
    await runningIp(s!, 'mtu');
    expect((await s!.ok(['exec', 'mtu', '--', 'cat', '/sys/class/net/eth0/mtu'])).trim()).toBe(String(link.mtu));
    const rules = saves();
    expect(rules).toContain('-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG');
    expect(rules).toContain(`-A FLANNEL-POSTRTG -s 10.42.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`);
    expect(rules).toContain('-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD');
  });

  it('killall removes flannel.1, the FLANNEL chains and subnet.env', async () => {
    const runDir = s!.runDir;
    await s!.stop();
    s = undefined;
    expect(() => execFileSync('ip', ['link', 'show', 'flannel.1'], { stdio: 'ignore' })).toThrow();
    expect(saves()).not.toContain('FLANNEL-');
    expect(fs.existsSync(path.join(runDir, 'flannel', 'subnet.env'))).toBe(false);
  }, 120_000);
});

describe.skipIf(!harnessReady || netnsClusterUnavailable() !== undefined).each(['vxlan', 'host-gw'])('pod network across two nodes (%s)', (backend) => {
  let c: NetnsCluster | undefined;
  let host: ChildProcess | undefined;
  const www = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-podnet-www-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const ips: string[] = [];

  beforeAll(async () => {
    c = await startNetnsCluster({ nodes: 2, serverArgs: ['--flannel-backend', backend] });
    await c.waitReady();
    await c.ok(['create', 'configmap', 'cgi', '--from-literal', `ip=${CGI}`]);
    for (const [i, n] of c.nodes.entries()) await c.ok(['apply', '-f', '-'], cgiPod(`web-${i}`, n.nodeName));
    for (let i = 0; i < c.nodes.length; i++) ips.push(await runningIp(c, `web-${i}`));
    // An address outside the cluster: the host's end of the node bridge, answering with the source it sees.
    fs.mkdirSync(path.join(www, 'cgi-bin'));
    fs.writeFileSync(path.join(www, 'cgi-bin', 'ip'), CGI, { mode: 0o755 });
    host = spawn('busybox', ['httpd', '-f', '-p', `${c.subnetPrefix}.1:${port}`, '-h', www], { stdio: 'ignore' });
  }, 300_000);
  afterAll(async () => {
    host?.kill('SIGKILL');
    await c?.stop();
    fs.rmSync(www, { recursive: true, force: true });
  }, 180_000);

  it('each node routes the other node\'s pod range with the backend', async () => {
    const nodes = await Promise.all(c!.nodes.map((n) => c!.json(['get', 'node', n.nodeName])));
    for (const n of nodes) expect(n.metadata.annotations[`${A}/backend-type`]).toBe(backend);
    const route = (await c!.exec(0, 'ip', ['route', 'show', nodes[1]!.spec.podCIDR])).stdout;
    expect(route).toContain(backend === 'vxlan' ? 'dev flannel.1 onlink' : `via ${c!.nodes[1]!.ip}`);
  });

  it('pod → pod across nodes by IP, both ways, with the source address kept', async () => {
    expect(await eventually(() => fetchFrom(c!, 'web-0', `http://${ips[1]}:8080/cgi-bin/ip`).catch(() => undefined), `web-0 → ${ips[1]}`, 30_000)).toBe(ips[0]);
    expect(await fetchFrom(c!, 'web-1', `http://${ips[0]}:8080/cgi-bin/ip`)).toBe(ips[1]);
    const ping = await c!.ok(['exec', 'web-0', '--', 'ping', '-c', '20', '-i', '0.2', ips[1]!]);
    const avg = /= [\d.]+\/([\d.]+)\//.exec(ping)?.[1];
    console.log(`pod→pod ping across nodes (${backend}): avg ${avg} ms over 20`);
  });

  it('pod → outside the cluster is masqueraded to the node IP', async () => {
    for (const [i, n] of c!.nodes.entries()) expect(await fetchFrom(c!, `web-${i}`, `http://${c!.subnetPrefix}.1:${port}/cgi-bin/ip`)).toBe(n.ip);
  });
});
