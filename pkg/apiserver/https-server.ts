// The TLS listener: serving certificate from server-ca, client certificates verified against
// client-ca (optional at the TLS layer so health endpoints stay reachable; the API answers 401).
import { ServerResponse, type IncomingMessage } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { ApiServer } from './api-server';

export interface HttpsListenOptions {
  readonly host: string;
  readonly port: number;
  readonly certPem: string;
  readonly keyPem: string;
  readonly clientCaPem: string;
  /** Answers requests the API server must not see (the supervisor's join endpoints); returns true when it did. */
  readonly preHandle?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface RunningHttpsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function listenHttps(api: ApiServer, opts: HttpsListenOptions): Promise<RunningHttpsServer> {
  const server = https.createServer(
    {
      cert: opts.certPem,
      key: opts.keyPem,
      ca: opts.clientCaPem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      keepAliveTimeout: 65_000,
      // Watches are long-lived; Node's default request timeout (5 min) would cut them.
      requestTimeout: 0,
      headersTimeout: 60_000,
    },
    (req, res) => {
      if (!opts.preHandle?.(req, res)) api.handle(req, res);
    },
  );
  // Upgrades (pods/exec over WebSocket) pass the same filters as any request: the handler gets a
  // response bound to the raw socket and takes the socket over once the request is authorized.
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.on('finish', () => socket.end());
    api.handle(req, res);
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
