import * as http from 'node:http';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../client/clock';
import { silentLogger } from '../../log/logger';
import { FakeRuntime } from '../cri/fake-runtime';
import type { ContainerSpec, ProbeSpec } from '../pod-types';
import { decodeHealthCheckResponse, encodeHealthCheckRequest } from './grpc-health';
import { ProberManager, type ProbedContainer } from './prober-manager';
import { runHandler } from './run-handler';

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** Moves the fake clock in 100 ms steps, letting the probe loops run in between. */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await flush();
  }
}

function harness(results: (kind: string, n: number) => boolean) {
  const clock = new FakeClock();
  const changes: string[] = [];
  const calls: string[] = [];
  const prober = new ProberManager({
    runtime: new FakeRuntime(),
    clock,
    log: silentLogger(),
    onChange: (uid) => changes.push(uid),
    run: async (probe: ProbeSpec) => {
      const kind = String(probe.exec?.command?.[0]);
      calls.push(kind);
      return { ok: results(kind, calls.filter((c) => c === kind).length), message: '' };
    },
  });
  const container = (spec: Partial<ContainerSpec>, id = 'c1'): ProbedContainer => ({ podUid: 'u1', podName: 'p_ns(u1)', id, spec: { name: 'c', ...spec }, startedAtMs: clock.now(), podIP: '127.0.0.1' });
  return { clock, changes, calls, prober, container };
}

const probe = (kind: string, extra: Partial<ProbeSpec> = {}): ProbeSpec => ({ exec: { command: [kind] }, periodSeconds: 1, ...extra });

