// ServiceLB built into a built `k3ts server` (real containerd, pods, iptables, /usr/bin/kubectl):
// a LoadBalancer Service gets the node's IP as EXTERNAL-IP and answers HTTP there; a second one on
// the same port stays <pending> with a PortInUse event until the port frees up; a Service with a
// loadBalancerClass is left alone; externalTrafficPolicy Local keeps the client's source IP (seen
// by a CGI script in the pod, from a client in a network namespace this test makes) and serves
// the healthCheckNodePort (200 with a local endpoint, 503 without).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSuiteUnavailable, startAgentServer, type AgentServer } from './helpers/agent-cluster';
import { eventually } from './helpers/cluster';

const NODE = 'k3ts-lb-node';
const IMAGE = 'k3ts.local/busybox:1';
const NS = `k3tslb${process.pid}`;
const HOST_END = '198.51.100.1';
const CLIENT = '198.51.100.2';
const unavailable = agentSuiteUnavailable();

type Json = Record<string, any>;

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });

describe.skipIf(unavailable !== undefined)('ServiceLB (built in)', () => {
  let s: AgentServer;
  let nodeIP = '';

  /** NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE of `kubectl get svc <name>`. */
  const externalIP = async (name: string) => (await s.ok(['get', 'service', name, '--no-headers'])).trim().split(/\s+/)[3];

  /** One HTTP GET from the client network namespace (an outside host as far as the node is concerned). */
  const fromOutside = (url: string): string | undefined => {
    try {
      // busybox httpd listens on IPv6 too: REMOTE_ADDR comes as [::ffff:<IPv4>].
      return sh('nsenter', [`--net=/run/netns/${NS}`, 'busybox', 'timeout', '5', 'busybox', 'wget', '-qO-', url]).trim().replace(/^\[(?:::ffff:)?|\]$/g, '');
    } catch {
      return undefined;
    }
  };

  beforeAll(async () => {
    s = await startAgentServer({ nodeName: NODE });
    await eventually(async () => {
      const n = await s.json(['get', 'node', NODE]);
      return n.status?.conditions?.find((c: Json) => c.type === 'Ready')?.status === 'True';
    }, 'the node to be Ready', 60_000);
    nodeIP = (await s.json(['get', 'node', NODE])).status.addresses.find((a: Json) => a.type === 'InternalIP').address;
    // "/" answers the pod's name; /cgi-bin/ip answers the client address the pod sees.
    const serve = [
      'mkdir -p /srv/cgi-bin && hostname > /srv/index.html',
      `printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /srv/cgi-bin/ip && chmod +x /srv/cgi-bin/ip`,
      'exec httpd -f -p 80 -h /srv',
    ].join(' && ');
    const dep = JSON.parse(await s.ok(['create', 'deployment', 'web', `--image=${IMAGE}`, '--replicas=1', '--dry-run=client', '-o', 'json', '--', 'sh', '-c', serve]));
    dep.spec.template.spec.terminationGracePeriodSeconds = 1;
    await s.ok(['apply', '-f', '-'], JSON.stringify(dep));
    await eventually(async () => {
      const list = (await s.json(['get', 'pods', '-l', 'app=web'])).items as Json[];
      return list.length === 1 && list[0]!.status?.phase === 'Running' ? true : undefined;
    }, 'the web pod Running', 90_000);
    // A client "outside" the node: a network namespace behind a veth pair, routed through the host.
    sh('ip', ['netns', 'add', NS]);
    sh('ip', ['link', 'add', `${NS}h`, 'type', 'veth', 'peer', 'name', `${NS}c`]);
    sh('ip', ['link', 'set', `${NS}c`, 'netns', NS]);
    sh('ip', ['addr', 'add', `${HOST_END}/30`, 'dev', `${NS}h`]);
    sh('ip', ['link', 'set', `${NS}h`, 'up']);
    sh('ip', ['-n', NS, 'addr', 'add', `${CLIENT}/30`, 'dev', `${NS}c`]);
    sh('ip', ['-n', NS, 'link', 'set', `${NS}c`, 'up']);
    sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', NS, 'route', 'add', 'default', 'via', HOST_END]);
  }, 240_000);

  afterAll(async () => {
    for (const args of [['link', 'del', `${NS}h`], ['netns', 'del', NS]]) {
      try {
        sh('ip', args);
      } catch {
        // not made
      }
    }
    await s?.stop();
  }, 180_000);

  it('gives a LoadBalancer Service the node IP as EXTERNAL-IP and answers HTTP there', async () => {
    await s.ok(['create', 'service', 'loadbalancer', 'web', '--tcp=8081:80']);
    await s.ok(['patch', 'service', 'web', '-p', '{"spec":{"selector":{"app":"web"}}}']);
    expect(await eventually(async () => ((await externalIP('web')) === nodeIP ? nodeIP : undefined), 'EXTERNAL-IP of web', 30_000)).toBe(nodeIP);
    const pod = ((await s.json(['get', 'pods', '-l', 'app=web'])).items as Json[])[0]!.metadata.name as string;
    const body = await eventually(async () => (await fetch(`http://${nodeIP}:8081/`, { signal: AbortSignal.timeout(3000) })).text(), 'HTTP on the LoadBalancer IP', 30_000);
    expect(body.trim()).toBe(pod);
    expect(await eventually(async () => fromOutside(`http://${nodeIP}:8081/`), 'HTTP from outside the node', 30_000)).toBe(pod);
  });

  it('leaves a second Service on the same port pending with an event, until the port is free', async () => {
    await s.ok(['create', 'service', 'loadbalancer', 'web2', '--tcp=8081:80']);
    const ev = await eventually(async () => {
      const items = (await s.json(['get', 'events'])).items as Json[];
      return items.find((e) => e.involvedObject?.name === 'web2' && e.reason === 'PortInUse');
    }, 'a PortInUse event for web2', 30_000);
    expect(ev.type).toBe('Warning');
    expect(ev.message).toContain('default/web');
    expect(await externalIP('web2')).toBe('<pending>');
    // A Service of another load balancer implementation is not ServiceLB's.
    await s.ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'other-lb' }, spec: { type: 'LoadBalancer', loadBalancerClass: 'example.com/other', selector: { app: 'web' }, ports: [{ port: 8082, targetPort: 80 }] } }));
    await s.ok(['delete', 'service', 'web2']);
    await s.ok(['create', 'service', 'loadbalancer', 'web2', '--tcp=8083:80']);
    expect(await eventually(async () => ((await externalIP('web2')) === nodeIP ? nodeIP : undefined), 'EXTERNAL-IP of web2 on a free port', 30_000)).toBe(nodeIP);
    expect(await externalIP('other-lb')).toBe('<pending>');
  });

  it('externalTrafficPolicy Local keeps the client source IP and serves the healthCheckNodePort', async () => {
    // Cluster policy: the pod sees the masqueraded address, not the client's.
    const before = await eventually(async () => fromOutside(`http://${nodeIP}:8081/cgi-bin/ip`), 'the CGI through the LB', 30_000);
    expect(before).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(before).not.toBe(CLIENT);
    await s.ok(['patch', 'service', 'web', '-p', '{"spec":{"externalTrafficPolicy":"Local"}}']);
    const hc = (await s.json(['get', 'service', 'web'])).spec.healthCheckNodePort as number;
    expect(hc).toBeGreaterThan(0);
    expect(await eventually(async () => (fromOutside(`http://${nodeIP}:8081/cgi-bin/ip`) === CLIENT ? CLIENT : undefined), 'the client address seen by the pod', 30_000)).toBe(CLIENT);
    const health = await eventually(async () => {
      const r = await fetch(`http://${nodeIP}:${hc}/`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
      return r?.status === 200 ? ((await r.json()) as Json) : undefined;
    }, 'the health check node port', 30_000);
    expect(health).toMatchObject({ service: { namespace: 'default', name: 'web' }, localEndpoints: 1 });
    await s.ok(['scale', 'deployment', 'web', '--replicas=0']);
    await eventually(async () => ((await fetch(`http://${nodeIP}:${hc}/`, { signal: AbortSignal.timeout(3000) })).status === 503 ? true : undefined), 'health 503 without local endpoints', 60_000);
  });
});
