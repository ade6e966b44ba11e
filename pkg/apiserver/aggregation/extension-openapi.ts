// OpenAPI v3 of an aggregated group version: the extension's `/openapi/v3` index names the
// document of `apis/<group>/<version>` (with its own hash); the document is downloaded once per
// upstream URL and kept with a hash of its bytes, which is what the main server's index and ETag
// advertise. A failed download keeps the previous copy: the APIService's availability does not
// depend on its OpenAPI.
import * as crypto from 'node:crypto';
import { getFromExtension, getJsonFromExtension } from './extension-client';
import type { FrontProxyIdentity, ProxyTarget } from './proxy-request';

export interface CachedOpenApiDocument {
  /** The extension's serverRelativeURL the document came from. */
  readonly source: string;
  /** Upper-case hex SHA-512 (128 digits) of `body`, as the v3 index's `hash` parameters are. */
  readonly hash: string;
  /** The document's JSON text as the extension sent it. */
  readonly body: string;
}

export function openApiHash(text: string | Buffer): string {
  return crypto.createHash('sha512').update(text).digest('hex').toUpperCase();
}

/**
 * The extension's document for `apis/<group>/<version>`, reusing `previous` when the extension's
 * index still names the same URL with a hash; undefined when the extension does not list it.
 */
export async function fetchExtensionOpenApi(target: ProxyTarget, identity: FrontProxyIdentity, group: string, version: string, previous: CachedOpenApiDocument | undefined): Promise<CachedOpenApiDocument | undefined> {
  const index = await getJsonFromExtension(target, identity, '/openapi/v3', 'the OpenAPI v3 index');
  const paths = (index as { paths?: Record<string, { serverRelativeURL?: unknown }> } | null)?.paths ?? {};
  const url = paths[`apis/${group}/${version}`]?.serverRelativeURL;
  if (typeof url !== 'string' || !url.startsWith('/')) return undefined;
  if (previous && previous.source === url && new URL(url, 'https://x').searchParams.has('hash')) return previous;
  const answer = await getFromExtension(target, identity, url, 10_000);
  if (answer.status !== 200) throw new Error(`bad status from the OpenAPI v3 document ${url}: ${answer.status}`);
  const body = answer.body.toString('utf8');
  const doc = JSON.parse(body) as unknown;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`the OpenAPI v3 document ${url} is not a JSON object`);
  const hash = openApiHash(body);
  return previous && previous.hash === hash ? { ...previous, source: url } : { source: url, hash, body };
}
