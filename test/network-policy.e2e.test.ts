// NetworkPolicy enforcement (pkg/netpol) in the built k3ts, on two nodes in network namespaces
// (test/helpers/netns-cluster.ts): real pods, real kubectl, real iptables in each node's namespace.
// web (np-a, node 1) serves :8080 (port name http) and :9090; clients are in np-a on both nodes and
// in np-b on node 0. Default-deny ingress, an allow by namespaceSelector + podSelector on the named
// port, an ipBlock except, egress deny except one port (enforced on the source's node), relabelling
// (time until access follows, printed), deleting the policies, and the rules' removal when the agent
// stops cleanly. No lock needed: everything lives in namespaces this suite creates.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { eventually } from './helpers/cluster';
import { netnsClusterUnavailable, startNetnsCluster, type NetnsCluster } from './helpers/netns-cluster';

const IMAGE = 'k3ts.local/busybox:1';
type Json = Record<string, any>;
const harnessReady = fs.readFileSync(path.join(__dirname, 'helpers', 'netns-cluster.ts'), 'utf8').includes('// HARNESS-STATUS: ready');

interface PodSpec {
  readonly ns: string;
  readonly name: string;
  readonly node: number;
  readonly labels: Record<string, string>;
}

const WEB: PodSpec = { ns: 'np-a', name: 'web', node: 1, labels: { app: 'web' } };
const CLIENTS: readonly PodSpec[] = [
  { ns: 'np-a', name: 'peer', node: 0, labels: { app: 'peer' } },
  { ns: 'np-a', name: 'near', node: 1, labels: { app: 'near' } },
  { ns: 'np-b', name: 'client', node: 0, labels: { role: 'client' } },
  { ns: 'np-b', name: 'stranger', node: 0, labels: { role: 'other' } },
];

function podJson(p: PodSpec, nodeName: string): string {
  const web = p === WEB;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: p.ns, name: p.name, labels: p.labels },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [
        web
          ? { name: 'web', image: IMAGE, command: ['sh', '-c', 'httpd -p 9090 -h /var/www && exec httpd -f -p 8080 -h /var/www'], ports: [{ name: 'http', containerPort: 8080 }, { name: 'alt', containerPort: 9090 }] }
          : { name: 'c', image: IMAGE, command: ['sleep', '3600'] },
      ],
    },
  });
}

const policyJson = (ns: string, name: string, spec: Json) => JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name }, spec });

