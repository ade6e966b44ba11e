// Forwards one authenticated, authorized request to an extension API server over HTTPS, as the
// front proxy: the caller's identity travels in X-Remote-User / X-Remote-Group / X-Remote-Extra-*,
// the connection presents the request-header-signed client certificate, and the extension's
// serving certificate is checked against the APIService's caBundle for `<service>.<namespace>.svc`.
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { UserInfo } from '../handlers/request-context';
import { errors } from '../errors';

export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
  /** TLS server name checked against the serving certificate (`<service>.<namespace>.svc`). */
  readonly serverName: string;
  readonly caPem?: string;
  readonly insecureSkipTLSVerify: boolean;
}

export interface FrontProxyIdentity {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Request headers never forwarded: credentials, impersonation and identity headers a caller could forge. */
export function forwardable(name: string): boolean {
  const n = name.toLowerCase();
  return !(n === 'authorization' || n === 'host' || n === 'connection' || n === 'proxy-authorization' || n.startsWith('impersonate-') || n.startsWith('x-remote-'));
}

export function frontProxyHeaders(incoming: IncomingHttpHeaders, user: UserInfo): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(incoming)) if (v !== undefined && forwardable(k)) headers[k] = v;
  headers['x-remote-user'] = user.username;
  headers['x-remote-group'] = [...user.groups];
  if (user.uid) headers['x-remote-uid'] = user.uid;
  return headers;
}

/** How the extension is dialled: its endpoint, caBundle, the front-proxy client certificate. */
export function connectOptions(target: ProxyTarget, identity: FrontProxyIdentity): https.RequestOptions {
  return {
    host: target.host,
    port: target.port,
    servername: target.serverName,
    ca: target.caPem,
    rejectUnauthorized: !target.insecureSkipTLSVerify,
    cert: identity.certPem,
    key: identity.keyPem,
    agent: false,
    // The extension's certificate names the Service, not the endpoint address dialled.
    checkServerIdentity: (_host, cert) => (target.insecureSkipTLSVerify ? undefined : tls.checkServerIdentity(target.serverName, cert)),
  };
}

/** Pipes req to the target and its answer (streamed: watches) back; 503 Status when it cannot be reached. */
export function proxyRequest(req: IncomingMessage, res: ServerResponse, user: UserInfo, target: ProxyTarget, identity: FrontProxyIdentity, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const upstream = https.request({ ...connectOptions(target, identity), method: req.method, path: req.url, headers: frontProxyHeaders(req.headers, user) });
    upstream.on('response', (up) => {
      const headers = { ...up.headers };
      // Hop-by-hop headers belong to the connection to the extension, not to the caller's.
      for (const h of ['connection', 'keep-alive', 'proxy-connection', 'upgrade']) delete headers[h];
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
      up.on('end', () => resolve());
      up.on('error', () => resolve());
    });
    upstream.on('error', (e) => {
      if (res.headersSent) {
        res.destroy();
        resolve();
      } else reject(errors.unavailable(`the server is currently unable to handle the request (${what}: ${e.message})`));
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
}
