import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger';
import { startApiLoadBalancer, type ApiLoadBalancer } from './api-load-balancer';

/** A TCP server that answers every connection with its name. */
async function namedServer(name: string): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.end(name);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let out = '';
    s.on('data', (b: Buffer) => (out += b.toString()));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

describe('API load balancer', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('relays to the first server, fails over when it goes away, and follows list updates', async () => {
    const a = await namedServer('A');
    const b = await namedServer('B');
    const c = await namedServer('C');
    cleanups.push(a.close, b.close, c.close);
    const lb: ApiLoadBalancer = await startApiLoadBalancer({ servers: [a.address, b.address], port: 0 }, silentLogger());
    cleanups.push(() => lb.close());
    expect(lb.url).toBe(`https://127.0.0.1:${lb.port}`);
    expect(await ask(lb.port)).toBe('A');
    await a.close();
    expect(await ask(lb.port)).toBe('B');
    expect(lb.servers()).toEqual([b.address, a.address]);
    // A new list keeps the server in use; when that one goes, the new one takes over.
    lb.setServers([c.address, b.address]);
    expect(await ask(lb.port)).toBe('B');
    await b.close();
    expect(await ask(lb.port)).toBe('C');
  });

  it('closes the client connection when no server answers', async () => {
    const gone = await namedServer('X');
    await gone.close();
    const lb = await startApiLoadBalancer({ servers: [gone.address], port: 0, dialTimeoutMs: 500 }, silentLogger());
    cleanups.push(() => lb.close());
    expect(await ask(lb.port)).toBe('');
  });

  it('takes a free port when 6444 is in use', async () => {
    const blocker = net.createServer();
    const free = await new Promise<boolean>((r) => {
      blocker.once('error', () => r(false));
      blocker.listen(6444, '127.0.0.1', () => r(true));
    });
    cleanups.push(() => new Promise<void>((r) => (free ? blocker.close(() => r()) : r())));
    const a = await namedServer('A');
    cleanups.push(a.close);
    const lb = await startApiLoadBalancer({ servers: [a.address] }, silentLogger());
    cleanups.push(() => lb.close());
    expect(lb.port).not.toBe(6444);
    expect(await ask(lb.port)).toBe('A');
  });
});
