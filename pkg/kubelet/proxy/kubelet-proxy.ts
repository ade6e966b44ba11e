// The API server's side of `kubectl logs|exec|attach|port-forward`: pods/log, pods/exec,
// pods/attach and pods/portforward are answered by the kubelet of the pod's node,
// reached at the Node's InternalIP and daemonEndpoints.kubeletEndpoint.Port over TLS (the
// kubelet's serving certificate is signed by server-ca; the API server authenticates with its own
// client certificate, system:kube-apiserver). The response streams through as it arrives (-f).
import { readFile } from 'node:fs/promises';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Store } from '../../apiserver/registry/store';
import type { SubresourceHandler } from '../../apiserver/api-server';
import { ApiError } from '../../apiserver/errors';
import type { ResourceContext } from '../../apiserver/handlers/request-context';
import type { KubeObject } from '../../api/types';
import { pipeUpgrade } from '../server/exec-handler';

export interface KubeletClientCredentials {
  /** CA that signed kubelets' serving certificates (server-ca). */
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

const LOG_PARAMS = ['container', 'follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds', 'sinceTime', 'limitBytes'];

function nodesStore(ctx: ResourceContext): Store {
  for (const [def, store] of ctx.services.stores) if (def.group === '' && def.resource === 'nodes' && !def.storageResource) return store;
  throw new ApiError(500, 'InternalError', 'the nodes resource is not served');
}

/** host:port of a node's kubelet API. */
export function kubeletAddress(node: KubeObject): { host: string; port: number } {
  const status = (node.status ?? {}) as { addresses?: { type?: string; address?: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
  const addrs = status.addresses ?? [];
  const host = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs.find((a) => a.type === 'ExternalIP')?.address ?? addrs.find((a) => a.type === 'Hostname')?.address;
  const port = status.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
  if (!host) throw new ApiError(400, 'BadRequest', `node ${node.metadata.name} has no address to reach its kubelet`);
  return { host, port };
}

async function podAndNode(ctx: ResourceContext): Promise<{ pod: KubeObject; node: KubeObject }> {
  const name = ctx.info.name;
  if (!name) throw new ApiError(400, 'BadRequest', 'a pod name is required');
  const pod = await ctx.store.get(ctx.info.namespace, name);
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (!nodeName) throw new ApiError(400, 'BadRequest', `pod ${name} does not have a host assigned`);
  let node: KubeObject;
  try {
    node = await nodesStore(ctx).get(undefined, nodeName);
  } catch {
    throw new ApiError(404, 'NotFound', `nodes "${nodeName}" not found`);
  }
  return { pod, node };
}

/** Credentials are read when first needed (the server's certificates may not exist yet at wiring time). */
export type CredentialSource = () => Promise<KubeletClientCredentials>;

export function kubeletLogHandler(source: CredentialSource): SubresourceHandler {
  return async (ctx) => {
    const { pod, node } = await podAndNode(ctx);
    const creds = await source();
    const { host, port } = kubeletAddress(node);
    const q = new URLSearchParams();
    for (const k of LOG_PARAMS) {
      const v = ctx.query.get(k);
      if (v !== null && k !== 'container') q.set(k, v);
    }
    const container = ctx.query.get('container') ?? '';
    const path = `/containerLogs/${encodeURIComponent(String(pod.metadata.namespace))}/${encodeURIComponent(String(pod.metadata.name))}/${encodeURIComponent(container)}${q.size ? `?${q}` : ''}`;
    await new Promise<void>((resolve, reject) => {
      const upstream = https.request({ host, port, path, method: 'GET', ca: creds.caPem, cert: creds.certPem, key: creds.keyPem });
      upstream.on('error', (e) => reject(new ApiError(503, 'ServiceUnavailable', `the kubelet of node ${node.metadata.name} at ${host}:${port} did not answer: ${e.message}`)));
      upstream.on('response', (r: IncomingMessage) => {
        ctx.res.writeHead(r.statusCode ?? 502, { 'Content-Type': String(r.headers['content-type'] ?? 'text/plain'), ...(r.statusCode === 200 ? { 'Transfer-Encoding': 'chunked' } : {}) });
        r.pipe(ctx.res);
        r.on('end', () => resolve());
        r.on('error', () => resolve());
        ctx.res.on('close', () => {
          upstream.destroy();
          resolve();
        });
      });
      ctx.req.on('close', () => upstream.destroy());
      upstream.end();
    });
  };
}

const STREAM_PARAMS = ['command', 'stdin', 'stdout', 'stderr', 'tty', 'ports'];
/** kubectl's WebSocket-tunnelled SPDY for port-forward: refused (non-101) so that it falls back to a plain SPDY upgrade. */
const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

type StreamKind = 'exec' | 'attach' | 'portforward';

function streamPath(kind: StreamKind, pod: KubeObject, ctx: ResourceContext): string {
  const ns = encodeURIComponent(String(pod.metadata.namespace));
  const name = encodeURIComponent(String(pod.metadata.name));
  const q = new URLSearchParams();
  for (const k of STREAM_PARAMS) for (const v of ctx.query.getAll(k)) q.append(k, v);
  const query = q.size ? `?${q}` : '';
  if (kind === 'portforward') return `/portForward/${ns}/${name}${query}`;
  return `/${kind}/${ns}/${name}/${encodeURIComponent(ctx.query.get('container') ?? '')}${query}`;
}

/**
 * pods/exec, pods/attach and pods/portforward: once the API server has authorized the request,
 * the upgrade is replayed to the kubelet and the two sockets are piped, so the handshake and
 * frames pass through untouched. exec and attach are served over WebSocket (v5.channel.k8s.io;
 * kubectl's SPDY fallback is refused). port-forward is served over SPDY/3.1 (kubectl) and channel
 * WebSocket (@kubernetes/client-node); kubectl's WebSocket-tunnelled SPDY is answered 400 so that
 * kubectl falls back to plain SPDY.
 */
export function kubeletStreamHandler(kind: StreamKind, source: CredentialSource): SubresourceHandler {
  return async (ctx) => {
    const socket = ctx.res.socket;
    const upgrade = String(ctx.req.headers.upgrade ?? '').toLowerCase();
    const websocket = upgrade.includes('websocket');
    if (!socket || !(websocket || (kind === 'portforward' && upgrade.startsWith('spdy/')))) {
      throw new ApiError(400, 'BadRequest', kind === 'portforward' ? 'pods/portforward is served over an SPDY/3.1 or WebSocket upgrade' : `pods/${kind} is served over WebSocket (v5.channel.k8s.io); SPDY upgrades are not supported by this server`);
    }
    if (kind === 'portforward' && websocket) {
      const offered = String(ctx.req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
      if (offered.includes(SPDY_TUNNEL_PROTOCOL) && offered.every((p) => p === SPDY_TUNNEL_PROTOCOL || !p.endsWith('channel.k8s.io'))) {
        throw new ApiError(400, 'BadRequest', `port-forward over ${SPDY_TUNNEL_PROTOCOL} is not supported by this server; use SPDY/3.1`);
      }
    }
    const { pod, node } = await podAndNode(ctx);
    const { host, port } = kubeletAddress(node);
    const creds = await source();
    const upstream = tls.connect({ host, port, ca: creds.caPem, cert: creds.certPem, key: creds.keyPem, servername: isIP(host) ? undefined : host });
    await new Promise<void>((resolve, reject) => {
      upstream.once('secureConnect', () => resolve());
      upstream.once('error', (e) => reject(new ApiError(503, 'ServiceUnavailable', `the kubelet of node ${node.metadata.name} at ${host}:${port} did not answer: ${e.message}`)));
    });
    ctx.res.detachSocket(socket);
    await new Promise<void>((resolve) => {
      pipeUpgrade(ctx.req, socket, Buffer.alloc(0), upstream, streamPath(kind, pod, ctx), `${host}:${port}`);
      socket.on('close', () => resolve());
    });
  };
}

/** Subresource handlers keyed as the API server looks them up (`<group>/<resource>/<subresource>`). */
export function kubeletProxySubresources(source: CredentialSource): Map<string, SubresourceHandler> {
  return new Map([
    ['/pods/log', kubeletLogHandler(source)],
    ['/pods/exec', kubeletStreamHandler('exec', source)],
    ['/pods/attach', kubeletStreamHandler('attach', source)],
    ['/pods/portforward', kubeletStreamHandler('portforward', source)],
  ]);
}

/** The API server's kubelet-client credentials from `server/tls` (server-ca, client-kube-apiserver), read once. */
export function serverTlsCredentials(tlsDir: string): CredentialSource {
  let cached: Promise<KubeletClientCredentials> | undefined;
  return () => {
    cached ??= Promise.all(['server-ca.crt', 'client-kube-apiserver.crt', 'client-kube-apiserver.key'].map((f) => readFile(join(tlsDir, f), 'utf8'))).then(([caPem, certPem, keyPem]) => ({ caPem: caPem!, certPem: certPem!, keyPem: keyPem! }));
    cached.catch(() => (cached = undefined));
    return cached;
  };
}
