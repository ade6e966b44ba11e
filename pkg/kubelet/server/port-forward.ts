// Port-forward on the kubelet API. containerd's CRI PortForward returns a one-time URL on its
// streaming server, which speaks both of kubectl's port-forward protocols itself: SPDY/3.1
// (`X-Stream-Protocol-Version: portforward.k8s.io`, data/error stream pairs per request id) and
// channel WebSocket (`ports` query, two channels per port). So the kubelet only finds the pod's
// sandbox, asks for that URL and replays the client's upgrade there, relaying bytes both ways:
// the streaming server answers the 101 and frames everything after it.
import type { IncomingMessage } from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../log/logger';
import type { KubeletApiRuntime } from './kubelet-runtime';
import { pipeUpgrade } from './exec-handler';

export interface PortForwardDeps {
  readonly runtime: KubeletApiRuntime;
  readonly log: Logger;
  /** The ready sandbox of the pod, or undefined when it has none (yet). */
  readonly sandboxId: () => Promise<string | undefined>;
}

function refuse(socket: Duplex, status: string, message: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
}

/** Ports named in a WebSocket port-forward's query (`ports=80,8080` or repeated); SPDY names them per stream instead. */
export function requestedPorts(q: URLSearchParams): number[] | undefined {
  const out: number[] = [];
  for (const v of q.getAll('ports')) {
    for (const p of v.split(',')) {
      const n = Number(p.trim());
      if (!Number.isInteger(n) || n < 1 || n > 65535) return undefined;
      out.push(n);
    }
  }
  return out;
}

export async function handlePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, q: URLSearchParams, deps: PortForwardDeps): Promise<void> {
  const ports = requestedPorts(q);
  if (!ports) return refuse(socket, '400 Bad Request', 'ports must be integers between 1 and 65535');
  const sandbox = await deps.sandboxId();
  if (!sandbox) return refuse(socket, '404 Not Found', 'the pod has no running sandbox');
  const url = new URL(await deps.runtime.portForward(sandbox, ports));
  if (url.protocol !== 'http:') return refuse(socket, '502 Bad Gateway', `the runtime's streaming server is at ${url.protocol}//, only plain http on the node is supported`);
  const upstream = net.connect({ host: url.hostname, port: Number(url.port || 80) });
  try {
    await new Promise<void>((resolve, reject) => {
      upstream.once('connect', () => resolve());
      upstream.once('error', reject);
    });
  } catch (e) {
    return refuse(socket, '502 Bad Gateway', `the runtime's streaming server did not answer: ${(e as Error).message}`);
  }
  deps.log.debug('port-forward stream', { sandbox: sandbox.slice(0, 12), protocol: String(req.headers.upgrade ?? '') });
  pipeUpgrade(req, socket, head, upstream, `${url.pathname}${q.size ? `?${q}` : ''}`, url.host);
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
}
