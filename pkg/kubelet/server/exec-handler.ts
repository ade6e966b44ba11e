// Exec on the kubelet API: the CRI Exec call returns a one-time URL on containerd's streaming
// server (127.0.0.1), which speaks remotecommand over WebSocket. pipeUpgrade is also what the API
// server uses to pass an authorized upgrade through to the kubelet untouched.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../log/logger';
import type { RuntimeService } from '../cri/types';
import type { StreamingRuntime } from './kubelet-runtime';
import { SpdyClientConnection } from './spdy-client';
import { acceptWebSocket, connectWebSocket, type WsConnection } from './websocket';

export interface ExecDeps {
  readonly runtime: RuntimeService;
  readonly log: Logger;
  /** The pod's container ids for the requested name, newest first. */
  readonly containerIds: () => Promise<string[]>;
}

// X-Stream-Protocol-Version carries the SPDY subprotocol (portforward.k8s.io, v4.channel.k8s.io…).
const FORWARDED = ['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'x-stream-protocol-version'];

/** Writes `req`'s upgrade (its method, selected headers) to `upstream` at `pathAndQuery` and pipes the two sockets. */
export function pipeUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, upstream: Duplex, pathAndQuery: string, host: string): void {
  const lines = [`${req.method === 'POST' ? 'POST' : 'GET'} ${pathAndQuery} HTTP/1.1`, `Host: ${host}`];
  // One line per value as received: Go servers read repeated X-Stream-Protocol-Version lines as a list.
  for (const h of FORWARDED) for (const v of req.headersDistinct[h] ?? []) lines.push(`${h}: ${v}`);
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

/** The remotecommand WebSocket protocol to answer with, or undefined (after refusing) when none is offered. */
export function negotiateChannelProtocol(req: IncomingMessage, socket: Duplex): string | undefined {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const protocol = CHANNEL_PROTOCOLS.find((p) => offered.includes(p));
  if (!protocol) refuse(socket, '403 Forbidden', `requested protocol(s) are not supported: ${offered.join(', ')}; expected one of ${CHANNEL_PROTOCOLS.join(', ')}`);
  return protocol;
}

/**
 * Terminates the client's WebSocket with `protocol` and relays its messages to the runtime's
 * streaming `url`. containerd 1.6's streaming server speaks remotecommand up to v4, while current
 * kubectl offers only v5; the two differ only in v5's stdin-close message, so v5 clients are
 * served over a v4 upstream. Limitation: a v5 stdin close cannot be expressed in v4, so a command
 * reading piped stdin without a TTY does not see EOF.
 */
export async function relayRemoteCommand(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string, url: URL, what: string): Promise<void> {
  const upstreamProtocol = protocol === 'v5.channel.k8s.io' ? 'v4.channel.k8s.io' : protocol;
  let upstream: WsConnection;
  try {
    upstream = await connectWebSocket(url, [upstreamProtocol]);
  } catch (e) {
    return refuse(socket, '502 Bad Gateway', `the runtime's streaming server refused the ${what}: ${(e as Error).message}`);
  }
  const client = acceptWebSocket(req, socket, head, protocol);
  if (!client) return upstream.close();
  client.on('message', (data, binary) => {
    if (protocol === 'v5.channel.k8s.io' && data[0] === CLOSE_CHANNEL) return;
    upstream.send(data, binary);
  });
  upstream.on('message', (data, binary) => client.send(data, binary));
  client.on('close', () => upstream.close());
  upstream.on('close', () => client.close());
  await new Promise<void>((resolve) => client.on('close', () => resolve()));
}

export interface StreamOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  /** As sent to the runtime (never with a TTY). */
  readonly stderr: boolean;
  readonly tty: boolean;
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;

/**
 * v5 client with stdin: containerd's streaming server is reached over SPDY instead, where stdin is
 * a stream of its own that a v5 close (channel 255) can end with a FIN, so `echo hi | kubectl exec
 * -i … cat` sees EOF. Streams are opened as client-go opens them (error, stdin, stdout, stderr,
 * resize); the error stream's Status goes to channel 3 once the stream ends.
 */
export async function relayRemoteCommandOverSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, o: StreamOptions, what: string): Promise<void> {
  let conn: SpdyClientConnection;
  try {
    ({ conn } = await SpdyClientConnection.connect(url, ['v4.channel.k8s.io']));
  } catch (e) {
    return refuse(socket, '502 Bad Gateway', `the runtime's streaming server refused the ${what}: ${(e as Error).message}`);
  }
  const client = acceptWebSocket(req, socket, head, 'v5.channel.k8s.io');
  if (!client) return conn.close();
  const ids = new Map<number, number>(); // SPDY stream id → channel
  const open = (type: string, channel: number) => {
    const id = conn.createStream({ streamtype: type });
    ids.set(id, channel);
    return id;
  };
  open('error', ERROR);
  const stdin = o.stdin ? open('stdin', STDIN) : undefined;
  if (o.stdout) open('stdout', STDOUT);
  if (o.stderr && !o.tty) open('stderr', STDERR);
  const resize = o.tty ? open('resize', RESIZE) : undefined;
  const errorChunks: Buffer[] = [];
  let errorSent = false;
  const flushError = () => {
    if (errorSent) return;
    errorSent = true;
    const body = Buffer.concat(errorChunks);
    if (body.length) client.send(Buffer.concat([Buffer.from([ERROR]), body]), true);
  };
  conn.on('data', (id, data) => {
    const ch = ids.get(id);
    if (ch === ERROR) errorChunks.push(data);
    else if (ch === STDOUT || ch === STDERR) client.send(Buffer.concat([Buffer.from([ch]), data]), true);
  });
  conn.on('end', (id) => {
    if (ids.get(id) === ERROR) flushError();
  });
  conn.on('close', () => {
    flushError();
    client.close();
  });
  client.on('message', (data) => {
    const ch = data[0];
    if (ch === STDIN && stdin !== undefined) conn.send(stdin, data.subarray(1));
    else if (ch === RESIZE && resize !== undefined) conn.send(resize, data.subarray(1));
    else if (ch === CLOSE_CHANNEL && data[1] === STDIN && stdin !== undefined) conn.end(stdin);
  });
  client.on('close', () => conn.close());
  await new Promise<void>((resolve) => client.on('close', () => resolve()));
}

