// The built-in DNS on loopback: wire format round trips, the cluster zone's records (A, headless,
// hostname, SRV, pod, PTR, CNAME), NXDOMAIN vs NODATA, truncation and TCP retry, forwarding of
// other names to an upstream, and REFUSED for clients outside the allowed ranges.
import * as dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { silentLogger } from '../log/logger';
import { ClusterRecords } from './cluster-records';
import { queryDns } from './dns-client';
import { CLASS_IN, RCODE, TYPE, encodeMessage, parseMessage, type DnsMessage, type ResourceRecord } from './dns-message';
import { DnsServer } from './dns-server';
import { Forwarder } from './forwarder';

const svc = (name: string, spec: Record<string, unknown>, ns = 'default'): KubeObject => ({ metadata: { name, namespace: ns }, spec }) as KubeObject;
const slice = (svcName: string, endpoints: { ip: string; hostname?: string; ready?: boolean }[], ports: { name: string; port: number; protocol?: string }[]): KubeObject =>
  ({
    metadata: { name: `${svcName}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': svcName } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], ...(e.hostname ? { hostname: e.hostname } : {}), conditions: { ready: e.ready ?? true } })),
    ports,
  }) as unknown as KubeObject;

const services = [
  svc('web', { clusterIP: '10.43.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
  svc('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }),
  svc('ext', { type: 'ExternalName', externalName: 'example.test' }),
];
const slices = [slice('db', [{ ip: '10.42.0.5', hostname: 'db-0' }, { ip: '10.42.0.6' }, { ip: '10.42.0.7', ready: false }], [{ name: 'pg', port: 5432, protocol: 'TCP' }])];
const records = new ClusterRecords('cluster.local', services, slices);

const ips = (m: { answers: readonly ResourceRecord[] }) => m.answers.flatMap((a) => (a.data.kind === 'a' ? [a.data.ip] : []));

describe('dns-message', () => {
  it('round-trips a response with compressed names', () => {
    const msg: DnsMessage = {
      id: 7,
      qr: true,
      opcode: 0,
      aa: true,
      tc: false,
      rd: true,
      ra: true,
      rcode: 0,
      questions: [{ name: '_http._tcp.web.default.svc.cluster.local', type: TYPE.SRV, class: CLASS_IN }],
      answers: [{ name: '_http._tcp.web.default.svc.cluster.local', type: TYPE.SRV, class: CLASS_IN, ttl: 5, data: { kind: 'srv', priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' } }],
      authority: [],
      additional: [{ name: 'web.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN, ttl: 5, data: { kind: 'a', ip: '10.43.0.20' } }],
    };
    const bytes = encodeMessage(msg);
    expect(bytes.length).toBeLessThan(120);
    expect(parseMessage(bytes)).toEqual(msg);
  });

  it('rejects loops and short messages', () => {
    expect(() => parseMessage(Buffer.alloc(5))).toThrow(/12-byte header/);
    const loop = Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    expect(() => parseMessage(loop)).toThrow(/loops/);
  });
});

describe('ClusterRecords', () => {
  it('answers Services, headless endpoints, hostnames, SRV, pods, PTR and ExternalName', () => {
    expect(ips(records.answer('web.default.svc.cluster.local', TYPE.A))).toEqual(['10.43.0.20']);
    expect(ips(records.answer('db.default.svc.cluster.local', TYPE.A))).toEqual(['10.42.0.5', '10.42.0.6']);
    expect(ips(records.answer('db-0.db.default.svc.cluster.local', TYPE.A))).toEqual(['10.42.0.5']);
    expect(ips(records.answer('10-42-0-6.db.default.svc.cluster.local', TYPE.A))).toEqual(['10.42.0.6']);
    const srv = records.answer('_http._tcp.web.default.svc.cluster.local', TYPE.SRV);
    expect(srv.answers[0]!.data).toEqual({ kind: 'srv', priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' });
    expect(ips({ answers: srv.additional })).toEqual(['10.43.0.20']);
    const hsrv = records.answer('_pg._tcp.db.default.svc.cluster.local', TYPE.SRV);
    expect(hsrv.answers.map((a) => (a.data as { target: string }).target)).toEqual(['db-0.db.default.svc.cluster.local', '10-42-0-6.db.default.svc.cluster.local']);
    expect(ips(records.answer('10-42-1-9.default.pod.cluster.local', TYPE.A))).toEqual(['10.42.1.9']);
    expect(records.answer('20.0.43.10.in-addr.arpa', TYPE.PTR).answers[0]!.data).toEqual({ kind: 'name', name: 'web.default.svc.cluster.local' });
    expect(records.answer('ext.default.svc.cluster.local', TYPE.A).answers[0]).toMatchObject({ type: TYPE.CNAME, data: { name: 'example.test' } });
  });

  it('tells NXDOMAIN from NODATA', () => {
    const nodata = records.answer('web.default.svc.cluster.local', TYPE.AAAA);
    expect([nodata.rcode, nodata.answers.length, nodata.authority[0]!.type]).toEqual([RCODE.NOERROR, 0, TYPE.SOA]);
    expect(records.answer('default.svc.cluster.local', TYPE.A).rcode).toBe(RCODE.NOERROR);
    expect(records.answer('svc.cluster.local', TYPE.A).rcode).toBe(RCODE.NOERROR);
    for (const name of ['nope.default.svc.cluster.local', 'web.other.svc.cluster.local', 'other.svc.cluster.local', '_nope._tcp.web.default.svc.cluster.local', 'x.cluster.local', 'web.default.svc.cluster.local.default.svc.cluster.local']) {
      expect([name, records.answer(name, TYPE.A).rcode]).toEqual([name, RCODE.NXDOMAIN]);
    }
    expect(records.reverse('9.9.9.10.in-addr.arpa')).toBeUndefined();
  });
});

describe('DnsServer', () => {
  let upstream: dgram.Socket;
  let upstreamPort = 0;
  let server: DnsServer;
  let refusing: DnsServer;
  const many = [svc('big', { clusterIP: 'None', ports: [{ name: 'p', port: 1 }] })];
  const bigSlice = slice('big', Array.from({ length: 60 }, (_, i) => ({ ip: `10.42.3.${i + 1}` })), [{ name: 'p', port: 1 }]);

  beforeAll(async () => {
    // An upstream that answers every A question with 192.0.2.99.
    upstream = dgram.createSocket('udp4');
    upstream.on('message', (msg, r) => {
      const q = parseMessage(msg);
      const reply = encodeMessage({ ...q, qr: true, ra: true, answers: [{ name: q.questions[0]!.name, type: TYPE.A, class: CLASS_IN, ttl: 60, data: { kind: 'a', ip: '192.0.2.99' } }] });
      upstream.send(reply, r.port, r.address);
    });
    await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
    upstreamPort = upstream.address().port;
    const node = { metadata: { name: 'node-a' }, status: { addresses: [{ type: 'InternalIP', address: '192.0.2.5' }, { type: 'Hostname', address: 'Node-A.lan' }] } } as unknown as KubeObject;
    const recs = new ClusterRecords('cluster.local', [...services, ...many], [...slices, bigSlice], [node]);
    server = new DnsServer({ host: '127.0.0.1', port: 0, metricsPort: 0, allowedSources: ['10.42.0.0/16'] }, { records: () => recs, forwarder: new Forwarder({ upstreams: [{ host: '127.0.0.1', port: upstreamPort }] }), log: silentLogger() });
    await server.start();
    refusing = new DnsServer({ host: '127.0.0.1', port: 0, allowedSources: [] }, { records: () => recs, forwarder: new Forwarder({ upstreams: [] }), log: silentLogger() });
    await refusing.start();
  });

  afterAll(async () => {
    await server?.stop();
    await refusing?.stop();
    upstream?.close();
  });

  const at = () => ({ host: '127.0.0.1', port: server.port });

  it('answers the cluster zone over UDP and TCP, authoritatively', async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const r = await queryDns(at(), 'web.default.svc.cluster.local', TYPE.A, { transport });
      expect([r.rcode, r.aa, ips(r)]).toEqual([RCODE.NOERROR, true, ['10.43.0.20']]);
    }
    expect((await queryDns(at(), 'nope.default.svc.cluster.local', TYPE.A)).rcode).toBe(RCODE.NXDOMAIN);
  });

  it('truncates a big UDP answer (TC) and gives it whole over TCP', async () => {
    const udp = await queryDns(at(), 'big.default.svc.cluster.local', TYPE.A);
    expect([udp.tc, udp.answers.length]).toEqual([true, 0]);
    const tcp = await queryDns(at(), 'big.default.svc.cluster.local', TYPE.A, { transport: 'tcp' });
    expect(tcp.answers.length).toBe(60);
    const edns = await queryDns(at(), 'big.default.svc.cluster.local', TYPE.A, { edns: true });
    expect([edns.tc, edns.answers.length]).toEqual([false, 60]);
  });

  it('answers node names (NodeHosts) before forwarding', async () => {
    for (const name of ['node-a', 'node-a.lan']) {
      const r = await queryDns(at(), name, TYPE.A);
      expect([name, r.aa, ips(r)]).toEqual([name, true, ['192.0.2.5']]);
    }
    const v6 = await queryDns(at(), 'node-a', TYPE.AAAA);
    expect([v6.rcode, v6.answers.length]).toEqual([RCODE.NOERROR, 0]);
  });

  it('forwards other names upstream and counts outcomes', async () => {
    const r = await queryDns(at(), 'outside.example', TYPE.A);
    expect(ips(r)).toEqual(['192.0.2.99']);
    const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    expect(text).toMatch(/k3ts_dns_requests_total\{transport="udp",outcome="forwarded"\} 1/);
    expect(text).toMatch(/outcome="cluster"\} \d+/);
  });

  it('refuses clients outside the allowed ranges (loopback is always allowed)', async () => {
    expect((await queryDns({ host: '127.0.0.1', port: refusing.port }, 'web.default.svc.cluster.local', TYPE.A)).rcode).toBe(RCODE.NOERROR);
    const reply = await server.handle(encodeMessage({ id: 1, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, questions: [{ name: 'web.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN }], answers: [], authority: [], additional: [] }), '203.0.113.9', 'udp');
    expect(parseMessage(reply!).rcode).toBe(RCODE.REFUSED);
    const pod = await server.handle(encodeMessage({ id: 2, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, questions: [{ name: 'web.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN }], answers: [], authority: [], additional: [] }), '10.42.0.9', 'udp');
    expect(parseMessage(pod!).rcode).toBe(RCODE.NOERROR);
  });
});
