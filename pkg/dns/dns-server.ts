// The DNS server of the built-in cluster DNS: UDP and TCP (length-prefixed) on one address, the
// cluster zone answered from a ClusterRecords snapshot, every other name forwarded upstream, and a
// Prometheus text endpoint (CoreDNS's :9153 /metrics) with request counts. Queries from sources
// outside `allowedSources` are REFUSED: the server listens on the node's address and must not
// become an open resolver for the network around the node.
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as net from 'node:net';
import type { Logger } from '../log/logger';
import { cidrContains, parseCidr, type Ipv4Cidr } from '../network/cidr';
import type { ClusterRecords } from './cluster-records';
import { CLASS_IN, RCODE, TYPE, encodeMessage, parseMessage, type DnsMessage, type ResourceRecord } from './dns-message';
import { DnsError } from './errors';
import type { Forwarder } from './forwarder';

export interface DnsServerConfig {
  readonly host: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  readonly port: number;
  /** Port of /metrics and /health on `host` (undefined: none). */
  readonly metricsPort?: number;
  /** CIDRs whose clients are answered (IPv4; loopback is always allowed). */
  readonly allowedSources: readonly string[];
}

export interface DnsServerDeps {
  /** The current snapshot; undefined until the caches have synced (answered SERVFAIL). */
  readonly records: () => ClusterRecords | undefined;
  readonly forwarder: Forwarder;
  readonly log: Logger;
}

type Outcome = 'cluster' | 'forwarded' | 'refused' | 'servfail' | 'formerr';

const EDNS_UDP_SIZE = 1232;

export class DnsServer {
  #udp: dgram.Socket | undefined;
  #tcp: net.Server | undefined;
  #metrics: http.Server | undefined;
  readonly #allowed: Ipv4Cidr[];
  readonly #counts = new Map<string, number>();
  readonly #tcpSockets = new Set<net.Socket>();
  #port = 0;
  #metricsPort = 0;

  constructor(
    private readonly cfg: DnsServerConfig,
    private readonly deps: DnsServerDeps,
  ) {
    try {
      this.#allowed = ['127.0.0.0/8', ...cfg.allowedSources].map(parseCidr);
    } catch (e) {
      throw new DnsError('invalid-config', `invalid allowed source range: ${(e as Error).message}`);
    }
  }

  get port(): number {
    return this.#port;
  }

  get metricsPort(): number {
    return this.#metricsPort;
  }

