// The pod network between two "nodes" that are network namespaces made here (no k3ts server): each
// node gets a flannel instance (sharing one in-memory set of Node objects, as they would share the
// API), a CNI bridge from the agent's conflist and a "pod" namespace wired by the real bridge
// plugin. Shown: pod → pod across nodes over VXLAN and over host-gw, the switch between them, Node
// delete/re-add, masquerade of pod traffic leaving the cluster (the source an outside host sees),
// no masquerade between pods, both iptables backends, and the cleanup killall uses.
// Topology (R random): n1 eth0 10.250.R.1 ⟷ n2 eth0 10.250.R.2; n1 ext0 10.251.R.1 ⟷ out eth0 10.251.R.2.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCniConflist } from '../agent/cni-conflist';
import { systemClock } from '../client/clock';
import { eventually } from '../controllers/testing/eventually';
import { createLogger } from '../log/logger';
import { BACKEND_TYPE, PUBLIC_IP } from './annotations';
import { Flannel, removePodNetwork, type FlannelBackend } from './flannel';
import { FlannelIptables, type IptablesMode } from './masquerade';
import { systemNetExec } from './net-exec';
import { MemoryNodeSource } from './node-source';
import { parseSubnetEnv } from './subnet-env';

const run = promisify(execFile);
const unavailable = process.getuid?.() !== 0 ? 'not root' : !fs.existsSync('/usr/lib/cni/bridge') ? 'no CNI plugins' : !fs.existsSync('/sys/module/vxlan') ? 'no vxlan module' : undefined;
const R = 16 + Math.floor(Math.random() * 200);
const tag = `k3tsfl${process.pid % 10000}`;
const ns = { n1: `${tag}-n1`, n2: `${tag}-n2`, p1: `${tag}-p1`, p2: `${tag}-p2`, out: `${tag}-out` };
const nsPath = (n: string) => `/run/netns/${n}`;
const ip = (...args: string[]) => run('ip', args);
const inNs = (n: string, cmd: string[], timeoutMs = 10_000) => run('nsenter', [`--net=${nsPath(n)}`, '--', ...cmd], { timeout: timeoutMs });

