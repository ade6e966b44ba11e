// The supervisor endpoints on the server's HTTPS port (K3s's /cacerts and /v1-k3s/…): what a
// joining `k3ts agent` fetches before it has any certificate. /cacerts is public (the agent checks
// it against its token's K10 hash before sending credentials); everything else needs a join token
// as Basic credentials, and the certificate endpoints also the node's name and password headers.
// Answered before the API server's own authentication, so a request never reaches RBAC.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from '../../apiserver/errors';
import { writeError, writeJson, writeText } from '../../apiserver/http/respond';
import { issueClientCertificate, issueServingCertificate, LEAF_DAYS } from '../../certs';
import type { RestClient } from '../../client/rest-client';
import type { ResourceRef } from '../../client/resource-ref';
import type { KubeObject } from '../../api/types';
import type { Logger } from '../../log/logger';
import { agentAuthenticated } from './agent-auth';
import { verifyNodePassword } from './node-passwords';
import { NODE_IP_HEADER, NODE_NAME_HEADER, NODE_PASSWORD_HEADER, SUPERVISOR_PATHS, type AgentClusterConfig } from './protocol';

export interface SupervisorConfig {
  readonly tlsDir: string;
  /** server/token (and node-token), server/agent-token: their passwords authenticate agents. */
  readonly tokenFiles: readonly string[];
  readonly cluster: AgentClusterConfig;
}

export interface Supervisor {
  /** Answers `req` and returns true when it is a supervisor path; false leaves it to the API server. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** The client (this server's own API, as the supervisor) for node-password Secrets and the API server list. */
  attach(client: RestClient): void;
}

const ENDPOINTS: ResourceRef = Object.freeze({ group: '', version: 'v1', resource: 'endpoints', kind: 'Endpoints', namespaced: true });
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PATHS = new Set<string>(Object.values(SUPERVISOR_PATHS));

interface EndpointsObject extends KubeObject {
  subsets?: { addresses?: { ip: string }[]; ports?: { port: number; name?: string }[] }[];
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
}

export function createSupervisor(cfg: SupervisorConfig, log: Logger): Supervisor {
  let client: RestClient | undefined;
  const tls = (f: string) => readFile(path.join(cfg.tlsDir, f), 'utf8');
  const needClient = (): RestClient => {
    if (!client) throw errors.unavailable('the server is starting; try again');
    return client;
  };

  async function node(req: IncomingMessage): Promise<{ name: string; ips: string[] }> {
    const name = header(req, NODE_NAME_HEADER);
    const password = header(req, NODE_PASSWORD_HEADER);
    if (!name || !NODE_NAME.test(name) || name.length > 253) throw errors.badRequest(`header ${NODE_NAME_HEADER} must be a valid node name (a DNS subdomain), got ${JSON.stringify(name ?? '')}`);
    if (!password) throw errors.badRequest(`header ${NODE_PASSWORD_HEADER} is required`);
    await verifyNodePassword(needClient(), name, password);
    const ips = (header(req, NODE_IP_HEADER) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return { name, ips };
  }

  async function clientCert(commonName: string, organizations: string[]): Promise<string> {
    const [certPem, keyPem] = await Promise.all([tls('client-ca.crt'), tls('client-ca.key')]);
    const c = await issueClientCertificate({ certPem, keyPem }, { commonName, organizations, days: LEAF_DAYS });
    return c.certPem + c.keyPem;
  }

  async function serve(p: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if ((req.method ?? 'GET') !== 'GET') throw new ApiError(405, 'MethodNotAllowed', `${req.method} is not supported on ${p}; expected GET`);
    if (p === SUPERVISOR_PATHS.cacerts) return writeText(res, 200, await tls('server-ca.crt'));
    if (!(await agentAuthenticated(req, cfg.tokenFiles))) throw errors.unauthorized();
    switch (p) {
      case SUPERVISOR_PATHS.readyz:
        if (!client) throw errors.unavailable('the server is starting');
        return writeText(res, 200, 'ok');
      case SUPERVISOR_PATHS.config:
        return writeJson(res, 200, cfg.cluster);
      case SUPERVISOR_PATHS.clientCa:
        return writeText(res, 200, await tls('client-ca.crt'));
      case SUPERVISOR_PATHS.apiservers: {
        const ep = await needClient().resource<EndpointsObject>(ENDPOINTS).get('default', 'kubernetes');
        const out: string[] = [];
        for (const s of ep.subsets ?? []) {
          const port = s.ports?.find((x) => x.name === 'https')?.port ?? s.ports?.[0]?.port;
          if (port) for (const a of s.addresses ?? []) out.push(`${a.ip.includes(':') ? `[${a.ip}]` : a.ip}:${port}`);
        }
        return writeJson(res, 200, out);
      }
      case SUPERVISOR_PATHS.clientKubelet: {
        const n = await node(req);
        log.info('issued a kubelet client certificate', { node: n.name });
        return writeText(res, 200, await clientCert(`system:node:${n.name}`, ['system:nodes']));
      }
      case SUPERVISOR_PATHS.clientKubeProxy:
        await node(req);
        return writeText(res, 200, await clientCert('system:kube-proxy', []));
      case SUPERVISOR_PATHS.clientK3tsController:
        await node(req);
        return writeText(res, 200, await clientCert('system:k3ts-controller', []));
      case SUPERVISOR_PATHS.servingKubelet: {
        const n = await node(req);
        const [certPem, keyPem] = await Promise.all([tls('server-ca.crt'), tls('server-ca.key')]);
        let c;
        try {
          c = await issueServingCertificate({ certPem, keyPem }, { commonName: n.name, dnsNames: [n.name, 'localhost'], ipAddresses: [...new Set([...n.ips, '127.0.0.1'])], days: LEAF_DAYS });
        } catch (e) {
          throw errors.badRequest(`cannot issue a serving certificate for node ${n.name}: ${(e as Error).message}`);
        }
        log.info('issued a kubelet serving certificate', { node: n.name, ips: n.ips.join(',') });
        return writeText(res, 200, c.certPem + c.keyPem);
      }
      default:
        throw errors.notFoundPath();
    }
  }

  return {
    handle(req, res) {
      let p: string;
      try {
        p = new URL(req.url ?? '/', 'https://k3ts.invalid').pathname;
      } catch {
        return false; // not a supervisor path; the API server answers malformed targets
      }
      if (!PATHS.has(p)) return false;
      serve(p, req, res).catch((e: unknown) => {
        const err = e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e));
        if (err.code >= 500) log.error('supervisor request failed', { path: p, error: e instanceof Error ? e.message : String(e) });
        else if (err.code === 403) log.warn('supervisor request refused', { path: p, node: header(req, NODE_NAME_HEADER) ?? '', reason: err.message });
        if (!res.headersSent) writeError(res, err);
        else res.destroy();
      });
      return true;
    },
    attach(c) {
      client = c;
    },
  };
}
