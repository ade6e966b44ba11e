// HTTPS calls of a joining agent to a server's supervisor endpoints. Before the CA is known
// (/cacerts) the server certificate cannot be verified: that one call sends no credentials, and its
// answer is checked against the token's K10 hash by the caller. Every later call verifies the
// server against that CA and carries the join token as Basic credentials.
import * as https from 'node:https';
import { AgentError } from './errors';

export interface SupervisorRequest {
  readonly server: string;
  readonly path: string;
  /** Verify the server with this CA; undefined only for /cacerts. */
  readonly caPem?: string;
  readonly basic?: { readonly user: string; readonly password: string };
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

function statusMessage(body: string): string {
  try {
    const s = JSON.parse(body) as { message?: unknown };
    if (typeof s.message === 'string') return s.message;
  } catch {
    // not a Status
  }
  return body.trim().slice(0, 300);
}

export function supervisorGet(r: SupervisorRequest): Promise<string> {
  const url = new URL(r.path, r.server);
  const headers: Record<string, string> = { 'User-Agent': 'k3ts-agent', ...(r.headers ?? {}) };
  if (r.basic) headers.Authorization = `Basic ${Buffer.from(`${r.basic.user}:${r.basic.password}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        protocol: 'https:',
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || 443,
        path: url.pathname,
        method: 'GET',
        headers,
        ca: r.caPem,
        rejectUnauthorized: r.caPem !== undefined,
        timeout: r.timeoutMs ?? 15_000,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) return resolve(body);
          if (code === 401) return reject(new AgentError('join', `${url.origin} refused the join token (401 Unauthorized): check --token`));
          // A server still starting answers 503: worth another try, unlike a refusal.
          if (code === 503) return reject(new AgentError('unreachable', `${url.origin}${url.pathname} is not ready yet (503): ${statusMessage(body)}`));
          reject(new AgentError('join', `${url.origin}${url.pathname} answered ${code}: ${statusMessage(body)}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${r.timeoutMs ?? 15_000} ms`)));
    req.on('error', (e) => reject(e instanceof AgentError ? e : new AgentError('unreachable', `cannot reach ${url.origin}${url.pathname}: ${e.message}`, { cause: e })));
    req.end();
  });
}

/** Splits a supervisor certificate answer (certificate PEM, then its private key PEM). */
export function splitCertAndKey(text: string, what: string): { certPem: string; keyPem: string } {
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
  const key = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]+?-----END \1PRIVATE KEY-----\n?/.exec(text)?.[0];
  if (!cert || !key) throw new AgentError('join', `the server's answer for ${what} holds no certificate and key`);
  return { certPem: cert.endsWith('\n') ? cert : `${cert}\n`, keyPem: key.endsWith('\n') ? key : `${key}\n` };
}
