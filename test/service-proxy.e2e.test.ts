// The service proxy in the agent of a built `k3ts server` (real containerd, real pods, real
// iptables): ClusterIP spread over ready endpoints, NodePort from the host, endpoint changes
// followed, REJECT without endpoints, hairpin, and every K3TS-* chain removed by killall.
// Needs root, containerd, runc, the CNI plugins, busybox-static and iptables; skipped otherwise.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSuiteUnavailable, startAgentServer, type AgentServer } from './helpers/agent-cluster';
import { eventually } from './helpers/cluster';

const NODE = 'k3ts-proxy-node';
const IMAGE = 'k3ts.local/busybox:1';
const unavailable = agentSuiteUnavailable();

type Json = Record<string, any>;

function allRules(): string {
  let out = '';
  for (const mode of ['nft', 'legacy']) {
    try {
      out += execFileSync(`iptables-${mode}-save`, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // backend not installed
    }
  }
  return out;
}

describe.skipIf(unavailable !== undefined)('service proxy (iptables) in the k3ts agent', () => {
  let s: AgentServer;
  let clusterIP = '';
  let nodePort = 0;
  let nodeIP = '';

  const webPods = async (n: number): Promise<Json[]> =>
    eventually(async () => {
      const list = (await s.json(['get', 'pods', '-l', 'app=web'])).items as Json[];
      return list.length === n && list.every((p) => p.status?.phase === 'Running' && p.status.podIP && !p.metadata.deletionTimestamp) ? list : undefined;
    }, `${n} web replicas Running`, 60_000);

  /** One request from the client pod to the ClusterIP: the answering pod's name, or undefined. */
  const viaClusterIP = async (pod = 'client'): Promise<string | undefined> => {
    const r = await s.kubectl(['exec', pod, '--', 'timeout', '3', 'wget', '-qO-', `http://${clusterIP}:8080/`]);
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  };

  /** Names answering over `n` requests. */
  const answers = async (n: number, pod = 'client'): Promise<Set<string | undefined>> => {
    const seen = new Set<string | undefined>();
    for (let i = 0; i < n; i++) seen.add(await viaClusterIP(pod));
    return seen;
  };

  beforeAll(async () => {
    s = await startAgentServer({ nodeName: NODE });
    await eventually(async () => {
      const n = await s.json(['get', 'node', NODE]);
      return n.status?.conditions?.find((c: Json) => c.type === 'Ready')?.status === 'True';
    }, 'the node to be Ready', 60_000);
    nodeIP = (await s.json(['get', 'node', NODE])).status.addresses.find((a: Json) => a.type === 'InternalIP').address;
    // Each replica serves its own name, so replies tell the backends apart.
    const serve = 'mkdir -p /srv && hostname > /srv/index.html && exec httpd -f -p 80 -h /srv';
    const dep = JSON.parse(await s.ok(['create', 'deployment', 'web', `--image=${IMAGE}`, '--replicas=2', '--dry-run=client', '-o', 'json', '--', 'sh', '-c', serve]));
    dep.spec.template.spec.terminationGracePeriodSeconds = 1;
    await s.ok(['apply', '-f', '-'], JSON.stringify(dep));
    await s.ok(['create', 'service', 'nodeport', 'web', '--tcp=8080:80']);
    await s.ok(['run', 'client', `--image=${IMAGE}`, '--overrides={"apiVersion":"v1","spec":{"terminationGracePeriodSeconds":1}}', '--', 'sleep', '3600']);
    await eventually(async () => (await s.json(['get', 'pod', 'client'])).status?.phase === 'Running', 'client pod Running', 60_000);
    await webPods(2);
    const svc = await s.json(['get', 'service', 'web']);
    clusterIP = svc.spec.clusterIP;
    nodePort = svc.spec.ports[0].nodePort;
  }, 240_000);

  afterAll(async () => {
    await s?.stop();
    expect(allRules()).not.toMatch(/K3TS-/);
  }, 180_000);

  it('programs the K3TS chains in the nat and filter tables, hooked from the built-in chains', async () => {
    // Both backends: the pods may be Running before their endpoints reach the proxy.
    const rules = await eventually(async () => {
      const r = allRules();
      return r.includes(`-d ${clusterIP}/32`) && r.match(/-j DNAT --to-destination 10\.42\.\d+\.\d+:80/g)?.length === 2 ? r : undefined;
    }, 'rules for the ClusterIP and both backends', 20_000);
    // Like kube-proxy: the backend that already has rules, nft by default (it is Debian's default).
    expect(s.process.output()).toMatch(/service proxy started.*iptables=(nft|legacy)/);
    expect(s.process.output()).not.toMatch(/service rules sync failed/);
    expect(rules).toMatch(/-A PREROUTING .*-j K3TS-SERVICES/);
    expect(rules).toMatch(/-A OUTPUT .*-j K3TS-SERVICES/);
    expect(rules).toMatch(/-A POSTROUTING .*-j K3TS-POSTROUTING/);
    expect(rules).toMatch(/-A K3TS-SVC-\S+ -m statistic --mode random --probability 0\.5/);
    expect(rules.match(/-j DNAT --to-destination 10\.42\.\d+\.\d+:80/g)?.length).toBe(2);
  });

  it('a ClusterIP spreads requests from a pod over both ready backends', async () => {
    const names = new Set((await webPods(2)).map((p) => p.metadata.name as string));
    const seen = await eventually(async () => {
      const got = await answers(12);
      return [...names].every((n) => got.has(n)) ? got : undefined;
    }, 'both backends to answer through the ClusterIP', 60_000);
    expect([...seen].filter((x) => x !== undefined).sort()).toEqual([...names].sort());
  });

  it('the NodePort answers from the host on the node IP and on localhost, and the ClusterIP from the host too', async () => {
    const names = new Set((await webPods(2)).map((p) => p.metadata.name as string));
    for (const url of [`http://${nodeIP}:${nodePort}/`, `http://127.0.0.1:${nodePort}/`, `http://${clusterIP}:8080/`]) {
      const body = await eventually(async () => (await fetch(url, { signal: AbortSignal.timeout(3000) })).text(), `HTTP on ${url}`, 20_000);
      expect(names.has(body.trim())).toBe(true);
    }
  });

  it('sessionAffinity ClientIP sends every request of one client to one backend', async () => {
    await s.ok(['patch', 'service', 'web', '-p', '{"spec":{"sessionAffinity":"ClientIP"}}']);
    await eventually(async () => (/-m recent --rcheck .*--name K3TS-SEP-/.test(allRules()) ? true : undefined), 'affinity rules', 20_000);
    const got = await answers(8);
    expect(got.size).toBe(1);
    expect(got.has(undefined)).toBe(false);
    await s.ok(['patch', 'service', 'web', '-p', '{"spec":{"sessionAffinity":"None"}}']);
    await eventually(async () => (/-m recent/.test(allRules()) ? undefined : true), 'affinity rules gone', 20_000);
  });

  it('an externalIP of the Service answers from a pod', async () => {
    await s.ok(['patch', 'service', 'web', '-p', '{"spec":{"externalIPs":["192.0.2.123"]}}']);
    const names = new Set((await webPods(2)).map((p) => p.metadata.name as string));
    const body = await eventually(async () => {
      const r = await s.kubectl(['exec', 'client', '--', 'timeout', '3', 'wget', '-qO-', 'http://192.0.2.123:8080/']);
      return r.exitCode === 0 ? r.stdout.trim() : undefined;
    }, 'HTTP on the external IP', 20_000);
    expect(names.has(body)).toBe(true);
  });

  it('follows endpoint changes: one replica left → only it answers (and it reaches itself: hairpin); none → rejected at once', async () => {
    await s.ok(['scale', 'deployment', 'web', '--replicas=1']);
    const [left] = await webPods(1);
    const name = left!.metadata.name as string;
    await eventually(async () => {
      const got = await answers(6);
      return got.size === 1 && got.has(name) ? true : undefined;
    }, 'only the remaining replica to answer', 30_000);
    expect(await viaClusterIP(name)).toBe(name);

    await s.ok(['scale', 'deployment', 'web', '--replicas=0']);
    await webPods(0);
    const r = await eventually(async () => {
      const t0 = Date.now();
      const out = await s.kubectl(['exec', 'client', '--', 'timeout', '5', 'wget', '-qO-', `http://${clusterIP}:8080/`]);
      const ms = Date.now() - t0;
      return out.exitCode !== 0 && /refused/i.test(out.stderr) ? { ms, stderr: out.stderr } : undefined;
    }, 'the Service without endpoints to reject', 30_000);
    // "Connection refused" is the REJECT's ICMP port-unreachable: no waiting for a timeout.
    expect(r.stderr).toMatch(/refused/i);
    console.log(`no endpoints → wget refused after ${r.ms} ms (kubectl exec included)`);
    expect(allRules()).toMatch(/default\/web:\S* has no endpoints\\?" -j REJECT/);

    // And back: once the new replicas are Running, both answer again.
    await s.ok(['scale', 'deployment', 'web', '--replicas=2']);
    const names = new Set((await webPods(2)).map((p) => p.metadata.name as string));
    const t0 = Date.now();
    await eventually(async () => {
      const got = await answers(10);
      return [...names].every((n) => got.has(n)) ? true : undefined;
    }, 'both new replicas to answer', 30_000);
    console.log(`scaled 0 → 2: both replicas answered ${Date.now() - t0} ms after they were Running`);
  });
});