describe.skipIf(!harnessReady || netnsClusterUnavailable() !== undefined)('NetworkPolicy enforcement across two nodes', () => {
  let c: NetnsCluster | undefined;
  let webIp = '';
  const ips = new Map<string, string>();

  /**
   * Whether pod `from` gets web's page on `port`: true, false when the connection is refused (the
   * policy REJECT) or times out, undefined when kubectl exec itself failed (retried by the callers).
   */
  const reaches = async (from: string, port = 8080, ip = webIp): Promise<boolean | undefined> => {
    const p = CLIENTS.find((x) => x.name === from)!;
    const r = await c!.kubectl(['-n', p.ns, 'exec', from, '--', 'timeout', '3', 'wget', '-q', '-O', '-', `http://${ip}:${port}/`], { timeoutMs: 20_000 });
    if (r.exitCode === 0 && r.stdout.includes('hello from k3ts')) return true;
    if (/Connection refused|timed out/i.test(r.stderr) || r.exitCode === 143 || r.exitCode === 124) return false;
    lastError = `kubectl exec ${from}: exit ${r.exitCode}: ${r.stderr.trim().slice(0, 300)}`;
    return undefined;
  };
  let lastError = '';
  /** Waits until every `from → port` has the expected outcome. */
  const expectAccess = async (want: Record<string, boolean>, port = 8080, timeoutMs = 30_000) => {
    const seen: Record<string, boolean | undefined> = {};
    try {
      await eventually(
        async () => {
          for (const [from, ok] of Object.entries(want)) if ((seen[from] = await reaches(from, port)) !== ok) return false;
          return true;
        },
        `access to web:${port} ${JSON.stringify(want)}`,
        timeoutMs,
        200,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}; last seen ${JSON.stringify(seen)}; last exec error: ${lastError}`);
    }
  };
  const apply = (json: string) => c!.ok(['apply', '-f', '-'], json);
  const nodeRules = async (i: number) => (await Promise.all(['iptables-nft-save', 'iptables-legacy-save'].map((b) => c!.exec(i, b, [])))).map((r) => r.stdout).join('\n');

  beforeAll(async () => {
    c = await startNetnsCluster({ nodes: 2 });
    await c.waitReady();
    await c.ok(['create', 'namespace', 'np-a']);
    await c.ok(['create', 'namespace', 'np-b']);
    await c.ok(['label', 'namespace', 'np-a', 'team=a']);
    await c.ok(['label', 'namespace', 'np-b', 'team=b']);
    for (const p of [WEB, ...CLIENTS]) await apply(podJson(p, c.nodes[p.node]!.nodeName));
    for (const p of [WEB, ...CLIENTS]) {
      const ip = await eventually(async () => {
        const o = await c!.json(['-n', p.ns, 'get', 'pod', p.name]);
        return o.status?.phase === 'Running' && o.status.podIP ? (o.status.podIP as string) : undefined;
      }, `pod ${p.ns}/${p.name} Running`, 120_000, 300);
      ips.set(p.name, ip);
    }
    webIp = ips.get('web')!;
  }, 300_000);
  afterAll(async () => {
    await c?.stop();
  }, 180_000);

  it('without policies every pod reaches web on both ports; the node chains are in place first in FORWARD', async () => {
    await expectAccess({ peer: true, near: true, client: true, stranger: true }, 8080, 30_000);
    await expectAccess({ client: true }, 9090);
    const rules = await nodeRules(1);
    const forward = rules.split('\n').filter((l) => l.startsWith('-A FORWARD '));
    expect(forward[0]).toBe('-A FORWARD -m comment --comment "k3ts network policy" -j NWPLCY-FORWARD');
  }, 120_000);

  it('default-deny ingress blocks pods of another namespace and of the same one (other node and same node); the node itself still reaches its pod', async () => {
    await apply(policyJson('np-a', 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] }));
    await expectAccess({ peer: false, near: false, client: false, stranger: false });
    const fromNode = await c!.exec(1, 'timeout', ['3', 'busybox', 'wget', '-q', '-O', '-', `http://${webIp}:8080/`]);
    expect(fromNode.stdout).toContain('hello from k3ts');
  }, 120_000);

  it('an allow by namespaceSelector + podSelector on the named port opens exactly that path', async () => {
    await apply(
      policyJson('np-a', 'allow-client', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } }, podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 'http' }] }],
      }),
    );
    await expectAccess({ client: true, stranger: false, peer: false, near: false });
    // The named port is 8080 only: 9090 stays closed for the allowed client.
    await expectAccess({ client: false }, 9090);
  }, 120_000);

  it('an ipBlock except closes one address', async () => {
    await c!.ok(['-n', 'np-a', 'delete', 'networkpolicy', 'allow-client']);
    await apply(policyJson('np-a', 'allow-range', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.42.0.0/16', except: [`${ips.get('client')}/32`] } }] }] }));
    await expectAccess({ client: false, stranger: true, peer: true, near: true });
  }, 120_000);

  it('egress deny blocks outbound except to the allowed port (enforced on the source node)', async () => {
    await c!.ok(['-n', 'np-a', 'delete', 'networkpolicy', '--all']);
    await expectAccess({ client: true, stranger: true });
    // The client's own node (its kubelet port) is a destination too: egress to it goes through INPUT.
    const node0 = await c!.json(['get', 'node', c!.nodes[0]!.nodeName]);
    const kubelet = `http://${c!.nodes[0]!.ip}:${node0.status.daemonEndpoints.kubeletEndpoint.Port}/`;
    const toNode = async () => (await c!.kubectl(['-n', 'np-b', 'exec', 'client', '--', 'timeout', '3', 'wget', '-q', '-O', '-', kubelet], { timeoutMs: 20_000 })).stderr;
    expect(await toNode()).not.toMatch(/refused/);
    await apply(policyJson('np-b', 'egress-9090', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 9090, protocol: 'TCP' }] }] }));
    await expectAccess({ client: false, stranger: true });
    await expectAccess({ client: true }, 9090);
    await eventually(async () => /Connection refused/.test(await toNode()), 'the client\'s egress to its node\'s kubelet refused', 20_000, 200);
    // Enforced where the source lives: node 0 has the client's egress chain, node 1 none.
    expect(await nodeRules(0)).toContain(`-A NWPLCY-FORWARD -s ${ips.get('client')}/32`);
    expect(await nodeRules(1)).not.toContain(`-s ${ips.get('client')}/32`);
    await c!.ok(['-n', 'np-b', 'delete', 'networkpolicy', 'egress-9090']);
    await expectAccess({ client: true }, 8080);
  }, 120_000);

  it('relabelling a pod: access follows (time printed); deleting the policies restores access', async () => {
    await apply(policyJson('np-a', 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] }));
    await apply(
      policyJson('np-a', 'allow-client', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } }, podSelector: { matchLabels: { role: 'client' } } }] }],
      }),
    );
    await expectAccess({ client: true, stranger: false });
    const stranger = `-s ${ips.get('stranger')}/32`;
    // Time from the label change (kubectl label returned) to the rule on web's node, and to access.
    const follow = async (label: string, want: boolean) => {
      await c!.ok(['-n', 'np-b', 'label', 'pod', 'stranger', label, '--overwrite']);
      const t0 = Date.now();
      await eventually(async () => (await nodeRules(1)).includes(stranger) === want, `stranger's rule ${want ? 'added' : 'removed'} after ${label}`, 10_000, 20);
      const rule = Date.now() - t0;
      await eventually(async () => (await reaches('stranger')) === want, `stranger access ${want} after ${label}`, 20_000, 20);
      return { rule, access: Date.now() - t0 };
    };
    const opened = await follow('role=client', true);
    const closed = await follow('role=other', false);
    console.log(`network policy: after a relabel the rules followed in ${opened.rule} ms (opened) / ${closed.rule} ms (closed), access in ${opened.access} / ${closed.access} ms (polling iptables-save and kubectl exec)`);
    await expectAccess({ client: true });

    await c!.ok(['-n', 'np-a', 'delete', 'networkpolicy', '--all']);
    await expectAccess({ peer: true, near: true, client: true, stranger: true });
    await expectAccess({ stranger: true }, 9090);
  }, 120_000);

  it('a clean agent stop removes every NWPLCY chain and jump from the node', async () => {
    await apply(policyJson('np-a', 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] }));
    await eventually(async () => (await nodeRules(1)).includes('-j REJECT'), 'the reject rule on node 1');
    await c!.stopNode(1);
    const rules = await nodeRules(1);
    expect(rules).not.toContain('NWPLCY');
  }, 120_000);

  it('an agent with --disable-network-policy enforces nothing and removes leftover NWPLCY chains at start', async () => {
    const m = await c!.addMachine('np-off');
    // A leftover of an earlier run with enforcement on.
    execFileSync('nsenter', [`--net=/run/netns/${m.netns}`, 'iptables', '-w', '-N', 'NWPLCY-LEFTOVER']);
    const p = m.run(['agent', '--server', c!.serverUrl, '--token', c!.token, '--data-dir', m.dataDir, '--node-name', 'np-off', '--node-ip', m.ip, '--disable-network-policy']);
    await p.waitFor(/k3ts agent is ready/, 90_000);
    const saveIn = () => ['iptables-nft-save', 'iptables-legacy-save'].map((b) => execFileSync('nsenter', [`--net=/run/netns/${m.netns}`, b], { encoding: 'utf8' })).join('\n');
    expect(saveIn()).not.toContain('NWPLCY');
    await apply(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'np-a', name: 'open', labels: { app: 'web' } }, spec: { nodeName: 'np-off', terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: IMAGE, command: ['httpd', '-f', '-p', '8080', '-h', '/var/www'] }] } }));
    const openIp = await eventually(async () => {
      const o = await c!.json(['-n', 'np-a', 'get', 'pod', 'open']);
      return o.status?.phase === 'Running' && o.status.podIP ? (o.status.podIP as string) : undefined;
    }, 'pod np-a/open Running', 120_000, 300);
    // np-a's default-deny selects the pod, but its node does not enforce it.
    expect((await c!.json(['-n', 'np-a', 'get', 'networkpolicy', 'default-deny'])).spec.podSelector).toEqual({});
    await eventually(async () => (await reaches('stranger', 8080, openIp)) === true, 'stranger → open on the node without enforcement', 30_000, 200);
    expect(saveIn()).not.toContain('NWPLCY');
  }, 240_000);
});
