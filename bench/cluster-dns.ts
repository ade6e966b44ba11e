// Built-in cluster DNS cost: rebuilding the record snapshot for N Services (half headless with M
// ready endpoints each), and queries per second over UDP on loopback for a cluster name and for a
// forwarded name (stub upstream on loopback), with 16 queries in flight. Baseline in the same run:
// the same client against a UDP echo server (the socket round trip alone).
// Usage: npx tsx bench/cluster-dns.ts [services=1000] [endpoints=5] [queries=20000]
import * as dgram from 'node:dgram';
import type { KubeObject } from '../pkg/api/types';
import { ClusterRecords } from '../pkg/dns/cluster-records';
import { CLASS_IN, TYPE, encodeMessage, parseMessage } from '../pkg/dns/dns-message';
import { DnsServer } from '../pkg/dns/dns-server';
import { Forwarder } from '../pkg/dns/forwarder';
import { silentLogger } from '../pkg/log/logger';

const services = Number(process.argv[2] ?? 1000);
const endpoints = Number(process.argv[3] ?? 5);
const queries = Number(process.argv[4] ?? 20000);

const svcs: KubeObject[] = [];
const slices: KubeObject[] = [];
for (let i = 0; i < services; i++) {
  const headless = i % 2 === 1;
  svcs.push({ metadata: { name: `svc-${i}`, namespace: 'bench' }, spec: { clusterIP: headless ? 'None' : `10.43.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80 }] } } as KubeObject);
  slices.push({
    metadata: { name: `svc-${i}-x`, namespace: 'bench', labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: Array.from({ length: endpoints }, (_, e) => ({ addresses: [`10.42.${((i * endpoints + e) >> 8) & 255}.${(i * endpoints + e) & 255}`], conditions: { ready: true } })),
  } as unknown as KubeObject);
}

function ms(fn: () => void, n = 20): number {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (performance.now() - t0) / n;
}

async function bind(onMessage: (sock: dgram.Socket, msg: Buffer, r: dgram.RemoteInfo) => void): Promise<dgram.Socket> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (m, r) => onMessage(sock, m, r));
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return sock;
}

/** Queries/s of `name` against port, 16 in flight. */
async function qps(port: number, name: string): Promise<number> {
  const client = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  const pending = new Map<number, () => void>();
  client.on('message', (m) => pending.get(m.readUInt16BE(0))?.());
  let next = 0;
  const one = (id: number) =>
    new Promise<void>((resolve) => {
      pending.set(id, () => {
        pending.delete(id);
        resolve();
      });
      client.send(encodeMessage({ id, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, questions: [{ name, type: TYPE.A, class: CLASS_IN }], answers: [], authority: [], additional: [] }), port, '127.0.0.1');
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < queries) await one(next++ & 0xffff);
    }),
  );
  const s = (performance.now() - t0) / 1000;
  client.close();
  return Math.round(queries / s);
}

async function main(): Promise<void> {
  let records = new ClusterRecords('cluster.local', svcs, slices);
  const rebuild = ms(() => {
    records = new ClusterRecords('cluster.local', svcs, slices);
  });
  const echo = await bind((sock, m, r) => sock.send(m, r.port, r.address));
  const upstream = await bind((sock, m, r) => {
    const q = parseMessage(m);
    sock.send(encodeMessage({ ...q, qr: true, answers: [{ name: q.questions[0]!.name, type: TYPE.A, class: CLASS_IN, ttl: 30, data: { kind: 'a', ip: '192.0.2.1' } }] }), r.port, r.address);
  });
  const server = new DnsServer({ host: '127.0.0.1', port: 0, allowedSources: [] }, { records: () => records, forwarder: new Forwarder({ upstreams: [{ host: '127.0.0.1', port: (upstream.address() as { port: number }).port }] }), log: silentLogger() });
  await server.start();
  const base = await qps((echo.address() as { port: number }).port, 'x.example');
  const cluster = await qps(server.port, 'svc-10.bench.svc.cluster.local');
  const headless = await qps(server.port, 'svc-11.bench.svc.cluster.local');
  const forwarded = await qps(server.port, 'name.example');
  console.log(`cluster DNS, ${services} Services (half headless × ${endpoints} endpoints), ${queries} UDP queries, 16 in flight`);
  console.log(`  snapshot rebuild:        ${rebuild.toFixed(2)} ms`);
  console.log(`  baseline (UDP echo):     ${base} q/s`);
  console.log(`  ClusterIP A:             ${cluster} q/s (${(cluster / base).toFixed(2)} × echo)`);
  console.log(`  headless A (${endpoints} IPs):     ${headless} q/s (${(headless / base).toFixed(2)} × echo)`);
  console.log(`  forwarded:               ${forwarded} q/s (${(forwarded / base).toFixed(2)} × echo)`);
  await server.stop();
  echo.close();
  upstream.close();
}

void main();
