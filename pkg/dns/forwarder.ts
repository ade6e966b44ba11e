// Forwarding of names outside the cluster zone to the node's resolvers (the nameservers of the
// node's resolv.conf, CoreDNS's `forward . /etc/resolv.conf`): the query's bytes go upstream as
// they are, over UDP (TCP when the client asked over TCP), trying each server in turn.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { DnsError } from './errors';

export interface Upstream {
  readonly host: string;
  readonly port: number;
}

export interface ForwarderConfig {
  readonly upstreams: readonly Upstream[];
  /** Per-server wait (default 2 s). */
  readonly timeoutMs?: number;
}

/** `nameserver` lines of a resolv.conf → upstreams on port 53. */
export function upstreamsOf(servers: readonly string[]): Upstream[] {
  return servers.filter((s) => net.isIP(s) !== 0).map((host) => ({ host, port: 53 }));
}

function viaUdp(query: Buffer, up: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(up.host) ? 'udp6' : 'udp4');
    const id = query.readUInt16BE(0);
    const timer = setTimeout(() => finish(new DnsError('upstream', `no answer from ${up.host}:${up.port} within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | undefined, msg?: Buffer) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(msg!);
    };
    sock.on('error', (e) => finish(new DnsError('upstream', `${up.host}:${up.port}: ${e.message}`)));
    sock.on('message', (msg) => {
      if (msg.length >= 12 && msg.readUInt16BE(0) === id) finish(undefined, msg);
    });
    sock.send(query, up.port, up.host);
  });
}

function viaTcp(query: Buffer, up: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: up.host, port: up.port });
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new DnsError('upstream', `no answer from ${up.host}:${up.port} (tcp) within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | undefined, msg?: Buffer) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(msg!);
    };
    sock.on('error', (e) => finish(new DnsError('upstream', `${up.host}:${up.port} (tcp): ${e.message}`)));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) finish(undefined, got.subarray(2, 2 + got.readUInt16BE(0)));
    });
    sock.on('close', () => finish(new DnsError('upstream', `${up.host}:${up.port} (tcp) closed before answering`)));
  });
}

export class Forwarder {
  constructor(private readonly cfg: ForwarderConfig) {}

  get upstreams(): readonly Upstream[] {
    return this.cfg.upstreams;
  }

  /** The first upstream answer; throws DnsError('upstream') when none answers. */
  async forward(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer> {
    const errors: string[] = [];
    for (const up of this.cfg.upstreams) {
      try {
        return await (transport === 'tcp' ? viaTcp : viaUdp)(query, up, this.cfg.timeoutMs ?? 2000);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    throw new DnsError('upstream', errors.length ? errors.join('; ') : 'no upstream nameservers (the node resolv.conf lists none)');
  }
}
