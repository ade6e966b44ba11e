// Raw HTTPS access to a k3ts server with the admin credentials of the kubeconfig it wrote: plain
// requests (with or without the client certificate) and watch streams read line by line.
import * as fs from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import * as https from 'node:https';
import { parse as parseYaml } from 'yaml';

export interface AdminCredentials {
  /** https://host:port */
  readonly server: string;
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

function field(obj: unknown, ...path: string[]): unknown {
  let v = obj;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

function b64(v: unknown, what: string): Buffer {
  if (typeof v !== 'string' || v === '') throw new Error(`kubeconfig has no ${what}`);
  return Buffer.from(v, 'base64');
}

/** The cluster and user of the kubeconfig's current context. */
export function loadAdminCredentials(kubeconfigPath: string): AdminCredentials {
  const doc: unknown = parseYaml(fs.readFileSync(kubeconfigPath, 'utf8'));
  const current = field(doc, 'current-context');
  const contexts = (field(doc, 'contexts') as unknown[] | undefined) ?? [];
  const ctx = contexts.find((c) => field(c, 'name') === current) ?? contexts[0];
  const byName = (list: string, name: unknown) => ((field(doc, list) as unknown[] | undefined) ?? []).find((x) => field(x, 'name') === name);
  const cluster = byName('clusters', field(ctx, 'context', 'cluster'));
  const user = byName('users', field(ctx, 'context', 'user'));
  const server = field(cluster, 'cluster', 'server');
  if (typeof server !== 'string') throw new Error(`kubeconfig ${kubeconfigPath} has no cluster server`);
  return {
    server,
    ca: b64(field(cluster, 'cluster', 'certificate-authority-data'), 'certificate-authority-data'),
    cert: b64(field(user, 'user', 'client-certificate-data'), 'client-certificate-data'),
    key: b64(field(user, 'user', 'client-key-data'), 'client-key-data'),
  };
}

export interface ApiRequest {
  readonly method?: string;
  /** Path and query, e.g. `/api/v1/namespaces/default/pods?limit=1`. */
  readonly path: string;
  readonly headers?: Record<string, string | number | string[]>;
  readonly body?: string | Buffer;
  /** Send the body with chunked transfer encoding instead of a Content-Length. */
  readonly chunked?: boolean;
  /** Present no client certificate (an unauthenticated request). */
  readonly anonymous?: boolean;
  readonly timeoutMs?: number;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

export interface ApiClient {
  readonly creds: AdminCredentials;
  request(r: ApiRequest): Promise<ApiResponse>;
  /** Opens a streaming GET (a watch) and resolves once the response headers are in. */
  stream(path: string, opts?: { headers?: Record<string, string> }): Promise<LineStream>;
  close(): void;
}

export interface LineStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Resolves with the next complete line (without its newline), or undefined once the stream ended. */
  nextLine(timeoutMs?: number): Promise<string | undefined>;
  /** Resolves when the server has ended the response. */
  readonly ended: Promise<void>;
  close(): void;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function createApiClient(creds: AdminCredentials, opts: { maxSockets?: number } = {}): ApiClient {
  const url = new URL(creds.server);
  const agent = new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 16, ca: creds.ca, cert: creds.cert, key: creds.key });
  const anonAgent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: creds.ca });
  const base = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };

  const send = (r: ApiRequest, onResponse: (res: IncomingMessage) => void, onError: (e: Error) => void) => {
    const headers: Record<string, string | number | string[]> = { ...(r.headers ?? {}) };
    if (r.body !== undefined && !r.chunked && headers['content-length'] === undefined && headers['Content-Length'] === undefined) headers['Content-Length'] = Buffer.byteLength(r.body);
    if (r.chunked) headers['Transfer-Encoding'] = 'chunked';
    const req = https.request({ ...base, method: r.method ?? 'GET', path: r.path, headers, agent: r.anonymous ? anonAgent : agent }, onResponse);
    req.on('error', onError);
    if (r.timeoutMs) req.setTimeout(r.timeoutMs, () => req.destroy(new Error(`${r.method ?? 'GET'} ${r.path} timed out after ${r.timeoutMs} ms`)));
    if (r.body !== undefined && r.chunked) {
      // Several chunks, so the server cannot learn the size before reading.
      const b = Buffer.from(r.body);
      for (let i = 0; i < b.length; i += 64 * 1024) req.write(b.subarray(i, i + 64 * 1024));
      req.end();
    } else if (r.body !== undefined) req.end(r.body);
    else req.end();
    return req;
  };

  return {
    creds,
    request(r) {
      return new Promise((resolve, reject) => {
        send(
          r,
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: tryJson(text) });
            });
          },
          reject,
        );
      });
    },
    stream(path, sopts = {}) {
      return new Promise((resolve, reject) => {
        const req = send(
          { path, headers: sopts.headers },
          (res) => {
            let buf = '';
            const lines: string[] = [];
            let done = false;
            let wake: (() => void) | undefined;
            const notify = () => {
              const w = wake;
              wake = undefined;
              w?.();
            };
            let endResolve!: () => void;
            const ended = new Promise<void>((r) => (endResolve = r));
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              buf += c;
              let i: number;
              while ((i = buf.indexOf('\n')) >= 0) {
                lines.push(buf.slice(0, i));
                buf = buf.slice(i + 1);
              }
              notify();
            });
            const finish = () => {
              if (done) return;
              done = true;
              if (buf) lines.push(buf);
              buf = '';
              endResolve();
              notify();
            };
            res.on('end', finish);
            res.on('close', finish);
            res.on('error', finish);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              ended,
              async nextLine(timeoutMs = 15_000) {
                const deadline = Date.now() + timeoutMs;
                for (;;) {
                  if (lines.length > 0) return lines.shift();
                  if (done) return undefined;
                  const left = deadline - Date.now();
                  if (left <= 0) throw new Error(`no line from ${path} within ${timeoutMs} ms`);
                  await new Promise<void>((r) => {
                    const t = setTimeout(r, left);
                    wake = () => {
                      clearTimeout(t);
                      r();
                    };
                  });
                }
              },
              close() {
                req.destroy();
                finish();
              },
            });
          },
          reject,
        );
      });
    },
    close() {
      agent.destroy();
      anonAgent.destroy();
    },
  };
}

export interface StatusShape {
  kind: string;
  apiVersion: string;
  status: string;
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

/** Why `v` is not a well-formed failure Status for HTTP code `code`, or undefined when it is. */
export function statusProblem(v: unknown, code: number): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const s = v as Record<string, unknown>;
  if (s.kind !== 'Status') return `kind is ${JSON.stringify(s.kind)}`;
  if (s.apiVersion !== 'v1') return `apiVersion is ${JSON.stringify(s.apiVersion)}`;
  if (s.status !== 'Failure') return `status is ${JSON.stringify(s.status)}`;
  if (s.code !== code) return `code ${JSON.stringify(s.code)} differs from the HTTP status ${code}`;
  if (typeof s.message !== 'string' || s.message === '') return 'message is missing';
  if (typeof s.reason !== 'string') return 'reason is missing';
  if (s.metadata === null || typeof s.metadata !== 'object') return 'metadata is missing';
  return undefined;
}
