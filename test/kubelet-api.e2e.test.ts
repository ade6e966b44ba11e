// The kubelet API beyond logs and exec, end to end through the API server with the real kubectl and
// real containerd: port-forward (SPDY relayed to containerd's streaming server), attach, exec with
// piped stdin, /stats/summary and /metrics/resource, and the built-in metrics.k8s.io API behind
// `kubectl top`. Needs root, containerd, runc, the CNI plugins and busybox-static; skipped otherwise.
// Run under `flock /tmp/k3ts-agent-e2e.lock` (real pods in the host's network namespace).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSuiteUnavailable, startAgentServer, type AgentServer } from './helpers/agent-cluster';
import { PATH_WITH_HOST_TOOLS, freePort } from './helpers/binary';
import { KUBECTL, eventually } from './helpers/cluster';

const NODE = 'k3ts-kapi-node';
const IMAGE = 'k3ts.local/busybox:1';
const unavailable = agentSuiteUnavailable();

type Json = Record<string, any>;

function podJson(name: string, spec: Json, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, ...spec } });
}

function httpGet(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** GET a kubelet API path with one of the server's client certificates. */
function kubeletGet(s: AgentServer, port: number, urlPath: string, client: string): Promise<{ status: number; body: string; type: string }> {
  const tlsDir = path.join(s.dataDir, 'server', 'tls');
  const read = (f: string) => fs.readFileSync(path.join(tlsDir, f), 'utf8');
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: urlPath, ca: read('server-ca.crt'), cert: read(`${client}.crt`), key: read(`${client}.key`), agent: false, servername: 'localhost' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
  });
}

