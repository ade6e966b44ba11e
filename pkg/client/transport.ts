// The seam under the REST client: one HTTP exchange whose body is read as a stream (so watches and
// plain requests share it). HttpsTransport speaks HTTPS with a client certificate; tests may pass
// any other implementation.
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { ClientError } from './errors';
import type { ObjectChannel } from './object-channel';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface TransportRequest {
  readonly method: HttpMethod;
  /** Absolute path with its query string (`/api/v1/namespaces/x/pods?watch=1`). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: AsyncIterable<Uint8Array>;
  /** Drops the exchange (ends a stream early); idempotent. */
  close(): void;
  /** Where a watch over an in-process connection leaves the objects its `ref` events name. */
  readonly objects?: ObjectChannel;
}

export interface Transport {
  send(req: TransportRequest): Promise<TransportResponse>;
  /** Closes idle connections; further sends open new ones. */
  close(): void;
}

export interface HttpsTransportConfig {
  /** `https://127.0.0.1:6443` */
  readonly server: string;
  /** CA bundle that signed the server's certificate. */
  readonly caPem: string;
  /** Client certificate and key (the user is the certificate's CN, groups its O). */
  readonly certPem?: string;
  readonly keyPem?: string;
  /** Expected server name when it differs from the URL's host. */
  readonly serverName?: string;
}

/** A transport failure as a ClientError ('aborted' when the caller cancelled). */
export function transportError(e: unknown, signal: AbortSignal | undefined, what: string): ClientError {
  if (signal?.aborted) return new ClientError('aborted', `${what} was cancelled`, { cause: e });
  return new ClientError('transport', `${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

export class HttpsTransport implements Transport {
  readonly #agent: https.Agent;
  readonly #url: URL;

  constructor(cfg: HttpsTransportConfig) {
    this.#url = new URL(cfg.server);
    if (this.#url.protocol !== 'https:') throw new ClientError('invalid-argument', `server URL ${cfg.server} is not https; expected https://HOST:PORT`);
    this.#agent = new https.Agent({
      keepAlive: true,
      ca: cfg.caPem,
      cert: cfg.certPem,
      key: cfg.keyPem,
      servername: cfg.serverName,
      maxFreeSockets: 16,
    });
  }

  send(req: TransportRequest): Promise<TransportResponse> {
    const what = `${req.method} ${req.path}`;
    return new Promise<TransportResponse>((resolve, reject) => {
      if (req.signal?.aborted) return reject(transportError(req.signal.reason, req.signal, what));
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
      const r = https.request({
        agent: this.#agent,
        protocol: 'https:',
        hostname: this.#url.hostname.replace(/^\[|\]$/g, ''),
        port: this.#url.port || 443,
        method: req.method,
        path: req.path,
        headers,
        signal: req.signal,
      });
      r.on('error', (e) => reject(transportError(e, req.signal, what)));
      r.on('response', (res: IncomingMessage) => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: bodyOf(res, req.signal, what),
          close: () => {
            res.destroy();
            r.destroy();
          },
        });
      });
      if (req.body !== undefined) r.end(req.body);
      else r.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** A response body as chunks, its errors as ClientErrors (shared with other transports). */
export async function* bodyOf(res: IncomingMessage, signal: AbortSignal | undefined, what: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of res) yield chunk as Uint8Array;
    // A response cut before its end (server gone) finishes without error in some Node paths.
    if (!res.complete && !res.destroyed) throw new Error('response ended early');
  } catch (e) {
    throw transportError(e, signal, what);
  }
}

/** Reads a whole body as text. */
export async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}
