// GET requests the aggregator itself sends to an extension API server (availability checks,
// discovery and OpenAPI downloads): dialled as the front proxy, with the aggregator's own identity
// in the X-Remote-* headers, bounded in time and size.
import * as https from 'node:https';
import type { UserInfo } from '../handlers/request-context';
import { connectOptions, frontProxyHeaders, type FrontProxyIdentity, type ProxyTarget } from './proxy-request';

/** The identity the aggregator's own requests present (upstream's aggregator user). */
export const AGGREGATOR_USER: UserInfo = { username: 'system:kube-aggregator', groups: ['system:masters', 'system:authenticated'] };

/** Largest answer read from an extension (OpenAPI documents of big groups run to a few MB). */
const MAX_BODY = 32 * 1024 * 1024;

export interface ExtensionAnswer {
  readonly status: number;
  readonly body: Buffer;
}

/** GETs `path` from the extension; rejects on connection errors, timeouts and oversized answers. */
export function getFromExtension(target: ProxyTarget, identity: FrontProxyIdentity, path: string, timeoutMs = 5000): Promise<ExtensionAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request({ ...connectOptions(target, identity), path, method: 'GET', headers: frontProxyHeaders({ accept: 'application/json' }, AGGREGATOR_USER), timeout: timeoutMs });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new Error(`answer larger than ${MAX_BODY} bytes`));
        else chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.end();
  });
}

/** GETs and parses a JSON answer; rejects unless the status is 200. */
export async function getJsonFromExtension(target: ProxyTarget, identity: FrontProxyIdentity, path: string, what: string): Promise<unknown> {
  const answer = await getFromExtension(target, identity, path);
  if (answer.status !== 200) throw new Error(`bad status from ${what}: ${answer.status}`);
  return JSON.parse(answer.body.toString('utf8')) as unknown;
}
