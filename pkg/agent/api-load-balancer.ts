// The agent's local load balancer for the API (K3s's 127.0.0.1:6444): a TCP relay that the
// kubelet, the service proxy and the pod network dial instead of one server. Each new connection
// goes to the server that answered last; one that refuses or does not answer within the dial
// timeout is skipped for the next. TLS passes through untouched (every server's certificate names
// 127.0.0.1), so a server going away only breaks the connections it held, and the clients' retries
// land on another server. The server list is replaced as the agent learns it (/v1-k3ts/apiservers).
import * as net from 'node:net';
import type { Logger } from '../log/logger';

export const DEFAULT_LB_PORT = 6444;

export interface ApiLoadBalancerOptions {
  /** `host:port` of every server, the preferred one first. */
  readonly servers: readonly string[];
  /** 6444 as K3s; when taken (another agent on this host), a free port. */
  readonly port?: number;
  readonly dialTimeoutMs?: number;
}

export interface ApiLoadBalancer {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** The servers in dial order (the one in use first). */
  servers(): readonly string[];
  setServers(servers: readonly string[]): void;
  close(): Promise<void>;
}

function splitHostPort(s: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
  if (!m) throw new Error(`invalid server address ${JSON.stringify(s)}: expected host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

function dial(target: string, timeoutMs: number): Promise<net.Socket> {
  const { host, port } = splitHostPort(target);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => s.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function listen(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startApiLoadBalancer(opts: ApiLoadBalancerOptions, log: Logger): Promise<ApiLoadBalancer> {
  if (opts.servers.length === 0) throw new Error('the API load balancer needs at least one server');
  let list = [...new Set(opts.servers)];
  let current = 0;
  const dialTimeoutMs = opts.dialTimeoutMs ?? 3000;
  const sockets = new Set<net.Socket>();

  const relay = async (client: net.Socket) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    for (let tried = 0; tried < list.length && !client.destroyed; tried++) {
      const index = (current + tried) % list.length;
      const target = list[index]!;
      let upstream: net.Socket;
      try {
        upstream = await dial(target, dialTimeoutMs);
      } catch (e) {
        log.warn('API server did not answer; trying the next', { server: target, error: (e as Error).message });
        continue;
      }
      if (index !== current) {
        log.info('API load balancer switched server', { from: list[current] ?? '', to: target });
        current = index;
      }
      sockets.add(upstream);
      upstream.on('close', () => {
        sockets.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      return;
    }
    client.destroy();
  };

  const server = net.createServer((c) => void relay(c));
  try {
    await listen(server, opts.port ?? DEFAULT_LB_PORT);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    await listen(server, 0);
  }
  const port = (server.address() as net.AddressInfo).port;
  log.info('API load balancer listening', { address: `127.0.0.1:${port}`, servers: list.join(',') });
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    servers: () => [...list.slice(current), ...list.slice(0, current)],
    setServers(servers) {
      const next = [...new Set(servers)];
      if (next.length === 0) return;
      const inUse = list[current];
      if (next.length === list.length && next.every((s) => list.includes(s))) return;
      list = next;
      current = Math.max(0, inUse ? list.indexOf(inUse) : 0);
      log.info('API server list updated', { servers: list.join(',') });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
