// The kubelet's HTTPS API on :10250, as the API server's pods/log|exec|attach|portforward proxies
// and its metrics API call it:
//   GET /healthz
//   GET /pods                                              pods bound to this node
//   GET /containerLogs/<ns>/<pod>/<container>?follow&previous&timestamps&tailLines&sinceSeconds&sinceTime&limitBytes
//   GET /exec/<ns>/<pod>/<container>?command=…&stdin&stdout&stderr&tty   (WebSocket, v5.channel.k8s.io)
//   GET /attach/<ns>/<pod>/<container>?stdin&stdout&stderr&tty             (WebSocket, v5.channel.k8s.io)
//   GET|POST /portForward/<ns>/<pod>[?ports=…]                             (SPDY/3.1 or channel WebSocket)
//   GET /stats/summary                                                     statsapi.Summary (JSON)
//   GET /metrics/resource                                                  resource metrics (Prometheus text)
// Callers present a client certificate from the cluster's client CA. The API server
// (system:kube-apiserver) and system:masters may do everything; anyone else is authorized by the
// API server (SubjectAccessReview on nodes/stats|metrics|log|proxy, see kubelet-authz.ts).
import * as https from 'node:https';
import * as os from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { systemClock, type Clock } from '../../client/clock';
import type { Logger } from '../../log/logger';
import type { RuntimeService } from '../cri/types';
import type { KubeletApiRuntime } from './kubelet-runtime';
import { kubeletRequestAttributes, type KubeletAuthorizer } from './kubelet-authz';
import { messageOf } from '../errors';
import type { Pod } from '../pod-types';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from '../sandbox-config';
import { streamContainerLog, type LogOptions } from './container-logs';
import { handleAttach, handleExec } from './exec-handler';
import { HOST_USAGE_SOURCE, type NodeUsageSource } from './node-usage';
import { handlePortForward } from './port-forward';
import { formatResourceMetrics, RESOURCE_METRICS_CONTENT_TYPE } from './resource-metrics';
import { sampleResources } from './resource-stats';
import { CpuRateTracker, statsSummary } from './stats-summary';

export interface KubeletServerConfig {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly certPem: string;
  readonly keyPem: string;
  readonly clientCaPem: string;
}

export interface PodLookup {
  pod(namespace: string, name: string): Pod | undefined;
  allPods?(): readonly Pod[];
}

export interface KubeletServerDeps {
  readonly runtime: KubeletApiRuntime;
  /** The node's name in /stats/summary (default: the host name). */
  readonly nodeName?: string;
  /** Where the node's own usage is read (default: the host's /sys/fs/cgroup and /proc). */
  readonly usageSource?: Omit<NodeUsageSource, 'now'>;
  /** Decides for callers other than the API server and system:masters (absent: they are refused). */
  readonly authorize?: KubeletAuthorizer;
  readonly kubelet: PodLookup;
  readonly podLogsDir: string;
  readonly log: Logger;
  readonly clock?: Clock;
}

export interface RunningKubeletServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The API server (system:kube-apiserver) and system:masters may use everything; other callers with a
 * client certificate of the cluster are asked about through `authorize` (SubjectAccessReview on
 * nodes/stats|metrics|log|proxy) when the kubelet has one, and refused otherwise.
 */
async function allowed(req: IncomingMessage, authorize: KubeletAuthorizer | undefined): Promise<{ ok: boolean; user: string; authenticated: boolean }> {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return { ok: false, user: 'system:anonymous', authenticated: false };
  const cert = socket.getPeerCertificate();
  const cn = String(cert.subject?.CN ?? '');
  const o = cert.subject?.O;
  const groups = Array.isArray(o) ? o.map(String) : o ? [String(o)] : [];
  if (cn === 'system:kube-apiserver' || groups.includes('system:masters')) return { ok: true, user: cn, authenticated: true };
  const url = new URL(req.url ?? '/', 'https://kubelet');
  const ok = authorize ? await authorize({ username: cn, groups: [...groups, 'system:authenticated'] }, kubeletRequestAttributes(req.method ?? 'GET', url.pathname)) : false;
  return { ok, user: cn, authenticated: true };
}

function status(res: ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason: code === 404 ? 'NotFound' : code === 403 ? 'Forbidden' : code === 401 ? 'Unauthorized' : code === 400 ? 'BadRequest' : 'InternalError', code }));
}

/** The pod's ready sandbox (what port-forward enters), newest first. */
export async function readySandbox(runtime: RuntimeService, podUid: string): Promise<string | undefined> {
  const list = await runtime.listPodSandbox({ label_selector: { [LABEL_POD_UID]: podUid }, state: { state: 'SANDBOX_READY' } });
  return [...list].sort((a, b) => (BigInt(b.created_at) > BigInt(a.created_at) ? 1 : -1))[0]?.id;
}

/** The container of a pod by name, newest first ([0] current, [1] previous). */
export async function podContainers(runtime: RuntimeService, pod: Pod, container: string): Promise<string[]> {
  const list = await runtime.listContainers({ label_selector: { [LABEL_POD_UID]: String(pod.metadata.uid), [LABEL_CONTAINER_NAME]: container } });
  return [...list].sort((a, b) => (BigInt(b.created_at) > BigInt(a.created_at) ? 1 : -1)).map((c) => c.id);
}

