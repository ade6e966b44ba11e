import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeletRequestAttributes, subjectAccessReviewAuthorizer } from './kubelet-authz';
import { readNodeUsage } from './node-usage';
import { requestedPorts } from './port-forward';
import { SpdyClientConnection, dataFrame } from './spdy-client';
import { spdyDictionary } from './spdy-dictionary';
import { CpuRateTracker, statsSummary } from './stats-summary';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('SPDY/3 client', () => {
  it('builds the protocol dictionary exactly (1423 bytes)', () => {
    const d = spdyDictionary();
    expect(d.length).toBe(1423);
    expect(createHash('sha256').update(d).digest('hex')).toBe('51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
  });

  it('upgrades, opens streams with headers in one compression context, sends data and FIN, receives data and echoes pings', async () => {
    const frames: { id: number; headers?: string; data?: string; fin: boolean }[] = [];
    const server = net.createServer((sock) => {
      const inflate = zlib.createInflate({ dictionary: spdyDictionary() });
      let buf = Buffer.alloc(0);
      let upgraded = false;
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (!upgraded) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          expect(buf.subarray(0, end).toString()).toMatch(/^POST \/exec\/tok HTTP\/1.1\r\n[\s\S]*Upgrade: SPDY\/3.1[\s\S]*X-Stream-Protocol-Version: v4.channel.k8s.io/);
          buf = buf.subarray(end + 4);
          upgraded = true;
          sock.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
          // A server ping (even id) the client must echo, then data on stream 3.
          const ping = Buffer.from([0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 2]);
          sock.write(Buffer.concat([ping, dataFrame(3, 0, Buffer.from('out')), dataFrame(3, 1, Buffer.alloc(0))]));
        }
        while (buf.length >= 8) {
          const len = buf.readUInt32BE(4) & 0xffffff;
          if (buf.length < 8 + len) return;
          const f = buf.subarray(0, 8 + len);
          buf = buf.subarray(8 + len);
          if (f[0]! & 0x80 && f.readUInt16BE(2) === 1) {
            const id = f.readUInt32BE(8);
            inflate.write(f.subarray(18));
            inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
              const raw = inflate.read() as Buffer;
              const nameLen = raw.readUInt32BE(4);
              frames.push({ id, headers: `${raw.subarray(8, 8 + nameLen)}=${raw.subarray(12 + nameLen, 12 + nameLen + raw.readUInt32BE(8 + nameLen))}`, fin: false });
            });
          } else if (f[0]! & 0x80 && f.readUInt16BE(2) === 6) frames.push({ id: -f.readUInt32BE(8), fin: false });
          else if (!(f[0]! & 0x80)) frames.push({ id: f.readUInt32BE(0), data: f.subarray(8).toString(), fin: (f[4]! & 1) === 1 });
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => server.close());
    const { conn, protocol } = await SpdyClientConnection.connect(new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/exec/tok`), ['v4.channel.k8s.io']);
    expect(protocol).toBe('v4.channel.k8s.io');
    const got: string[] = [];
    conn.on('data', (id, d) => got.push(`${id}:${d}`));
    conn.on('end', (id) => got.push(`${id}:end`));
    const a = conn.createStream({ streamType: 'error' });
    const b = conn.createStream({ streamType: 'stdin' });
    conn.send(b, Buffer.from('hello'));
    conn.end(b);
    await expect.poll(() => frames.length, { timeout: 5000 }).toBe(5);
    expect([a, b]).toEqual([1, 3]);
    expect(frames).toContainEqual({ id: 1, headers: 'streamtype=error', fin: false });
    expect(frames).toContainEqual({ id: 3, headers: 'streamtype=stdin', fin: false });
    expect(frames).toContainEqual({ id: 3, data: 'hello', fin: false });
    expect(frames).toContainEqual({ id: 3, data: '', fin: true });
    expect(frames).toContainEqual({ id: -2, fin: false });
    expect(got).toEqual(['3:out', '3:end']);
    conn.close();
  });
});

describe('kubelet API helpers', () => {
  it('reads WebSocket port-forward ports and refuses bad ones', () => {
    expect(requestedPorts(new URLSearchParams('ports=80,8080&ports=9000'))).toEqual([80, 8080, 9000]);
    expect(requestedPorts(new URLSearchParams(''))).toEqual([]);
    expect(requestedPorts(new URLSearchParams('ports=0'))).toBeUndefined();
    expect(requestedPorts(new URLSearchParams('ports=http'))).toBeUndefined();
  });

  it('reads node usage from cgroup v1 files, falling back to /proc', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-node-usage-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, 'proc'));
    fs.writeFileSync(path.join(dir, 'proc', 'stat'), 'cpu  100 0 50 1000 7 3 2 1 0 0\ncpu0 1 2 3\n');
    fs.writeFileSync(path.join(dir, 'proc', 'meminfo'), 'MemTotal:       2048 kB\nMemAvailable:    512 kB\n');
    const fromProc = await readNodeUsage({ cgroupRoot: path.join(dir, 'cg'), procRoot: path.join(dir, 'proc'), now: () => 5 });
    expect(fromProc).toEqual({ cpuCoreNanoSeconds: 156n * 10_000_000n, memoryWorkingSetBytes: 1536 * 1024, memoryUsageBytes: 1536 * 1024, memoryAvailableBytes: 512 * 1024, timestampMs: 5 });
    fs.mkdirSync(path.join(dir, 'cg', 'cpuacct'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'cg', 'memory'));
    fs.writeFileSync(path.join(dir, 'cg', 'cpuacct', 'cpuacct.usage'), '123456789\n');
    fs.writeFileSync(path.join(dir, 'cg', 'memory', 'memory.usage_in_bytes'), '1000000\n');
    fs.writeFileSync(path.join(dir, 'cg', 'memory', 'memory.stat'), 'cache 5\ntotal_inactive_file 200000\n');
    const fromCgroup = await readNodeUsage({ cgroupRoot: path.join(dir, 'cg'), procRoot: path.join(dir, 'proc'), now: () => 6 });
    expect(fromCgroup).toMatchObject({ cpuCoreNanoSeconds: 123456789n, memoryWorkingSetBytes: 800000, memoryUsageBytes: 1000000 });
  });

  it('/stats/summary gives usageNanoCores from the previous sample only', () => {
    const rates = new CpuRateTracker();
    const at = (t: number, ns: bigint) => ({ node: { cpuCoreNanoSeconds: ns, memoryWorkingSetBytes: 10, memoryUsageBytes: 20, timestampMs: t }, pods: [], containersOk: true });
    const first = statsSummary('n1', 0, at(1000, 1_000_000_000n), rates) as { node: { cpu: { usageNanoCores?: number } } };
    expect(first.node.cpu.usageNanoCores).toBeUndefined();
    const second = statsSummary('n1', 0, at(3000, 2_000_000_000n), rates) as { node: { nodeName: string; cpu: { usageNanoCores?: number; usageCoreNanoSeconds: number } } };
    expect(second.node).toMatchObject({ nodeName: 'n1', cpu: { usageNanoCores: 500_000_000, usageCoreNanoSeconds: 2_000_000_000 } });
  });
});

describe('kubelet authorization', () => {
  it('maps requests to node subresources and verbs as the kubelet does', () => {
    expect(kubeletRequestAttributes('GET', '/stats/summary')).toEqual({ verb: 'get', subresource: 'stats' });
    expect(kubeletRequestAttributes('GET', '/metrics/resource')).toEqual({ verb: 'get', subresource: 'metrics' });
    expect(kubeletRequestAttributes('GET', '/logs/')).toEqual({ verb: 'get', subresource: 'log' });
    expect(kubeletRequestAttributes('POST', '/portForward/ns/p')).toEqual({ verb: 'create', subresource: 'proxy' });
    expect(kubeletRequestAttributes('GET', '/containerLogs/ns/p/c')).toEqual({ verb: 'get', subresource: 'proxy' });
  });

  it('asks the API server with a SubjectAccessReview and caches the answer', async () => {
    let now = 0;
    const bodies: unknown[] = [];
    let allow = false;
    const authorize = subjectAccessReviewAuthorizer('n1', async (b) => (bodies.push(b), { status: { allowed: allow } }), { now: () => now, setTimeout: () => () => undefined });
    const user = { username: 'alice', groups: ['dev'] };
    expect(await authorize(user, { verb: 'get', subresource: 'metrics' })).toBe(false);
    expect(bodies[0]).toEqual({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'alice', groups: ['dev'], resourceAttributes: { verb: 'get', resource: 'nodes', subresource: 'metrics', name: 'n1' } } });
    allow = true;
    expect(await authorize(user, { verb: 'get', subresource: 'metrics' })).toBe(false); // denial cached 30 s
    now += 31_000;
    expect(await authorize(user, { verb: 'get', subresource: 'metrics' })).toBe(true);
    expect(bodies).toHaveLength(2);
    const failing = subjectAccessReviewAuthorizer('n1', async () => Promise.reject(new Error('down')), { now: () => now, setTimeout: () => () => undefined });
    expect(await failing(user, { verb: 'get', subresource: 'stats' })).toBe(false);
  });
});
