// Upgrade requests (Connection: Upgrade — WebSocket, SPDY/3.1) to an aggregated API: once the
// caller is authorized, the extension is dialled as the front proxy, the handshake request is
// replayed with the caller's identity in X-Remote-* headers, and the two connections are joined
// byte for byte. The extension's answer (101 or an error) reaches the caller untouched.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import type { UserInfo } from '../handlers/request-context';
import { errors } from '../errors';
import { connectOptions, forwardable, type FrontProxyIdentity, type ProxyTarget } from './proxy-request';

const DIAL_TIMEOUT_MS = 10_000;

function dialOptions(target: ProxyTarget, identity: FrontProxyIdentity): tls.ConnectionOptions {
  // The same TLS settings as a plain proxied request, without its HTTP agent option.
  const { agent: _agent, ...opts } = connectOptions(target, identity);
  return opts as tls.ConnectionOptions;
}

/** The handshake request as sent to the extension: one header line per value received (Go reads repeated lines as a list). */
export function upgradeRequestHead(req: IncomingMessage, user: UserInfo, host: string): string {
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`, `Host: ${host}`, 'Connection: Upgrade'];
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (!forwardable(name) || !values) continue;
    for (const v of values) lines.push(`${name}: ${v}`);
  }
  lines.push(`X-Remote-User: ${user.username}`);
  for (const g of user.groups) lines.push(`X-Remote-Group: ${g}`);
  if (user.uid) lines.push(`X-Remote-Uid: ${user.uid}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Joins the caller's connection to the extension's; resolves when the caller's side closes. 503 Status when the extension cannot be dialled. */
export async function proxyUpgrade(req: IncomingMessage, res: ServerResponse, socket: Socket, user: UserInfo, target: ProxyTarget, identity: FrontProxyIdentity, what: string): Promise<void> {
  if (/[\r\n]/.test(`${user.username}${user.groups.join('')}${user.uid ?? ''}`)) throw errors.badRequest('the user name or groups contain line breaks');
  const upstream = tls.connect(dialOptions(target, identity));
  await new Promise<void>((resolve, reject) => {
    const failed = (e: Error) => {
      upstream.destroy();
      reject(errors.unavailable(`the server is currently unable to handle the request (${what}: ${e.message})`));
    };
    // Dialling is bounded; the stream itself may then stay idle for as long as the caller likes.
    upstream.setTimeout(DIAL_TIMEOUT_MS, () => failed(new Error(`no TLS connection within ${DIAL_TIMEOUT_MS} ms`)));
    upstream.once('secureConnect', () => {
      upstream.setTimeout(0);
      upstream.off('error', failed);
      resolve();
    });
    upstream.once('error', failed);
  });
  if (socket.destroyed) {
    // The caller went away while the extension was dialled.
    upstream.destroy();
    return;
  }
  res.detachSocket(socket);
  upstream.write(upgradeRequestHead(req, user, target.serverName));
  await new Promise<void>((resolve) => {
    // pipe() ends each side when the other ends, after what is queued is written; errors tear both down.
    upstream.pipe(socket);
    socket.pipe(upstream);
    const abort = () => {
      socket.destroy();
      upstream.destroy();
    };
    upstream.on('error', abort);
    socket.on('error', abort);
    socket.on('close', () => {
      upstream.destroy();
      resolve();
    });
  });
}
