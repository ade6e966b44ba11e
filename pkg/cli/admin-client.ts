// A small HTTPS client for the commands that talk to a running server (`k3ts token`,
// `k3ts secrets-encrypt`) with an admin kubeconfig: --kubeconfig if given, else the server's own
// <data-dir>/server/cred/admin.kubeconfig, else the default kubeconfig path.
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { dataDirPaths, defaultKubeconfigPath } from '../datadir/datadir';
import { CliError } from './errors';

export interface AdminCredentials {
  readonly server: string;
  readonly caPem?: string;
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly token?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  readonly json: unknown;
}

export interface AdminClient {
  readonly server: string;
  /** The CA bundle the server presents (for the K10 token hash). */
  readonly caPem?: string;
  request(method: string, urlPath: string, body?: unknown): Promise<ApiResponse>;
}

export function adminKubeconfigPath(opts: { kubeconfig?: string; dataDir: string }): string {
  if (opts.kubeconfig) return opts.kubeconfig;
  const own = path.join(dataDirPaths(opts.dataDir).server.cred, 'admin.kubeconfig');
  return fs.existsSync(own) ? own : defaultKubeconfigPath();
}

type Named<T> = { name?: unknown } & T;

function pick<T>(list: unknown, name: unknown, what: string, file: string): T {
  const entries = Array.isArray(list) ? (list as Named<T>[]) : [];
  const hit = entries.find((e) => e?.name === name) ?? (name === undefined ? entries[0] : undefined);
  if (!hit) throw new CliError('config-file', `${file}: no ${what} ${JSON.stringify(name)}`);
  return hit;
}

function material(dataField: unknown, fileField: unknown, base: string): string | undefined {
  if (typeof dataField === 'string' && dataField !== '') return Buffer.from(dataField, 'base64').toString('utf8');
  if (typeof fileField === 'string' && fileField !== '') return fs.readFileSync(path.resolve(base, fileField), 'utf8');
  return undefined;
}

export function loadKubeconfig(file: string): AdminCredentials {
  let doc: Record<string, unknown>;
  try {
    doc = (parseYaml(fs.readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
  } catch (e) {
    throw new CliError('config-file', `cannot read kubeconfig ${file}: ${(e as Error).message} (is the server running? pass --kubeconfig or --data-dir)`);
  }
  const base = path.dirname(file);
  const ctxName = doc['current-context'];
  const context = pick<{ context?: { cluster?: unknown; user?: unknown } }>(doc.contexts, ctxName, 'context', file).context ?? {};
  const cluster = pick<{ cluster?: Record<string, unknown> }>(doc.clusters, context.cluster, 'cluster', file).cluster ?? {};
  const user = pick<{ user?: Record<string, unknown> }>(doc.users, context.user, 'user', file).user ?? {};
  if (typeof cluster.server !== 'string') throw new CliError('config-file', `${file}: the cluster has no server URL`);
  return {
    server: cluster.server,
    caPem: material(cluster['certificate-authority-data'], cluster['certificate-authority'], base),
    certPem: material(user['client-certificate-data'], user['client-certificate'], base),
    keyPem: material(user['client-key-data'], user['client-key'], base),
    ...(typeof user.token === 'string' ? { token: user.token } : {}),
  };
}

export function createAdminClient(creds: AdminCredentials, timeoutMs = 300_000): AdminClient {
  const base = new URL(creds.server);
  return {
    server: creds.server,
    caPem: creds.caPem,
    request(method, urlPath, body) {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      return new Promise<ApiResponse>((resolve, reject) => {
        const req = https.request(
          {
            host: base.hostname.replace(/^\[|\]$/g, ''),
            port: base.port || 443,
            path: urlPath,
            method,
            ca: creds.caPem,
            cert: creds.certPem,
            key: creds.keyPem,
            timeout: timeoutMs,
            headers: {
              Accept: 'application/json',
              'User-Agent': 'k3ts-cli',
              ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
              ...(creds.token ? { Authorization: `Bearer ${creds.token}` } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let json: unknown;
              try {
                json = JSON.parse(text);
              } catch {
                json = undefined;
              }
              resolve({ status: res.statusCode ?? 0, text, json });
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer from ${creds.server} within ${timeoutMs} ms`)));
        req.on('error', (e) => reject(new CliError('request-failed', `cannot reach the k3ts server at ${creds.server}: ${e.message}`)));
        req.end(payload);
      });
    },
  };
}

/** Throws CliError with the server's Status message unless the answer is 2xx. */
export function expectOk(res: ApiResponse, what: string): unknown {
  if (res.status >= 200 && res.status < 300) return res.json;
  const msg = (res.json as { message?: unknown } | undefined)?.message;
  throw new CliError('request-failed', `${what} failed (HTTP ${res.status}): ${typeof msg === 'string' ? msg : res.text.trim() || 'no details'}`);
}
