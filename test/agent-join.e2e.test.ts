// `k3ts agent` joining a `k3ts server`: two nodes, each in its own network namespace on one host
// (test/helpers/netns-cluster.ts), real containerd on both, the real kubectl from the host. The
// agent verifies the server CA against the token's hash, gets its certificates from the supervisor
// endpoints, registers its node and runs pods; logs and exec go through the server to its kubelet.
// Needs root, containerd, runc, the CNI plugins, busybox-static, iproute2 and nsenter.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers/cluster';
import { netnsClusterUnavailable, startNetnsCluster, type NetnsCluster, type NetnsNode } from './helpers/netns-cluster';

const IMAGE = 'k3ts.local/busybox:1';
const unavailable = netnsClusterUnavailable();

type Json = Record<string, any>;

function podJson(name: string, node: string, command: string[]): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { nodeSelector: { 'kubernetes.io/hostname': node }, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: IMAGE, command }] },
  });
}

describe.skipIf(unavailable !== undefined)('k3ts agent joins a server (two nodes in network namespaces)', () => {
  let c: NetnsCluster;

  const running = (name: string): Promise<Json> =>
    eventually(async () => {
      const p = await c.json(['get', 'pod', name]);
      return p.status?.phase === 'Running' && p.status.podIP && p.status.containerStatuses?.every((s: Json) => s.ready) ? p : undefined;
    }, `pod ${name} Running`, 60_000).catch(async (e: unknown) => {
      const pod = (await c.kubectl(['get', 'pod', name, '-o', 'yaml'])).stdout;
      const logs = c.nodes.map((n) => `--- ${n.nodeName}:\n${n.process?.output().slice(-4000) ?? ''}`).join('\n');
      throw new Error(`${(e as Error).message}\n${pod}\n${logs}`);
    });

  beforeAll(async () => {
    c = await startNetnsCluster({ nodes: 2 });
    await c.waitReady();
  }, 300_000);

  afterAll(async () => {
    await c?.stop();
  }, 240_000);

  it('the agent node registers with its own IP, goes Ready, and its join files are private', async () => {
    const n = await c.json(['get', 'node', 'node1']);
    expect(n.status.addresses).toContainEqual({ type: 'InternalIP', address: c.nodes[1]!.ip });
    expect(n.metadata.labels['node-role.kubernetes.io/control-plane']).toBeUndefined();
    expect(n.status.conditions.find((x: Json) => x.type === 'Ready').status).toBe('True');
    const agentDir = path.join(c.nodes[1]!.dataDir, 'agent');
    for (const f of ['client-kubelet.crt', 'client-kubelet.key', 'serving-kubelet.crt', 'serving-kubelet.key', 'client-kube-proxy.key', 'kubelet.kubeconfig', 'kubeproxy.kubeconfig', 'server-ca.crt', 'node-password']) {
      expect(fs.statSync(path.join(agentDir, f)).mode & 0o777, f).toBe(0o600);
    }
    // The node password's hash, not the password, is kept by the server.
    const secret = await c.json(['-n', 'kube-system', 'get', 'secret', 'node1.node-password.k3ts']);
    const password = fs.readFileSync(path.join(agentDir, 'node-password'), 'utf8').trim();
    expect(Buffer.from(secret.data.hash, 'base64').toString()).toMatch(/^scrypt\$/);
    expect(JSON.stringify(secret)).not.toContain(password);
  });

  it('a pod on each node runs; kubectl logs and exec reach the agent node through the server', async () => {
    await c.ok(['apply', '-f', '-'], podJson('on-server', 'node0', ['sh', '-c', 'echo hello from node0; sleep 3600']));
    await c.ok(['apply', '-f', '-'], podJson('on-agent', 'node1', ['sh', '-c', 'echo hello from node1; sleep 3600']));
    const p0 = await running('on-server');
    const p1 = await running('on-agent');
    expect(p0.spec.nodeName).toBe('node0');
    expect(p1.spec.nodeName).toBe('node1');
    expect(p1.status.hostIP).toBe(c.nodes[1]!.ip);
    await eventually(async () => (await c.kubectl(['logs', 'on-agent'])).stdout.includes('hello from node1'), 'logs of the agent-node pod', 20_000);
    const ex = await c.kubectl(['exec', 'on-agent', '--', 'sh', '-c', 'echo exec-ok; exit 3'], { timeoutMs: 30_000 });
    const tail = (i: number) => c.nodes[i]!.process!.output().split('\n').filter((l) => /exec|kubelet-server|proxy|WARN|ERROR/.test(l)).slice(-15).join('\n');
    expect(ex.stdout, `kubectl exec: exit ${ex.exitCode}, stderr ${ex.stderr}\n--- node0:\n${tail(0)}\n--- node1:\n${tail(1)}`).toContain('exec-ok');
    expect(ex.exitCode).toBe(3);
  }, 180_000);

  it('a restarted agent joins again with its node password and keeps its running pod', async () => {
    const before = await running('on-agent');
    await c.restartNode(1);
    expect(c.nodes[1]!.process!.output()).toMatch(/joined the cluster/);
    await c.waitReady();
    const after = await running('on-agent');
    expect(after.status.containerStatuses[0].restartCount).toBe(before.status.containerStatuses[0].restartCount);
    expect(after.status.containerStatuses[0].containerID).toBe(before.status.containerStatuses[0].containerID);
  }, 120_000);

  it('K3TS_URL and K3TS_TOKEN_FILE with a bare password join too (the CA is trusted on first use); --with-node-id suffixes the name', async () => {
    const m = await c.addMachine('env-join');
    const tokenFile = path.join(c.dir, 'bare-token');
    fs.writeFileSync(tokenFile, `${c.token.split(':').pop()}\n`, { mode: 0o600 });
    const p = m.run(['agent', '--data-dir', m.dataDir, '--node-name', 'node-env', '--with-node-id', '--node-ip', m.ip], { K3TS_URL: c.serverUrl, K3TS_TOKEN_FILE: tokenFile });
    await p.waitFor(/k3ts agent is ready/, 60_000);
    expect(p.output()).toMatch(/the token has no K10 CA hash/);
    // --with-node-id appends the id kept in <data-dir>/agent/node-id.
    const name = `node-env-${fs.readFileSync(path.join(m.dataDir, 'agent', 'node-id'), 'utf8').trim()}`;
    expect(name).toMatch(/^node-env-[0-9a-f]{8}$/);
    await eventually(async () => (await c.json(['get', 'node', name])).status?.conditions?.some((x: Json) => x.type === 'Ready' && x.status === 'True'), `${name} to be Ready`, 60_000);
  });

  it('a token pinning another CA is refused before any credential is sent, and the agent exits non-zero', async () => {
    const m = await c.addMachine('wrong-ca');
    const wrong = c.token.replace(/^K10[0-9a-f]{64}/, `K10${'0'.repeat(64)}`);
    const p = m.run(['agent', '--server', c.serverUrl, '--token', wrong, '--data-dir', m.dataDir, '--node-name', 'wrong-ca', '--node-ip', m.ip]);
    const code = await new Promise<number | null>((r) => (p.child.exitCode !== null ? r(p.child.exitCode) : p.child.once('exit', r)));
    expect(code).not.toBe(0);
    expect(p.output()).toMatch(/token CA hash does not match the server's CA certificate/);
    expect(p.output()).toContain('no credentials were sent');
    expect(fs.existsSync(path.join(m.dataDir, 'agent', 'client-kubelet.key'))).toBe(false);
    // The server never saw the node (no password Secret was made).
    expect((await c.kubectl(['-n', 'kube-system', 'get', 'secret', 'wrong-ca.node-password.k3ts'])).exitCode).not.toBe(0);
  });

  it('a second machine reusing a node name with another password is rejected with a clear message', async () => {
    const m = await c.addMachine('impostor');
    const p = m.run(['agent', '--server', c.serverUrl, '--token', c.token, '--data-dir', m.dataDir, '--node-name', 'node1', '--node-ip', m.ip]);
    const code = await new Promise<number | null>((r) => (p.child.exitCode !== null ? r(p.child.exitCode) : p.child.once('exit', r)));
    expect(code).not.toBe(0);
    expect(p.output()).toMatch(/Node password rejected, duplicate hostname/);
    // The real node1 is unaffected.
    const n = await c.json(['get', 'node', 'node1']);
    expect(n.status.addresses).toContainEqual({ type: 'InternalIP', address: c.nodes[1]!.ip });
  });

  it('deleting a Node removes its node password, so a reinstalled machine can take the name', async () => {
    const old = await c.addMachine('reuse-old');
    const p1 = old.run(['agent', '--server', c.serverUrl, '--token', c.token, '--data-dir', old.dataDir, '--node-name', 'node-reuse', '--node-ip', old.ip]);
    await p1.waitFor(/k3ts agent is ready/, 60_000);
    expect((await c.kubectl(['-n', 'kube-system', 'get', 'secret', 'node-reuse.node-password.k3ts'])).exitCode).toBe(0);
    expect(await p1.stop(30_000)).toBe(0);
    await c.ok(['delete', 'node', 'node-reuse']);
    await eventually(async () => (await c.kubectl(['-n', 'kube-system', 'get', 'secret', 'node-reuse.node-password.k3ts'])).exitCode !== 0, 'the node password Secret to be removed', 20_000);
    const fresh = await c.addMachine('reuse-new');
    const p2 = fresh.run(['agent', '--server', c.serverUrl, '--token', c.token, '--data-dir', fresh.dataDir, '--node-name', 'node-reuse', '--node-ip', fresh.ip]);
    await p2.waitFor(/k3ts agent is ready/, 60_000);
    await eventually(async () => (await c.json(['get', 'node', 'node-reuse'])).status?.addresses?.some((a: Json) => a.address === fresh.ip), 'node-reuse registered from the new machine', 30_000);
  }, 120_000);
});

// Two servers on one etcd (each in its own namespace) and an agent joined through the first: the
// agent learns both servers and keeps its node and pods working when the first one stops.
describe.skipIf(unavailable !== undefined || !fs.existsSync('/usr/bin/etcd'))('k3ts agent fails over between servers', () => {
  let c: NetnsCluster;

  beforeAll(async () => {
    c = await startNetnsCluster({ nodes: 3, servers: 2 });
    await c.waitReady();
  }, 300_000);

  afterAll(async () => {
    await c?.stop();
  }, 240_000);

  it('learns every server, and when the one it joined through stops, its node stays Ready and a new pod runs', async () => {
    const [s0, s1, agent] = c.nodes as [NetnsNode, NetnsNode, NetnsNode];
    // The server list comes from /v1-k3ts/apiservers (at join, then refreshed).
    await eventually(async () => {
      const out = agent.process!.output();
      return out.includes(`${s0.ip}:6443`) && out.includes(`${s1.ip}:6443`);
    }, 'the agent to know both servers', 60_000);
    await c.stopNode(0);
    const stoppedAt = Date.now();
    // The node keeps renewing its lease through the second server.
    await eventually(async () => {
      const r = await c.kubectl(['-n', 'kube-node-lease', 'get', 'lease', agent.nodeName, '-o', 'json'], { server: 1, timeoutMs: 10_000 });
      return r.exitCode === 0 && Date.parse(JSON.parse(r.stdout).spec.renewTime) > stoppedAt;
    }, 'the agent node lease to be renewed after the first server stopped', 60_000);
    expect(agent.process!.output()).toMatch(/API load balancer switched server/);
    const pod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'after-failover' }, spec: { nodeName: agent.nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'echo still here; sleep 3600'] }] } });
    await c.kubectl(['apply', '-f', '-'], { input: pod, server: 1 }).then((r) => expect(r.stderr).toBe(''));
    await eventually(async () => {
      const r = await c.kubectl(['get', 'pod', 'after-failover', '-o', 'json'], { server: 1, timeoutMs: 10_000 });
      const p = r.exitCode === 0 ? JSON.parse(r.stdout) : undefined;
      return p?.status?.phase === 'Running';
    }, 'the pod to run on the agent node after failover', 60_000);
    await eventually(async () => (await c.kubectl(['logs', 'after-failover'], { server: 1 })).stdout.includes('still here'), 'its logs through the second server', 20_000);
    const node = JSON.parse((await c.kubectl(['get', 'node', agent.nodeName, '-o', 'json'], { server: 1 })).stdout);
    expect(node.status.conditions.find((x: Json) => x.type === 'Ready').status).toBe('True');
  }, 240_000);
});