describe.skipIf(unavailable)('pod network in network namespaces', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-flannel-'));
  const nodes = new MemoryNodeSource();
  const log = createLogger({ level: 'warn', component: 'flannel-test' });
  const procs: ChildProcess[] = [];
  const podIp: Record<string, string> = {};
  const nodeSetup = {
    n1: { addr: `10.250.${R}.1`, podCidr: '10.42.1.0/24', iptables: 'nft' as IptablesMode, pod: ns.p1 },
    n2: { addr: `10.250.${R}.2`, podCidr: '10.42.2.0/24', iptables: 'legacy' as IptablesMode, pod: ns.p2 },
  };
  let running: { abort: AbortController; flannels: Flannel[] } | undefined;

  const startFlannel = async (backend: FlannelBackend): Promise<Flannel[]> => {
    running?.abort.abort();
    await Promise.all(running?.flannels.map((f) => f.done) ?? []);
    const abort = new AbortController();
    const flannels = (['n1', 'n2'] as const).map((n) => {
      const exec = systemNetExec({ netns: nsPath(ns[n]) });
      return new Flannel(
        // n1 finds its interface from its node IP, n2 is told the interface.
        { backend, nodeName: n, clusterCidr: '10.42.0.0/16', subnetFile: path.join(dir, n, 'subnet.env'), resyncMs: 60_000, ...(n === 'n1' ? { nodeIp: nodeSetup.n1.addr } : { iface: 'eth0' }) },
        { nodes, exec, iptables: new FlannelIptables(exec, nodeSetup[n].iptables), clock: systemClock, log: log.child(n) },
      );
    });
    for (const f of flannels) await f.prepare();
    for (const f of flannels) await f.start(abort.signal);
    running = { abort, flannels };
    return flannels;
  };

  const wget = async (from: string, url: string): Promise<string> => (await inNs(from, ['timeout', '5', 'busybox', 'wget', '-q', '-O', '-', url])).stdout.trim();
  const ping = (from: string, to: string) => inNs(from, ['busybox', 'ping', '-c', '1', '-W', '1', to]).then(() => true, () => false);

  beforeAll(async () => {
    for (const n of Object.values(ns)) await ip('netns', 'add', n);
    await ip('link', 'add', 'eth0', 'netns', ns.n1, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.n2);
    await ip('link', 'add', 'ext0', 'netns', ns.n1, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.out);
    const cfg = async (n: string, dev: string, cidr: string) => {
      await ip('-n', n, 'addr', 'add', cidr, 'dev', dev);
      await ip('-n', n, 'link', 'set', dev, 'up');
      await ip('-n', n, 'link', 'set', 'lo', 'up');
    };
    await cfg(ns.n1, 'eth0', `${nodeSetup.n1.addr}/24`);
    await cfg(ns.n2, 'eth0', `${nodeSetup.n2.addr}/24`);
    await cfg(ns.n1, 'ext0', `10.251.${R}.1/24`);
    await cfg(ns.out, 'eth0', `10.251.${R}.2/24`);
    // A CGI that prints the client address it sees: the way to tell masqueraded traffic from direct.
    const www = path.join(dir, 'www');
    fs.mkdirSync(path.join(www, 'cgi-bin'), { recursive: true });
    fs.writeFileSync(path.join(www, 'cgi-bin', 'ip'), '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s\\n" "$REMOTE_ADDR"\n', { mode: 0o755 });
    procs.push(spawn('nsenter', [`--net=${nsPath(ns.out)}`, '--', 'busybox', 'httpd', '-f', '-p', '0.0.0.0:8080', '-h', www], { stdio: 'ignore' }));
    nodes.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: nodeSetup.n1.podCidr } });
    nodes.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' }, spec: { podCIDR: nodeSetup.n2.podCidr } });
    const flannels = await startFlannel('vxlan');
    // Each node's pod: the agent's conflist with flannel's MTU, run through the real bridge plugin.
    for (const [i, n] of (['n1', 'n2'] as const).entries()) {
      const conflist = JSON.parse(renderCniConflist({ podCidr: nodeSetup[n].podCidr, ipamDataDir: path.join(dir, n, 'ipam'), mtu: flannels[i]!.mtu })) as { cniVersion: string; name: string; plugins: Record<string, unknown>[] };
      const conf = JSON.stringify({ cniVersion: conflist.cniVersion, name: conflist.name, ...conflist.plugins[0] });
      const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: `${tag}-${n}`, CNI_NETNS: nsPath(nodeSetup[n].pod), CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni', PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
      const out = await new Promise<string>((resolve, reject) => {
        const c = execFile('nsenter', [`--net=${nsPath(ns[n])}`, '--', '/usr/lib/cni/bridge'], { env, encoding: 'utf8' }, (err, stdout) => (err ? reject(new Error(`${err.message} ${stdout}`)) : resolve(stdout)));
        c.stdin?.end(conf);
      });
      const result = JSON.parse(out) as { ips: { address: string }[] };
      podIp[n] = result.ips[0]!.address.split('/')[0]!;
      procs.push(spawn('nsenter', [`--net=${nsPath(nodeSetup[n].pod)}`, '--', 'busybox', 'httpd', '-f', '-p', '0.0.0.0:8080', '-h', www], { stdio: 'ignore' }));
    }
  }, 60_000);

  afterAll(async () => {
    running?.abort.abort();
    await Promise.all(running?.flannels.map((f) => f.done) ?? []);
    for (const p of procs) p.kill('SIGKILL');
    for (const n of Object.values(ns)) await ip('netns', 'del', n).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('vxlan: annotates the nodes, programs flannel.1, and a pod on n1 reaches a pod on n2', async () => {
    const [f1] = running!.flannels;
    expect(f1!.mtu).toBe(1450);
    expect((await ip('-n', nodeSetup.n1.pod, 'link', 'show', 'eth0')).stdout).toContain('mtu 1450');
    for (const n of ['n1', 'n2'] as const) await eventually(async () => nodes.get(n)?.metadata.annotations?.[PUBLIC_IP] === nodeSetup[n].addr, `${n} annotations`);
    const a1 = nodes.get('n1')!.metadata.annotations!;
    expect(a1[BACKEND_TYPE]).toBe('vxlan');
    const mac1 = (JSON.parse(a1['flannel.alpha.coreos.com/backend-data']!) as { VNI: number; VtepMAC: string }).VtepMAC;
    const link = JSON.parse((await ip('-n', ns.n1, '-d', '-j', 'link', 'show', 'flannel.1')).stdout) as { address: string; mtu: number; linkinfo: { info_data: { id: number; port: number; learning: boolean; local: string } } }[];
    expect(link[0]).toMatchObject({ address: mac1, mtu: 1450, linkinfo: { info_data: { id: 1, port: 8472, learning: false, local: nodeSetup.n1.addr } } });
    expect(parseSubnetEnv(fs.readFileSync(path.join(dir, 'n1', 'subnet.env'), 'utf8'))).toEqual({ FLANNEL_NETWORK: '10.42.0.0/16', FLANNEL_SUBNET: '10.42.1.1/24', FLANNEL_MTU: '1450', FLANNEL_IPMASQ: 'true' });
    await eventually(() => ping(ns.p1, podIp.n2!), `ping ${podIp.n2} from the pod on n1 over vxlan`);
    expect(await ping(ns.p2, podIp.n1!)).toBe(true);
    // The route, neighbour and FDB entries n2 holds for n1.
    expect((await ip('-n', ns.n2, 'route', 'show', 'dev', 'flannel.1')).stdout).toContain('10.42.1.0/24 via 10.42.1.0 onlink');
    expect((await ip('-n', ns.n2, 'neigh', 'show', 'dev', 'flannel.1')).stdout).toContain(`10.42.1.0 lladdr ${mac1} PERMANENT`);
    expect((await run('bridge', ['-n', ns.n2, 'fdb', 'show', 'dev', 'flannel.1'])).stdout).toContain(`${mac1} dst ${nodeSetup.n1.addr} self permanent`);
  });

  it('pod → pod keeps the source address; pod → outside the cluster is masqueraded (nft and legacy)', async () => {
    expect(await wget(ns.p2, `http://${podIp.n1}:8080/cgi-bin/ip`)).toBe(podIp.n2);
    expect(await wget(ns.p1, `http://${podIp.n2}:8080/cgi-bin/ip`)).toBe(podIp.n1);
    // `out` has no route to 10.42.0.0/16: an answer at all means the source was rewritten.
    expect(await wget(ns.p1, `http://10.251.${R}.2:8080/cgi-bin/ip`)).toBe(`10.251.${R}.1`);
    expect((await inNs(ns.n1, ['iptables-nft-save', '-t', 'nat'])).stdout).toContain('-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG');
    expect((await inNs(ns.n2, ['iptables-legacy-save', '-t', 'filter'])).stdout).toContain('-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD');
  });

  it('removes the routes of a deleted node and restores them when it comes back', async () => {
    const n2 = nodes.get('n2')!;
    nodes.delete('n2');
    await eventually(async () => !(await ip('-n', ns.n1, 'route', 'show', 'dev', 'flannel.1')).stdout.includes('10.42.2.0/24'), 'route to n2 removed');
    expect((await run('bridge', ['-n', ns.n1, 'fdb', 'show', 'dev', 'flannel.1'])).stdout).not.toContain(nodeSetup.n2.addr);
    expect(await ping(ns.p1, podIp.n2!)).toBe(false);
    nodes.set(n2);
    await eventually(() => ping(ns.p1, podIp.n2!), 'ping after n2 came back');
  });

  it('host-gw: switching backends removes flannel.1 and routes pod ranges via the node IPs', async () => {
    await startFlannel('host-gw');
    await eventually(async () => (await ip('-n', ns.n1, 'route', 'show', '10.42.2.0/24')).stdout.includes(`via ${nodeSetup.n2.addr} dev eth0`), 'host-gw route on n1');
    await eventually(async () => (await ip('-n', ns.n2, 'route', 'show', '10.42.1.0/24')).stdout.includes(`via ${nodeSetup.n1.addr} dev eth0`), 'host-gw route on n2');
    expect((await ip('-n', ns.n1, 'link', 'show')).stdout).not.toContain('flannel.1');
    expect(nodes.get('n1')!.metadata.annotations![BACKEND_TYPE]).toBe('host-gw');
    await eventually(() => ping(ns.p1, podIp.n2!), 'ping over host-gw');
    expect(await wget(ns.p2, `http://${podIp.n1}:8080/cgi-bin/ip`)).toBe(podIp.n2);
  });

  it('--flannel-backend none and removePodNetwork leave no device or rule', async () => {
    await startFlannel('vxlan');
    await eventually(async () => (await ip('-n', ns.n1, 'link', 'show')).stdout.includes('flannel.1'), 'flannel.1 back');
    await eventually(async () => (await ip('-n', ns.n2, 'link', 'show')).stdout.includes('flannel.1'), 'flannel.1 back on n2');
    running!.abort.abort();
    await Promise.all(running!.flannels.map((f) => f.done));
    running = undefined;
    // n1 restarts with backend none: it removes what vxlan left.
    const exec1 = systemNetExec({ netns: nsPath(ns.n1) });
    const none = new Flannel({ backend: 'none', nodeName: 'n1', clusterCidr: '10.42.0.0/16', subnetFile: path.join(dir, 'n1', 'subnet.env') }, { nodes, exec: exec1, iptables: new FlannelIptables(exec1, 'nft'), clock: systemClock, log });
    await none.prepare();
    expect(none.mtu).toBeUndefined();
    // n2: what killall's cleanup does, in both iptables backends.
    const exec2 = systemNetExec({ netns: nsPath(ns.n2) });
    const r = await removePodNetwork(exec2, [new FlannelIptables(exec2, 'nft'), new FlannelIptables(exec2, 'legacy')]);
    expect(r.device).toBe(true);
    expect(r.rules).toBeGreaterThan(0);
    for (const n of ['n1', 'n2'] as const) {
      for (const mode of ['nft', 'legacy']) expect((await inNs(ns[n], [`iptables-${mode}-save`])).stdout).not.toContain('FLANNEL');
      expect((await ip('-n', ns[n], 'link', 'show')).stdout).not.toContain('flannel.1');
    }
  });
});