describe('ProberManager', () => {
  it('liveness: fails for good only after failureThreshold failures in a row, then stops probing', async () => {
    const h = harness((_k, n) => n === 1 || n === 3);
    h.prober.update('u1', [h.container({ livenessProbe: probe('live', { failureThreshold: 2 }) })]);
    await flush();
    expect(h.prober.failure('c1')).toBeUndefined();
    await advance(h.clock, 2000); // probes 2 (fail), 3 (ok): the streak is broken
    expect(h.prober.failure('c1')).toBeUndefined();
    await advance(h.clock, 2000); // probes 4, 5 fail
    expect(h.prober.failure('c1')).toMatch(/failed liveness probe, will be restarted/);
    expect(h.changes).toEqual(['u1']);
    const n = h.calls.length;
    await advance(h.clock, 3000);
    expect(h.calls.length).toBe(n);
    expect(h.prober.ready('c1')).toBe(false);
  });

  it('readiness: not ready until successThreshold successes; not ready again after failureThreshold failures', async () => {
    let healthy = true;
    const h = harness(() => healthy);
    h.prober.update('u1', [h.container({ readinessProbe: probe('ready', { successThreshold: 2, failureThreshold: 2 }) })]);
    expect(h.prober.ready('c1')).toBe(false);
    await flush();
    expect(h.prober.ready('c1')).toBe(false);
    await advance(h.clock, 1000);
    expect(h.prober.ready('c1')).toBe(true);
    expect(h.changes).toEqual(['u1']);
    healthy = false;
    await advance(h.clock, 1000);
    expect(h.prober.ready('c1')).toBe(true);
    await advance(h.clock, 1000);
    expect(h.prober.ready('c1')).toBe(false);
    expect(h.changes).toEqual(['u1', 'u1']);
    expect(h.prober.failure('c1')).toBeUndefined();
  });

  it('initialDelaySeconds counts from the container start', async () => {
    const h = harness(() => true);
    h.prober.update('u1', [h.container({ readinessProbe: probe('ready', { initialDelaySeconds: 5 }) })]);
    await advance(h.clock, 4900);
    expect(h.calls).toEqual([]);
    await advance(h.clock, 200);
    expect(h.calls).toEqual(['ready']);
    expect(h.prober.ready('c1')).toBe(true);
  });

  it('startup gates liveness and readiness; a failing startup probe asks for a restart', async () => {
    let started = false;
    const h = harness((k) => (k === 'start' ? started : true));
    h.prober.update('u1', [h.container({ startupProbe: probe('start', { failureThreshold: 5 }), livenessProbe: probe('live'), readinessProbe: probe('ready') })]);
    await advance(h.clock, 2000);
    expect(h.calls.every((c) => c === 'start')).toBe(true);
    expect(h.prober.started('c1')).toBe(false);
    expect(h.prober.ready('c1')).toBe(false);
    started = true;
    await advance(h.clock, 3000);
    expect(h.prober.started('c1')).toBe(true);
    expect(h.calls).toContain('live');
    expect(h.prober.ready('c1')).toBe(true);

    const h2 = harness(() => false);
    h2.prober.update('u1', [h2.container({ startupProbe: probe('start', { failureThreshold: 3 }), livenessProbe: probe('live') })]);
    await advance(h2.clock, 3000);
    expect(h2.prober.failure('c1')).toMatch(/failed startup probe/);
    expect(h2.calls).not.toContain('live');
  });

  it('a re-adopted container keeps the ready/started state its API status reported until a probe says otherwise', async () => {
    let healthy = true;
    const h = harness(() => healthy);
    const spec = { startupProbe: probe('start'), readinessProbe: probe('ready', { failureThreshold: 1 }) };
    h.prober.update('u1', [{ ...h.container(spec), reported: { ready: true, started: true } }]);
    expect(h.prober.started('c1')).toBe(true);
    expect(h.prober.ready('c1')).toBe(true);
    await flush();
    expect(h.calls).toEqual(['ready']);
    expect(h.changes).toEqual([]);
    healthy = false;
    await advance(h.clock, 1000);
    expect(h.prober.ready('c1')).toBe(false);
    h.prober.update('u1', [{ ...h.container(spec, 'c2'), reported: { ready: true, started: false } }]);
    expect(h.prober.ready('c2')).toBe(false);
  });

  it('update stops the workers of containers that are no longer running; removePod stops the rest', async () => {
    const h = harness(() => true);
    h.prober.update('u1', [h.container({ readinessProbe: probe('ready') }, 'a'), h.container({ livenessProbe: probe('live') }, 'b'), h.container({}, 'none')]);
    expect(h.prober.size).toBe(2);
    h.prober.update('u1', [h.container({ livenessProbe: probe('live') }, 'b')]);
    expect(h.prober.size).toBe(1);
    expect(h.prober.ready('a')).toBe(true);
    h.prober.removePod('u1');
    expect(h.prober.size).toBe(0);
    expect(h.clock.pending()).toBe(0);
  });
});