  async start(): Promise<void> {
    const tcp = net.createServer((sock) => this.#onTcp(sock));
    this.#tcp = tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', (e) => reject(new DnsError('listen', `cannot listen for DNS on ${this.cfg.host}:${this.cfg.port}/tcp: ${e.message}`)));
      tcp.listen(this.cfg.port, this.cfg.host, () => resolve());
    });
    this.#port = (tcp.address() as net.AddressInfo).port;
    const udp = dgram.createSocket(net.isIPv6(this.cfg.host) ? 'udp6' : 'udp4');
    this.#udp = udp;
    await new Promise<void>((resolve, reject) => {
      udp.once('error', (e) => reject(new DnsError('listen', `cannot listen for DNS on ${this.cfg.host}:${this.#port}/udp: ${e.message}`)));
      udp.bind(this.#port, this.cfg.host, () => resolve());
    });
    udp.on('error', (e) => this.deps.log.warn('DNS UDP socket error', { error: e.message }));
    udp.on('message', (msg, rinfo) => {
      void this.handle(msg, rinfo.address, 'udp').then((out) => {
        if (out) udp.send(out, rinfo.port, rinfo.address);
      });
    });
    if (this.cfg.metricsPort !== undefined) {
      const srv = http.createServer((req, res) => {
        if (req.url === '/health' || req.url === '/ready') {
          res.writeHead(this.deps.records() ? 200 : 503).end(this.deps.records() ? 'OK' : 'caches not synced');
          return;
        }
        if (req.url !== '/metrics') return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(this.metricsText());
      });
      this.#metrics = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', (e) => reject(new DnsError('listen', `cannot serve DNS metrics on ${this.cfg.host}:${this.cfg.metricsPort}: ${e.message}`)));
        srv.listen(this.cfg.metricsPort, this.cfg.host, () => resolve());
      });
      this.#metricsPort = (srv.address() as net.AddressInfo).port;
    }
  }

  async stop(): Promise<void> {
    this.#udp?.close();
    this.#udp = undefined;
    const closed = (s: net.Server | undefined) => new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
    for (const sock of this.#tcpSockets) sock.destroy();
    this.#metrics?.closeAllConnections();
    await Promise.all([closed(this.#tcp), closed(this.#metrics)]);
  }

  metricsText(): string {
    const lines = ['# HELP k3ts_dns_requests_total DNS requests answered, by transport and outcome.', '# TYPE k3ts_dns_requests_total counter'];
    for (const [k, v] of [...this.#counts].sort()) {
      const [transport, outcome] = k.split('/');
      lines.push(`k3ts_dns_requests_total{transport="${transport}",outcome="${outcome}"} ${v}`);
    }
    return `${lines.join('\n')}\n`;
  }

  #count(transport: string, outcome: Outcome): void {
    const k = `${transport}/${outcome}`;
    this.#counts.set(k, (this.#counts.get(k) ?? 0) + 1);
  }

  #allowedSource(ip: string): boolean {
    const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    return net.isIPv4(v4) ? this.#allowed.some((c) => cidrContains(c, v4)) : ip === '::1';
  }

  #onTcp(sock: net.Socket): void {
    let buf = Buffer.alloc(0);
    this.#tcpSockets.add(sock);
    sock.on('close', () => this.#tcpSockets.delete(sock));
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void this.handle(Buffer.from(msg), sock.remoteAddress ?? '', 'tcp').then((out) => {
          if (!out || sock.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          sock.write(Buffer.concat([len, out]));
        });
      }
    });
  }

  /** One query → the response bytes (undefined: nothing to send back). */
  async handle(query: Buffer, source: string, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let msg: DnsMessage;
    try {
      msg = parseMessage(query);
    } catch {
      if (query.length < 12) return undefined;
      this.#count(transport, 'formerr');
      return encodeMessage({ id: query.readUInt16BE(0), qr: true, opcode: 0, aa: false, tc: false, rd: false, ra: true, rcode: RCODE.FORMERR, questions: [], answers: [], authority: [], additional: [] });
    }
    if (msg.qr) return undefined;
    const opt = msg.additional.find((r) => r.type === TYPE.OPT);
    const ednsOpt: ResourceRecord[] = opt ? [{ name: '', type: TYPE.OPT, class: EDNS_UDP_SIZE, ttl: 0, data: { kind: 'raw', bytes: new Uint8Array() } }] : [];
    const limit = transport === 'tcp' ? 65535 : opt ? Math.max(512, Math.min(opt.class, EDNS_UDP_SIZE)) : 512;
    const reply = (rcode: number, outcome: Outcome, extra: Partial<DnsMessage> = {}) => {
      this.#count(transport, outcome);
      return encodeMessage({ id: msg.id, qr: true, opcode: msg.opcode, aa: false, tc: false, rd: msg.rd, ra: true, rcode, questions: msg.questions, answers: [], authority: [], additional: ednsOpt, ...extra }, limit);
    };
    if (!this.#allowedSource(source)) return reply(RCODE.REFUSED, 'refused');
    if (msg.opcode !== 0) return reply(RCODE.NOTIMP, 'formerr');
    const q = msg.questions[0];
    if (msg.questions.length !== 1 || !q) return reply(RCODE.FORMERR, 'formerr');
    const records = this.deps.records();
    if (q.class === CLASS_IN && records && (records.inZone(q.name) || records.reverse(q.name))) {
      const a = records.answer(q.name, q.type);
      return reply(a.rcode, 'cluster', { aa: true, answers: a.answers, authority: a.authority, additional: [...a.additional, ...ednsOpt] });
    }
    const host = q.class === CLASS_IN ? records?.nodeHost(q.name, q.type) : undefined;
    if (host) return reply(host.rcode, 'cluster', { aa: true, answers: host.answers });
    if (!records) return reply(RCODE.SERVFAIL, 'servfail');
    try {
      const answer = await this.deps.forwarder.forward(query, transport);
      this.#count(transport, 'forwarded');
      return answer;
    } catch (e) {
      this.deps.log.debug('forwarding failed', { name: q.name, error: (e as Error).message });
      return reply(RCODE.SERVFAIL, 'servfail');
    }
  }
}