/** A long-running kubectl (port-forward, attach) with its output collected. */
function startKubectl(s: AgentServer, args: readonly string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(KUBECTL, [...args], { env: { PATH: PATH_WITH_HOST_TOOLS, HOME: s.dir, KUBECONFIG: s.kubeconfig } });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

async function stop(k: { child: ChildProcess; exited: Promise<number | null> }): Promise<void> {
  if (k.child.exitCode === null && k.child.signalCode === null) k.child.kill('SIGTERM');
  await k.exited;
}

describe.skipIf(unavailable !== undefined)('kubelet API: port-forward, attach, stats, metrics API (real containerd)', () => {
  let s: AgentServer;
  const running = async (name: string): Promise<Json> =>
    eventually(async () => {
      const p = await s.json(['get', 'pod', name]);
      return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c: Json) => c.ready) ? p : undefined;
    }, `pod ${name} Running`, 60_000);

  beforeAll(async () => {
    s = await startAgentServer({ nodeName: NODE });
    await eventually(async () => {
      const n = await s.json(['get', 'node', NODE]);
      return n.status?.conditions?.find((c: Json) => c.type === 'Ready')?.status === 'True';
    }, 'the node to be Ready', 60_000);
    await s.ok(['apply', '-f', '-'], podJson('web', { containers: [{ name: 'web', image: IMAGE, command: ['httpd', '-f', '-p', '80', '-h', '/var/www'] }] }, { app: 'web' }));
    await running('web');
  }, 180_000);

  afterAll(async () => {
    await s?.stop();
  }, 180_000);

  it('kubectl port-forward serves an HTTP request from the pod', async () => {
    const local = await freePort();
    const pf = startKubectl(s, ['port-forward', 'pod/web', `${local}:80`]);
    try {
      await eventually(async () => pf.out().includes(`Forwarding from 127.0.0.1:${local}`) || (pf.child.exitCode !== null ? Promise.reject(new Error(pf.out())) : undefined), 'port-forward to listen', 30_000);
      const r = await httpGet(local);
      expect(r.status).toBe(200);
      expect(r.body).toBe('hello from k3ts\n');
      // A second connection over the same SPDY session.
      expect((await httpGet(local)).body).toBe('hello from k3ts\n');
    } finally {
      await stop(pf);
    }
  }, 60_000);

  it('pods/portforward needs create on pods/portforward (RBAC)', async () => {
    await s.ok(['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods']);
    await s.ok(['create', 'rolebinding', 'alice-reader', '--role=pod-reader', '--user=alice']);
    const local = await freePort();
    const denied = await s.kubectl(['--as=alice', 'port-forward', 'pod/web', `${local}:80`], { timeoutMs: 30_000 });
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden|Forbidden/);
    await s.ok(['create', 'role', 'pod-forwarder', '--verb=create', '--resource=pods/portforward']);
    await s.ok(['create', 'rolebinding', 'alice-forwarder', '--role=pod-forwarder', '--user=alice']);
    const pf = startKubectl(s, ['--as=alice', 'port-forward', 'pod/web', `${local}:80`]);
    try {
      await eventually(async () => {
        if (!pf.out().includes('Forwarding from')) return pf.child.exitCode !== null ? Promise.reject(new Error(pf.out())) : undefined;
        return (await httpGet(local).catch(() => undefined))?.body === 'hello from k3ts\n';
      }, 'alice to port-forward once allowed', 30_000);
    } finally {
      await stop(pf);
    }
  }, 60_000);

  it('@kubernetes/client-node port-forward (channel WebSocket) reaches the pod too', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(s.kubeconfig);
    let received = '';
    const output = new Writable({
      write(chunk: Buffer, _enc, cb) {
        received += chunk.toString();
        cb();
      },
    });
    const input = new PassThrough();
    const ws = (await new k8s.PortForward(kc).portForward('default', 'web', [80], output, null, input)) as { close(): void };
    try {
      input.write('GET / HTTP/1.0\r\nHost: web\r\n\r\n');
      await eventually(async () => received.includes('hello from k3ts'), 'the HTTP answer through client-node', 20_000);
      expect(received).toMatch(/^HTTP\/1\.[01] 200/);
    } finally {
      ws.close();
    }
  }, 40_000);

  it('exec -i with piped stdin ends when stdin does', async () => {
    const r = await s.kubectl(['exec', '-i', 'web', '--', 'cat'], { input: 'hi\n', timeoutMs: 30_000 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('hi'); // execa strips the final newline
    // The exit status still arrives (error stream) after stdin closed; stderr stays separate.
    const e = await s.kubectl(['exec', '-i', 'web', '--', 'sh', '-c', 'cat; echo oops >&2; exit 3'], { input: 'a\nb\n', timeoutMs: 30_000 });
    expect(e.exitCode).toBe(3);
    expect(e.stdout).toBe('a\nb');
    expect(e.stderr).toContain('oops');
    // Larger input than one frame, then EOF.
    const big = 'x'.repeat(200_000) + '\n';
    const w = await s.kubectl(['exec', '-i', 'web', '--', 'wc', '-c'], { input: big, timeoutMs: 30_000 });
    expect(w.exitCode).toBe(0);
    expect(w.stdout.trim()).toBe(String(big.length));
  }, 60_000);

  it('exec -it (a TTY over SPDY to the runtime) returns the exit code and passes the terminal size', async () => {
    const run = (cmd: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn('script', ['-qec', `stty rows 21 cols 77; ${KUBECTL} exec -it web -- ${cmd}`, '/dev/null'], { env: { PATH: PATH_WITH_HOST_TOOLS, HOME: s.dir, KUBECONFIG: s.kubeconfig, TERM: 'dumb' } });
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        c.stderr.on('data', (d: Buffer) => (out += d.toString()));
        c.stdin.end();
        c.on('exit', (code) => resolve({ code, out }));
      });
    expect((await run(`sh -c 'exit 3'`)).code).toBe(3);
    // The size arrives on the resize stream just after the process starts: poll for it in the container.
    const size = await run(`sh -c 'for i in $(seq 100); do s=$(stty size 2>/dev/null); [ -n "$s" ] && [ "$s" != "0 0" ] && break; sleep 0.1; done; echo "size=$s"'`);
    expect(size.code).toBe(0);
    expect(size.out).toContain('size=21 77');
  }, 60_000);

  it('kubelet /stats/summary and /metrics/resource report the node and the pod; other callers need nodes/stats|metrics (SubjectAccessReview)', async () => {
    const node = await s.json(['get', 'node', NODE]);
    const port = node.status.daemonEndpoints.kubeletEndpoint.Port as number;
    const summary = await kubeletGet(s, port, '/stats/summary', 'client-kube-apiserver');
    expect(summary.status).toBe(200);
    const sum = JSON.parse(summary.body);
    expect(sum.node.nodeName).toBe(NODE);
    expect(sum.node.cpu.usageCoreNanoSeconds).toBeGreaterThan(0);
    expect(sum.node.memory.workingSetBytes).toBeGreaterThan(0);
    const web = sum.pods.find((p: Json) => p.podRef.name === 'web' && p.podRef.namespace === 'default');
    expect(web.containers.map((c: Json) => c.name)).toEqual(['web']);
    expect(web.memory.workingSetBytes).toBeGreaterThan(0);
    const m = await kubeletGet(s, port, '/metrics/resource', 'client-kube-apiserver');
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain; version=0.0.4/);
    expect(m.body).toMatch(/^node_cpu_usage_seconds_total [\d.e+]+ \d+$/m);
    expect(m.body).toMatch(/^node_memory_working_set_bytes \d+ \d+$/m);
    expect(m.body).toMatch(/^container_cpu_usage_seconds_total\{container="web",namespace="default",pod="web"\} [\d.e+-]+ \d+$/m);
    expect(m.body).toMatch(/^container_memory_working_set_bytes\{container="web",namespace="default",pod="web"\} \d+ \d+$/m);
    expect(m.body).toMatch(/^pod_memory_working_set_bytes\{namespace="default",pod="web"\} \d+ \d+$/m);
    expect(m.body).toMatch(/^resource_scrape_error 0$/m);
    // Other callers are authorized by the API server (SubjectAccessReview on nodes/<subresource>):
    // the scheduler's certificate may not read stats; given get on nodes/metrics it may scrape
    // /metrics/resource, and still not /stats/summary or the pods' logs (nodes/proxy).
    const denied = await kubeletGet(s, port, '/stats/summary', 'client-scheduler');
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body)).toMatchObject({ kind: 'Status', reason: 'Forbidden', message: expect.stringContaining('subresource=stats') });
    await s.ok(['create', 'clusterrole', 'metrics-scraper', '--verb=get', '--resource=nodes/metrics']);
    await s.ok(['create', 'clusterrolebinding', 'scheduler-scrapes', '--clusterrole=metrics-scraper', '--user=system:kube-scheduler']);
    await eventually(async () => (await kubeletGet(s, port, '/metrics/resource', 'client-scheduler')).status === 200, 'the scheduler to scrape once allowed', 20_000);
    expect((await kubeletGet(s, port, '/stats/summary', 'client-scheduler')).status).toBe(403);
    expect((await kubeletGet(s, port, '/containerLogs/default/web/web', 'client-scheduler')).status).toBe(403);
  }, 40_000);

  it('kubectl top node and kubectl top pod show numbers (metrics.k8s.io served by the API server)', async () => {
    const groups = await s.ok(['api-versions']);
    expect(groups.split('\n')).toContain('metrics.k8s.io/v1beta1');
    const nodeRow = await eventually(async () => {
      const r = await s.kubectl(['top', 'node']);
      return r.exitCode === 0 ? r.stdout.split('\n').find((l) => l.startsWith(NODE)) : undefined;
    }, 'kubectl top node to show the node', 60_000);
    expect(nodeRow).toMatch(new RegExp(`^${NODE}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`));
    const podRow = await eventually(async () => {
      const r = await s.kubectl(['top', 'pod', 'web']);
      return r.exitCode === 0 ? r.stdout.split('\n').find((l) => l.startsWith('web ')) : undefined;
    }, 'kubectl top pod to show the pod', 60_000);
    expect(podRow).toMatch(/^web\s+\d+m\s+\d+Mi\s*$/);
    const byLabel = await s.ok(['top', 'pod', '-l', 'app=web', '--containers']);
    expect(byLabel).toMatch(/^web\s+web\s+\d+m\s+\d+Mi/m);
    const none = await s.kubectl(['top', 'pod', '-l', 'app=nothing']);
    expect(none.stdout + none.stderr).toMatch(/No resources found/);
    const list = JSON.parse(await s.ok(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods']));
    expect(list.kind).toBe('PodMetricsList');
    const web = list.items.find((i: Json) => i.metadata.name === 'web');
    expect(web).toMatchObject({ kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1', metadata: { namespace: 'default', labels: { app: 'web' } }, window: expect.stringMatching(/^[\d.]+s$/) });
    expect(web.containers[0].usage.cpu).toMatch(/^\d+n$/);
    // kubectl get asks for a Table: metrics-server's columns.
    const tableOut = await s.ok(['get', 'pods.metrics.k8s.io', 'web']);
    expect(tableOut).toMatch(/^NAME\s+CPU\s+MEMORY\s+WINDOW\s*\nweb\s+\d+m\s+\d+Ki\s+[\d.]+s/);
    const missing = await s.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes/no-such-node']);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toMatch(/NotFound|not found/);
  }, 90_000);

  it('metrics.k8s.io is readable through the view role (aggregated-metrics-reader), not without it', async () => {
    const role = await s.json(['get', 'clusterrole', 'system:aggregated-metrics-reader']);
    expect(role.metadata.labels['rbac.authorization.k8s.io/aggregate-to-view']).toBe('true');
    const denied = await s.kubectl(['--as=bob', 'top', 'pod']);
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden/i);
    await s.ok(['create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob']);
    await eventually(async () => (await s.kubectl(['--as=bob', 'top', 'pod', 'web'])).exitCode === 0, 'bob to read pod metrics once bound to view', 20_000);
  }, 40_000);

  it('kubectl attach streams the main process output; attach -it drives a TTY shell and passes the terminal size', async () => {
    await s.ok(['apply', '-f', '-'], podJson('ticker', { containers: [{ name: 'c', image: IMAGE, command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.2; done'] }] }));
    await s.ok(['apply', '-f', '-'], podJson('shell', { restartPolicy: 'Never', containers: [{ name: 'sh', image: IMAGE, command: ['sh'], stdin: true, tty: true }] }));
    await running('ticker');
    await running('shell');
    const plain = startKubectl(s, ['attach', 'ticker']);
    try {
      await eventually(async () => /tick-\d+\n[\s\S]*tick-\d+\n/.test(plain.out()) || (plain.child.exitCode !== null ? Promise.reject(new Error(plain.out())) : undefined), 'attach to show the ticker output', 30_000);
    } finally {
      await stop(plain);
    }
    // `script` gives kubectl a terminal (so -t is honoured) of a known size.
    const tty = spawn('script', ['-qec', `stty rows 33 cols 111; ${KUBECTL} attach -it shell`, '/dev/null'], { env: { PATH: PATH_WITH_HOST_TOOLS, HOME: s.dir, KUBECONFIG: s.kubeconfig, TERM: 'dumb' } });
    let out = '';
    tty.stdout.on('data', (d: Buffer) => (out += d.toString()));
    tty.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => tty.on('exit', (code) => resolve(code)));
    try {
      await eventually(async () => {
        tty.stdin.write('echo marker-$((6*7)); stty size\n');
        return /marker-42\s+33 111/.test(out) || (tty.exitCode !== null ? Promise.reject(new Error(out)) : undefined);
      }, 'the TTY shell to answer through attach -it', 30_000, 1000);
      tty.stdin.write('exit\n');
      expect(await exited).toBe(0);
    } finally {
      if (tty.exitCode === null) tty.kill('SIGTERM');
    }
    await eventually(async () => (await s.json(['get', 'pod', 'shell'])).status?.phase === 'Succeeded', 'the shell pod to complete after exit', 30_000);
  }, 90_000);
});