describe('runHandler against real endpoints on loopback', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });
  const spec: ContainerSpec = { name: 'c', ports: [{ name: 'web', containerPort: 0 }] };
  const target = (port: number) => ({ containerId: 'x', podIP: '127.0.0.1', container: { ...spec, ports: [{ name: 'web', containerPort: port }] } });

  it('httpGet: 2xx/3xx succeed, others fail, named ports and headers work, timeouts fail', async () => {
    const srv = http.createServer((req, res) => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 3000);
      if (req.url === '/to-bad' || req.url === '/to-ok' || req.url === '/elsewhere') {
        res.statusCode = 302;
        res.setHeader('Location', req.url === '/to-bad' ? '/bad' : req.url === '/to-ok' ? '/ok' : 'http://192.0.2.1:1/');
        return void res.end();
      }
      res.statusCode = req.url === '/ok' ? 200 : req.url === '/moved' ? 302 : 500;
      res.end(`${req.headers['x-probe'] ?? ''}|${req.headers['user-agent']}`);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => srv.close(() => r())));
    srv.on('connection', (sock) => closers.push(async () => void sock.destroy()));
    const port = (srv.address() as net.AddressInfo).port;
    const rt = new FakeRuntime();
    const ok = await runHandler(rt, { httpGet: { path: '/ok', port: 'web', httpHeaders: [{ name: 'X-Probe', value: 'hi' }] } }, target(port), 1);
    expect(ok).toEqual({ ok: true, message: 'hi|kube-probe/1.32' });
    expect((await runHandler(rt, { httpGet: { path: '/moved', port } }, target(port), 1)).ok).toBe(true);
    // Same-host redirects are followed; one to another host is not (and counts as success).
    expect((await runHandler(rt, { httpGet: { path: '/to-ok', port } }, target(port), 1)).ok).toBe(true);
    expect((await runHandler(rt, { httpGet: { path: '/to-bad', port } }, target(port), 1)).ok).toBe(false);
    expect((await runHandler(rt, { httpGet: { path: '/elsewhere', port } }, target(port), 1)).ok).toBe(true);
    expect(await runHandler(rt, { httpGet: { path: '/bad', port } }, target(port), 1)).toEqual({ ok: false, message: 'HTTP probe failed with statuscode: 500' });
    expect((await runHandler(rt, { httpGet: { path: '/slow', port } }, target(port), 1)).ok).toBe(false);
    expect((await runHandler(rt, { httpGet: { port: 'nope' } }, target(port), 1)).message).toMatch(/not a container port/);
  });

  it('tcpSocket: an open port succeeds, a closed one fails', async () => {
    const srv = net.createServer((s) => s.end());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    const rt = new FakeRuntime();
    expect((await runHandler(rt, { tcpSocket: { port } }, target(port), 1)).ok).toBe(true);
    await new Promise<void>((r) => srv.close(() => r()));
    const closed = await runHandler(rt, { tcpSocket: { port } }, target(port), 1);
    expect(closed.ok).toBe(false);
    expect(closed.message).toMatch(/ECONNREFUSED/);
  });

  it('grpc: grpc.health.v1 SERVING succeeds, NOT_SERVING and no server fail', async () => {
    expect(decodeHealthCheckResponse(Buffer.from([0x08, 0x01]))).toBe(1);
    expect(encodeHealthCheckRequest('')).toEqual(Buffer.alloc(0));
    const statuses: Record<string, number> = { '': 1, sick: 2 };
    const server = new grpc.Server();
    server.addService(
      {
        Check: {
          path: '/grpc.health.v1.Health/Check',
          requestStream: false,
          responseStream: false,
          requestSerialize: (r: { service: string }) => encodeHealthCheckRequest(r.service),
          requestDeserialize: (b: Buffer) => ({ service: b.length > 2 ? b.subarray(2).toString('utf8') : '' }),
          responseSerialize: (n: number) => Buffer.from([0x08, n]),
          responseDeserialize: (b: Buffer) => decodeHealthCheckResponse(b),
        },
      },
      { Check: (call: grpc.ServerUnaryCall<{ service: string }, number>, cb: grpc.sendUnaryData<number>) => cb(null, statuses[call.request.service] ?? 3) },
    );
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    closers.push(() => new Promise((r) => server.tryShutdown(() => r())));
    const rt = new FakeRuntime();
    expect(await runHandler(rt, { grpc: { port } }, target(port), 2)).toEqual({ ok: true, message: '' });
    expect(await runHandler(rt, { grpc: { port, service: 'sick' } }, target(port), 2)).toEqual({ ok: false, message: 'service unhealthy (responded with "NOT_SERVING")' });
    const none = await runHandler(rt, { grpc: { port: 1 } }, target(1), 1);
    expect(none.ok).toBe(false);
  });

  it('exec: runs through the runtime; a non-zero exit fails', async () => {
    const rt = new FakeRuntime();
    const runtimeError = await runHandler(rt, { exec: { command: ['true'] } }, { containerId: 'missing', podIP: '', container: spec }, 1);
    expect(runtimeError.ok).toBe(false);
  });
});