export async function startKubeletServer(cfg: KubeletServerConfig, deps: KubeletServerDeps): Promise<RunningKubeletServer> {
  const clock = deps.clock ?? systemClock;
  const nodeName = deps.nodeName ?? os.hostname();
  const startedMs = clock.now() - os.uptime() * 1000;
  const rates = new CpuRateTracker();
  const sample = () => sampleResources(deps.runtime, { ...(deps.usageSource ?? HOST_USAGE_SOURCE), now: () => clock.now() });
  const server = https.createServer({ cert: cfg.certPem, key: cfg.keyPem, ca: cfg.clientCaPem, requestCert: true, rejectUnauthorized: false });

  const resolve = (res: ServerResponse | undefined, ns: string, name: string, container: string | undefined): { pod: Pod; container: string } | undefined => {
    const pod = deps.kubelet.pod(ns, name);
    if (!pod) {
      if (res) status(res, 404, `pod ${ns}/${name} is not on this node`);
      return undefined;
    }
    const names = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((c) => c.name);
    const c = container || (pod.spec.containers.length === 1 ? pod.spec.containers[0]!.name : undefined);
    if (!c || !names.includes(c)) {
      if (res) status(res, 400, c ? `container ${c} is not valid for pod ${name}` : `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
      return undefined;
    }
    return { pod, container: c };
  };

  const logs = async (req: IncomingMessage, res: ServerResponse, parts: string[], q: URLSearchParams) => {
    const [ns = '', name = '', container] = parts;
    const r = resolve(res, decodeURIComponent(ns), decodeURIComponent(name), container && decodeURIComponent(container));
    if (!r) return;
    const ids = await podContainers(deps.runtime, r.pod, r.container);
    const previous = q.get('previous') === 'true';
    const id = previous ? ids[1] : ids[0];
    if (!id) return status(res, 400, previous ? `previous terminated container "${r.container}" in pod "${name}" not found` : `container "${r.container}" in pod "${name}" is waiting to start: ContainerCreating`);
    const st = await deps.runtime.containerStatus(id);
    const num = (k: string) => (q.get(k) !== null && q.get(k) !== '' ? Number(q.get(k)) : undefined);
    const sinceTime = q.get('sinceTime');
    const sinceSeconds = num('sinceSeconds');
    const o: LogOptions = {
      follow: q.get('follow') === 'true' && !previous,
      timestamps: q.get('timestamps') === 'true',
      tailLines: num('tailLines'),
      limitBytes: num('limitBytes'),
      sinceMs: sinceTime ? Date.parse(sinceTime) : sinceSeconds !== undefined ? clock.now() - sinceSeconds * 1000 : undefined,
    };
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    req.on('close', () => abort.abort());
    const running = async () => {
      try {
        return (await deps.runtime.containerStatus(id)).state === 'CONTAINER_RUNNING';
      } catch {
        return false;
      }
    };
    await streamContainerLog(st.log_path, o, { write: (s) => res.write(s), running, signal: abort.signal, clock });
    res.end();
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const parts = url.pathname.split('/').filter(Boolean);
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return res.end('ok');
    }
    const run = async () => {
      const who = await allowed(req, deps.authorize);
      if (!who.ok) {
        const a = kubeletRequestAttributes(req.method ?? 'GET', url.pathname);
        return status(res, who.authenticated ? 403 : 401, who.authenticated ? `Forbidden (user=${who.user}, verb=${a.verb}, resource=nodes, subresource=${a.subresource})` : 'Unauthorized');
      }
      if (parts[0] === 'containerLogs' && req.method === 'GET') return logs(req, res, parts.slice(1), url.searchParams);
      if (url.pathname === '/stats/summary' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify(statsSummary(nodeName, startedMs, await sample(), rates)));
      }
      if (url.pathname === '/metrics/resource' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': RESOURCE_METRICS_CONTENT_TYPE });
        return res.end(formatResourceMetrics(await sample()));
      }
      if (parts[0] === 'pods' && parts.length === 1) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: deps.kubelet.allPods?.() ?? [] }));
      }
      status(res, 404, `${url.pathname} is not served by this kubelet`);
    };
    run().catch((e: unknown) => {
      deps.log.warn('kubelet API request failed', { path: url.pathname, error: messageOf(e) });
      if (!res.headersSent) status(res, 500, messageOf(e));
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const parts = url.pathname.split('/').filter(Boolean);
    void allowed(req, deps.authorize).then((who) => {
      if (who.ok) return upgrade(req, socket, head, url, parts);
      socket.end(`HTTP/1.1 ${who.authenticated ? '403 Forbidden' : '401 Unauthorized'}\r\nContent-Length: 0\r\n\r\n`);
    });
  });

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, parts: string[]): void => {
    const fail = (e: unknown) => {
      deps.log.warn(`${parts[0]} failed`, { error: messageOf(e) });
      socket.destroy();
    };
    const ns = decodeURIComponent(parts[1] ?? '');
    const name = decodeURIComponent(parts[2] ?? '');
    if (parts[0] === 'portForward' && parts.length === 3) {
      const pod = deps.kubelet.pod(ns, name);
      if (!pod) return void socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      handlePortForward(req, socket, head, url.searchParams, { runtime: deps.runtime, log: deps.log, sandboxId: () => readySandbox(deps.runtime, String(pod.metadata.uid)) }).catch(fail);
      return;
    }
    if ((parts[0] !== 'exec' && parts[0] !== 'attach') || parts.length < 3) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const r = resolve(undefined, ns, name, parts[3] && decodeURIComponent(parts[3]));
    if (!r) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const streamDeps = { runtime: deps.runtime, log: deps.log, containerIds: () => podContainers(deps.runtime, r.pod, r.container) };
    (parts[0] === 'exec' ? handleExec(req, socket, head, url.searchParams, streamDeps) : handleAttach(req, socket, head, url.searchParams, streamDeps)).catch(fail);
  };

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(cfg.port, cfg.host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  deps.log.info('kubelet API listening', { port });
  return {
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
