// The in-process front door: requests carry the identity their connection was opened for, bodies
// and streamed responses cross intact (keep-alive connections reused), backpressure holds a
// writer until the reader drains, and closing the server ends open streams.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionTransport, readText } from '../../client';
import { LoopbackServer, loopbackUserOf } from './loopback-server';
import { LoopbackSocket } from './loopback-socket';

const alice = { username: 'alice', groups: ['dev', 'system:authenticated'] };

describe('LoopbackServer', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  function start(handler: (req: IncomingMessage, res: ServerResponse) => void) {
    const server = new LoopbackServer(handler);
    let opened = 0;
    const transport = new ConnectionTransport(() => {
      opened++;
      return server.connect(alice);
    });
    cleanup.push(() => transport.close(), () => server.close());
    return { server, transport, opened: () => opened };
  }

  it('authenticates as the connection identity and reuses connections', async () => {
    const { transport, opened } = start((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.end(JSON.stringify({ user: loopbackUserOf(req.socket), method: req.method, path: req.url, body })));
    });
    for (let i = 0; i < 3; i++) {
      const r = await transport.send({ method: 'POST', path: `/x?i=${i}`, headers: { 'Content-Type': 'application/json' }, body: `{"n":${i}}` });
      expect(r.status).toBe(200);
      expect(JSON.parse(await readText(r.body))).toEqual({ user: alice, method: 'POST', path: `/x?i=${i}`, body: `{"n":${i}}` });
    }
    expect(opened()).toBe(1);
  });

  it('never names a user for other sockets', () => {
    expect(loopbackUserOf({})).toBeUndefined();
    expect(loopbackUserOf(LoopbackSocket.pair()[0])).toBeUndefined();
  });

  it('streams a large response through backpressure and ends open streams on close', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    let drained = 0;
    const { server, transport } = start((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      let i = 0;
      const pump = () => {
        while (i < 64) {
          i++;
          if (!res.write(chunk)) {
            drained++;
            res.once('drain', pump);
            return;
          }
        }
        // then hold the stream open, as a watch does
      };
      pump();
    });
    const r = await transport.send({ method: 'GET', path: '/watch', headers: {} });
    let got = 0;
    const reading = (async () => {
      for await (const c of r.body) {
        got += c.byteLength;
        if (got === 64 * chunk.length) server.close();
      }
    })();
    await expect(reading).rejects.toThrow();
    expect(got).toBe(64 * chunk.length);
    expect(drained).toBeGreaterThan(0);
  });

  it('delivers what was written before the server side closed the connection', async () => {
    const body = 'y'.repeat(256 * 1024);
    const { transport } = start((_req, res) => {
      res.shouldKeepAlive = false;
      res.end(body);
    });
    const r = await transport.send({ method: 'GET', path: '/once', headers: {} });
    expect(r.status).toBe(200);
    expect(await readText(r.body)).toBe(body);
  });

  it('refuses connections once closed', () => {
    const server = new LoopbackServer((_req, res) => res.end());
    server.close();
    expect(() => server.connect(alice)).toThrow(/closed/);
  });
});
