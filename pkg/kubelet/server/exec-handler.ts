// Exec on the kubelet API: the CRI Exec call returns a one-time URL on containerd's streaming
// server (127.0.0.1), which speaks remotecommand over WebSocket. pipeUpgrade is also what the API
// server uses to pass an authorized upgrade through to the kubelet untouched.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../log/logger';
import type { RuntimeService } from '../cri/types';
import { acceptWebSocket, connectWebSocket, type WsConnection } from './websocket';

export interface ExecDeps {
  readonly runtime: RuntimeService;
  readonly log: Logger;
  /** The pod's container ids for the requested name, newest first. */
  readonly containerIds: () => Promise<string[]>;
}

const FORWARDED = ['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol'];

/** Writes `req`'s upgrade to `target` (same path semantics, selected headers) and pipes the two sockets. */
export function pipeUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, upstream: Duplex, pathAndQuery: string, host: string): void {
  const lines = [`GET ${pathAndQuery} HTTP/1.1`, `Host: ${host}`];
  for (const h of FORWARDED) {
    const v = req.headers[h];
    if (v !== undefined) lines.push(`${h}: ${Array.isArray(v) ? v.join(', ') : v}`);
  }
  upstream.write(lines.join('\r\n') + '\r\n\r\n');
  if (head.length > 0) upstream.write(head);
  // pipe() ends each side when the other ends, after flushing what is queued; errors tear both down.
  upstream.pipe(client);
  client.pipe(upstream);
  const abort = () => {
    client.destroy();
    upstream.destroy();
  };
  upstream.on('error', abort);
  client.on('error', abort);
}

/** remotecommand WebSocket protocols, best first. v5 adds only the stdin-close signal (channel 255) to v4. */
export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;
const CLOSE_CHANNEL = 255;

function refuse(socket: Duplex, status: string, message: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
}

/**
 * Exec over WebSocket. containerd 1.6's streaming server speaks remotecommand up to v4, while
 * current kubectl offers only v5; the two differ only in v5's stdin-close message. So the kubelet
 * terminates the client's WebSocket (answering with the best protocol offered), dials containerd
 * with v4 (or the client's own older version) and relays messages. Limitation: a v5 stdin close
 * cannot be expressed in v4, so a command reading piped stdin without a TTY does not see EOF.
 */
export async function handleExec(req: IncomingMessage, socket: Duplex, head: Buffer, q: URLSearchParams, deps: ExecDeps): Promise<void> {
  const command = q.getAll('command');
  if (command.length === 0) return refuse(socket, '400 Bad Request', 'exec needs at least one command parameter');
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const protocol = CHANNEL_PROTOCOLS.find((p) => offered.includes(p));
  if (!protocol) return refuse(socket, '403 Forbidden', `requested protocol(s) are not supported: ${offered.join(', ')}; expected one of ${CHANNEL_PROTOCOLS.join(', ')}`);
  const [id] = await deps.containerIds();
  if (!id) return refuse(socket, '404 Not Found', 'the container has not been created yet');
  const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  const tty = flag('tty');
  const url = new URL(await deps.runtime.exec({ container_id: id, cmd: command, tty, stdin: flag('stdin'), stdout: flag('stdout'), stderr: !tty && flag('stderr') }));
  const upstreamProtocol = protocol === 'v5.channel.k8s.io' ? 'v4.channel.k8s.io' : protocol;
  let upstream: WsConnection;
  try {
    upstream = await connectWebSocket(url, [upstreamProtocol]);
  } catch (e) {
    return refuse(socket, '502 Bad Gateway', `the runtime's streaming server refused the exec: ${(e as Error).message}`);
  }
  const client = acceptWebSocket(req, socket, head, protocol);
  if (!client) return upstream.close();
  deps.log.debug('exec stream', { container: id.slice(0, 12), command: command.join(' '), tty, protocol });
  client.on('message', (data, binary) => {
    if (protocol === 'v5.channel.k8s.io' && data[0] === CLOSE_CHANNEL) return;
    upstream.send(data, binary);
  });
  upstream.on('message', (data, binary) => client.send(data, binary));
  client.on('close', () => upstream.close());
  upstream.on('close', () => client.close());
  await new Promise<void>((resolve) => client.on('close', () => resolve()));
}
