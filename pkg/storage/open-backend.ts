// `--datastore-endpoint` → a Backend, through an explicit name → factory registry. The returned
// backend is not started: the composition root calls start() and, on shutdown, close().
//
//   ''                      sqlite at the default path (<data-dir>/server/db/state.db)
//   sqlite://PATH[?…]       sqlite at PATH (relative paths resolve against the working directory;
//                           query parameters such as kine's ?_journal=WAL are accepted and ignored)
//   memory | memory://      in-process store, lost on exit (tests, throwaway clusters)
//   postgres://… | postgresql://…   PostgreSQL
//   mysql://…               MySQL / MariaDB
//   etcd://HOST:PORT[,…]    etcd3 (https when client TLS files are given, else http)
//   http(s)://HOST:PORT[,…] etcd3
// Drivers with a client library are imported on first use, so a sqlite server never loads them.
import * as path from 'node:path';
import type { Backend } from './backend';
import { InvalidEndpointError } from './errors';
import { MemoryBackend } from './drivers/memory';
import { SqliteBackend } from './drivers/sqlite';

export interface DatastoreTls {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface OpenBackendOptions {
  /** Used for an empty endpoint or `sqlite://` without a path. */
  readonly defaultSqlitePath: string;
  /** better-sqlite3 addon object loaded by the launcher (undefined = resolve from node_modules). */
  readonly nativeBinding?: unknown;
  /** --datastore-cafile / --datastore-certfile / --datastore-keyfile. */
  readonly tls?: DatastoreTls;
}

export type DriverName = 'sqlite' | 'memory' | 'postgres' | 'mysql' | 'etcd';

export type ParsedEndpoint =
  | { readonly driver: 'sqlite'; readonly path: string }
  | { readonly driver: 'memory' }
  | { readonly driver: 'postgres'; readonly url: string }
  | { readonly driver: 'mysql'; readonly url: string }
  | { readonly driver: 'etcd'; readonly endpoints: readonly string[] };

type DriverFactory = (endpoint: ParsedEndpoint, opts: OpenBackendOptions) => Promise<Backend>;

const EXPECTED = 'expected sqlite://PATH, memory, postgres://…, mysql://…, etcd://HOST:PORT or http(s)://HOST:PORT (comma-separated for several etcd members)';

/** The registry: one factory per driver name. */
const DRIVERS: Readonly<Record<DriverName, DriverFactory>> = Object.freeze({
  sqlite: async (e, o) => new SqliteBackend(Object.freeze({ path: narrow(e, 'sqlite').path, nativeBinding: o.nativeBinding })),
  memory: async () => new MemoryBackend(),
  postgres: async (e) => (await import('./drivers/postgres')).createPostgresBackend(Object.freeze({ url: narrow(e, 'postgres').url })),
  mysql: async (e) => (await import('./drivers/mysql')).createMysqlBackend(Object.freeze({ url: narrow(e, 'mysql').url })),
  etcd: async (e, o) =>
    (await import('./drivers/etcd')).createEtcdBackend(
      Object.freeze({ endpoints: narrow(e, 'etcd').endpoints, ...(o.tls && hasTls(o.tls) ? { tls: o.tls } : {}) }),
    ),
});

/** Parses and validates an endpoint, then constructs (without starting) its backend. */
export async function openBackend(endpoint: string, opts: OpenBackendOptions): Promise<Backend> {
  const parsed = parseEndpoint(endpoint, opts);
  return DRIVERS[parsed.driver](parsed, opts);
}

/** Understands the endpoint forms listed at the top of this file; throws InvalidEndpointError otherwise. */
export function parseEndpoint(endpoint: string, opts: Pick<OpenBackendOptions, 'defaultSqlitePath' | 'tls'>): ParsedEndpoint {
  const e = endpoint.trim();
  if (e === '') return { driver: 'sqlite', path: path.resolve(opts.defaultSqlitePath) };
  if (e === 'memory' || e === 'memory://') return { driver: 'memory' };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(e)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite': {
      const p = e.slice('sqlite://'.length).split('?')[0]!;
      return { driver: 'sqlite', path: path.resolve(p === '' ? opts.defaultSqlitePath : p) };
    }
    case 'postgres':
    case 'postgresql':
      return { driver: 'postgres', url: checkUrl(endpoint, e) };
    case 'mysql':
      return { driver: 'mysql', url: checkUrl(endpoint, e) };
    case 'etcd':
    case 'http':
    case 'https':
      return { driver: 'etcd', endpoints: etcdEndpoints(endpoint, e, opts.tls) };
    case undefined:
      throw new InvalidEndpointError(endpoint, `no scheme; ${EXPECTED}`);
    default:
      throw new InvalidEndpointError(endpoint, `unknown scheme ${scheme}://; ${EXPECTED}`);
  }
}

/** Only checks that something follows the scheme: each SQL driver validates its own DSN forms
 * (e.g. MySQL's Go-style user:pass@tcp(host:3306)/db) and throws InvalidEndpointError itself. */
function checkUrl(original: string, e: string): string {
  if (/^[a-z]+:\/\/\s*$/i.test(e)) throw new InvalidEndpointError(original, 'nothing after the scheme; expected e.g. postgres://user:password@127.0.0.1:5432/k3ts');
  return e;
}

function etcdEndpoints(original: string, e: string, tls: DatastoreTls | undefined): string[] {
  const secure = tls !== undefined && hasTls(tls);
  const first = /^[a-z]+/i.exec(e)![0];
  return e.split(',').map((part) => {
    // Members after the first may omit the scheme (etcd://a:2379,b:2379).
    const full = /^[a-z][a-z0-9+.-]*:\/\//i.test(part.trim()) ? part.trim() : `${first}://${part.trim()}`;
    const m = /^(etcd|https?):\/\/([^/?#\s]+)\/?$/i.exec(full);
    if (!m) throw new InvalidEndpointError(original, `member ${JSON.stringify(part)} is not HOST:PORT; ${EXPECTED}`);
    const scheme = m[1]!.toLowerCase();
    const hostPort = m[2]!;
    let u: URL;
    try {
      u = new URL(`http://${hostPort}`);
    } catch {
      throw new InvalidEndpointError(original, `member ${JSON.stringify(part)} has an invalid host:port`);
    }
    if (u.username || u.password) throw new InvalidEndpointError(original, 'credentials in an etcd endpoint are not supported; use client certificates');
    const port = u.port || '2379';
    return `${scheme === 'etcd' ? (secure ? 'https' : 'http') : scheme}://${u.hostname}:${port}`;
  });
}

function hasTls(t: DatastoreTls): boolean {
  return Boolean(t.caFile || t.certFile || t.keyFile);
}

function narrow<D extends DriverName>(e: ParsedEndpoint, driver: D): Extract<ParsedEndpoint, { driver: D }> {
  if (e.driver !== driver) throw new Error(`internal: ${driver} factory called for a ${e.driver} endpoint`);
  return e as Extract<ParsedEndpoint, { driver: D }>;
}