/** Exec over WebSocket: CRI Exec for the newest container of the name, then the relay above. */
export async function handleExec(req: IncomingMessage, socket: Duplex, head: Buffer, q: URLSearchParams, deps: ExecDeps): Promise<void> {
  const command = q.getAll('command');
  if (command.length === 0) return refuse(socket, '400 Bad Request', 'exec needs at least one command parameter');
  const protocol = negotiateChannelProtocol(req, socket);
  if (!protocol) return;
  const [id] = await deps.containerIds();
  if (!id) return refuse(socket, '404 Not Found', 'the container has not been created yet');
  const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  const tty = flag('tty');
  const o: StreamOptions = { tty, stdin: flag('stdin'), stdout: flag('stdout'), stderr: !tty && flag('stderr') };
  const url = new URL(await deps.runtime.exec({ container_id: id, cmd: command, ...o }));
  const spdy = protocol === 'v5.channel.k8s.io' && o.stdin;
  deps.log.debug('exec stream', { container: id.slice(0, 12), command: command.join(' '), tty, protocol, upstream: spdy ? 'spdy' : 'websocket' });
  if (spdy) return relayRemoteCommandOverSpdy(req, socket, head, url, o, 'exec');
  await relayRemoteCommand(req, socket, head, protocol, url, 'exec');
}

/** Attach over WebSocket: CRI Attach to the running container's main process (its stdin/tty as the pod spec set them). */
export async function handleAttach(req: IncomingMessage, socket: Duplex, head: Buffer, q: URLSearchParams, deps: ExecDeps & { readonly runtime: StreamingRuntime }): Promise<void> {
  const protocol = negotiateChannelProtocol(req, socket);
  if (!protocol) return;
  const [id] = await deps.containerIds();
  if (!id) return refuse(socket, '404 Not Found', 'the container has not been created yet');
  const st = await deps.runtime.containerStatus(id);
  if (st.state !== 'CONTAINER_RUNNING') return refuse(socket, '400 Bad Request', 'cannot attach to a container that is not running');
  const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  const tty = flag('tty');
  const o: StreamOptions = { tty, stdin: flag('stdin'), stdout: flag('stdout'), stderr: !tty && flag('stderr') };
  const url = new URL(await deps.runtime.attach({ container_id: id, ...o }));
  const spdy = protocol === 'v5.channel.k8s.io' && o.stdin;
  deps.log.debug('attach stream', { container: id.slice(0, 12), tty, protocol, upstream: spdy ? 'spdy' : 'websocket' });
  if (spdy) return relayRemoteCommandOverSpdy(req, socket, head, url, o, 'attach');
  await relayRemoteCommand(req, socket, head, protocol, url, 'attach');
}
