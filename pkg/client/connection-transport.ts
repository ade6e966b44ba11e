// HTTP/1.1 over connections some other code provides (an in-process API server's loopback
// connections): the same exchange HttpsTransport makes, with keep-alive reuse, minus TLS. Watches
// take their objects by reference when the connection carries an ObjectChannel.
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { OBJECT_REFS_HEADER, objectChannelOf } from './object-channel';
import { bodyOf, transportError, type Transport, type TransportRequest, type TransportResponse } from './transport';

class ConnectionAgent extends http.Agent {
  constructor(private readonly open: () => Duplex) {
    super({ keepAlive: true, maxFreeSockets: 16 });
  }

  override createConnection(): Duplex {
    return this.open();
  }
}

export class ConnectionTransport implements Transport {
  readonly #agent: ConnectionAgent;

  constructor(open: () => Duplex) {
    this.#agent = new ConnectionAgent(open);
  }

  send(req: TransportRequest): Promise<TransportResponse> {
    const what = `${req.method} ${req.path}`;
    return new Promise<TransportResponse>((resolve, reject) => {
      const fail = (e: unknown) => reject(transportError(e, req.signal, what));
      if (req.signal?.aborted) return fail(req.signal.reason);
      const headers: Record<string, string | number> = { ...req.headers, Host: 'k3ts.loopback', [OBJECT_REFS_HEADER]: '1' };
      if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
      const r = http.request({ agent: this.#agent, method: req.method, path: req.path, headers, signal: req.signal });
      r.on('error', fail);
      r.on('response', (res) => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: bodyOf(res, req.signal, what),
          close: () => {
            res.destroy();
            r.destroy();
          },
          objects: objectChannelOf(res.socket),
        });
      });
      r.end(req.body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
