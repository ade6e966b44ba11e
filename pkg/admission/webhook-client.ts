// Calling one admission webhook: resolve its clientConfig (url, or service namespace/name/port/path
// to an endpoint address, with the TLS name `<service>.<namespace>.svc`), POST the AdmissionReview
// over HTTPS trusting caBundle (or the system roots), within timeoutSeconds. Errors are worded like
// upstream's `failed to call webhook: Post "<url>?timeout=10s": <cause>`.
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { asObject, asString, type JsonRecord } from '../api/validation/json';
import type { AdmissionSources } from './admission-sources';

export interface WebhookCallResult {
  readonly response: JsonRecord;
}

export class WebhookCallError extends Error {}

/** What a call needs of its caller: service address resolution and the kept-alive connections. */
export type WebhookEndpoints = Pick<AdmissionSources, 'serviceAddress' | 'webhookAgent'>;

interface Target {
  readonly url: URL;
  /** The URL as upstream prints it in errors (the service form keeps `:443`). */
  readonly display: string;
  readonly connectHost: string;
  readonly connectPort: number;
  readonly tlsName: string;
}

async function resolveTarget(sources: WebhookEndpoints, clientConfig: JsonRecord): Promise<Target> {
  const raw = asString(clientConfig.url);
  if (raw) {
    const url = new URL(raw);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return { url, display: raw, connectHost: host, connectPort: Number(url.port || 443), tlsName: host };
  }
  const svc = asObject(clientConfig.service);
  if (!svc) throw new WebhookCallError('webhook has no clientConfig.url or clientConfig.service');
  const namespace = asString(svc.namespace) ?? '';
  const name = asString(svc.name) ?? '';
  const port = typeof svc.port === 'number' ? svc.port : 443;
  const path = asString(svc.path) ?? '';
  const tlsName = `${name}.${namespace}.svc`;
  const display = `https://${tlsName}:${port}${path && !path.startsWith('/') ? `/${path}` : path}`;
  const url = new URL(display);
  try {
    const addr = await sources.serviceAddress(namespace, name, port);
    return { url, display, connectHost: addr.host, connectPort: addr.port, tlsName };
  } catch (e) {
    throw new WebhookCallError(`failed to call webhook: Post "${display}": ${(e as Error).message}`);
  }
}

/** POSTs the review and returns the parsed AdmissionReview response body. */
export async function callWebhook(sources: WebhookEndpoints, clientConfig: JsonRecord, timeoutSeconds: number, review: JsonRecord): Promise<JsonRecord> {
  const target = await resolveTarget(sources, clientConfig);
  const url = new URL(target.url.toString());
  url.searchParams.set('timeout', `${timeoutSeconds}s`);
  const shown = `Post "${target.display}${target.display.includes('?') ? '&' : '?'}timeout=${timeoutSeconds}s"`;
  const caBundle = asString(clientConfig.caBundle);
  const ca = caBundle ? Buffer.from(caBundle, 'base64').toString('utf8') : undefined;
  const body = JSON.stringify(review);
  return new Promise<JsonRecord>((resolve, reject) => {
    // The whole call (connect, TLS, request, answer) has timeoutSeconds, as upstream's client.
    const deadline = setTimeout(() => {
      req.destroy();
      fail('context deadline exceeded');
    }, timeoutSeconds * 1000);
    const fail = (cause: string) => {
      clearTimeout(deadline);
      reject(new WebhookCallError(`failed to call webhook: ${shown}: ${cause}`));
    };
    const req = https.request(
      {
        host: target.connectHost,
        port: target.connectPort,
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body), Host: url.host },
        ca,
        servername: net.isIP(target.tlsName) ? undefined : target.tlsName,
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(target.tlsName, cert),
        agent: sources.webhookAgent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => fail(e.message));
        res.on('end', () => {
          clearTimeout(deadline);
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) return fail(`an error on the server ("${text.slice(0, 200)}") has prevented the request from succeeding`);
          try {
            const parsed = asObject(JSON.parse(text));
            if (!parsed) return fail('response body is not an object');
            resolve(parsed);
          } catch (e) {
            reject(new WebhookCallError(`received invalid webhook response: ${(e as Error).message}`));
          }
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => fail(e.code === 'ECONNREFUSED' ? `dial tcp ${target.connectHost}:${target.connectPort}: connect: connection refused` : e.message));
    req.end(body);
  });
}
