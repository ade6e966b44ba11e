// The /openapi endpoints: the v3 index and group-version documents (built-in and CRD documents
// from the OpenApiProvider, aggregated ones from their extension servers' cached copies) and the
// v2 document built from all of them, JSON or gnostic protobuf. Every answer carries an ETag and
// honours If-None-Match. The index's `hash` of a v3 document is the SHA-512 of the document's
// bytes (clients cache such URLs as immutable, across server restarts and builds); a document
// asked for with an old hash is redirected to the current one.
import * as crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as zlib from 'node:zlib';
import { encodeOpenApiV2Document } from '../api/schema/openapi-v2-proto';
import type { OpenApiProvider } from './api-server';
import { errors } from './errors';
import { parseAccept } from './negotiation';
import { buildOpenApiV2 } from './openapi-v2';

/** OpenAPI v3 documents of aggregated group versions, as cached from their extension servers. */
export interface AggregatedOpenApi {
  /** Index entries (`apis/<g>/<v>` → serverRelativeURL with `?hash=`) of the available ones. */
  openApiPaths(): Record<string, { serverRelativeURL: string }>;
  openApiDocument(path: string): { readonly hash: string; readonly body: string } | undefined;
}

/** What client-go asks for; not a valid media type for Go's parser, so answers name the other spelling. */
export const OPENAPI_V2_PROTOBUF_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Format = 'json' | 'protobuf';

/** The representation to answer with, by the client's preference (q values, then order); undefined when none is acceptable. */
export function openApiFormat(accept: string | undefined, offered: readonly Format[]): Format | undefined {
  let best: { format: Format; q: number } | undefined;
  for (const r of parseAccept(accept)) {
    const q = r.params.q === undefined ? 1 : Number(r.params.q);
    if (!(q > 0)) continue;
    const format: Format | undefined =
      r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*' ? 'json' : r.type === OPENAPI_V2_PROTOBUF_ACCEPT || r.type === OPENAPI_V2_PROTOBUF ? 'protobuf' : undefined;
    if (!format || !offered.includes(format)) continue;
    if (!best || q > best.q) best = { format, q };
  }
  return best?.format;
}

interface Representation {
  readonly etag: string;
  readonly contentType: string;
  readonly body: Buffer;
  gzipped?: Buffer;
}

function representation(body: Buffer, contentType: string, etag?: string): Representation {
  return { body, contentType, etag: `"${etag ?? crypto.createHash('sha512').update(body).digest('hex').toUpperCase()}"` };
}

function notModified(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

function send(req: IncomingMessage, res: ServerResponse, rep: Representation, cacheControl: string): void {
  const headers: Record<string, string | number> = { ETag: rep.etag, 'Cache-Control': cacheControl, Vary: 'Accept, Accept-Encoding' };
  if (cacheControl.includes('immutable')) headers.Expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
  if (notModified(req, rep.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  let body = rep.body;
  // Big documents (v2 is several MB) go compressed to clients that take gzip, as Go's transport does.
  if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && body.length > 1024) {
    rep.gzipped ??= zlib.gzipSync(body);
    body = rep.gzipped;
    headers['Content-Encoding'] = 'gzip';
  }
  res.writeHead(200, { ...headers, 'Content-Type': rep.contentType, 'Content-Length': body.length });
  res.end(body);
}

export class OpenApiEndpoints {
  /** Serialized local v3 documents by path, with the provider's URL (its own version stamp) they were made for. */
  private readonly v3Cache = new Map<string, { readonly providerUrl: string; readonly rep: Representation }>();
  private v2?: { key: string; json: Representation; protobuf?: Representation; doc: unknown };

  constructor(
    private readonly v3: OpenApiProvider,
    private readonly aggregated: AggregatedOpenApi | undefined,
  ) {}

  /** Answers `/openapi/<rest>`; false when the path is not one of them. */
  serve(req: IncomingMessage, res: ServerResponse, rest: readonly string[], query: URLSearchParams): boolean {
    if (rest.length === 1 && rest[0] === 'v2') {
      this.serveV2(req, res);
      return true;
    }
    if (rest[0] !== 'v3') return false;
    if (rest.length === 1) {
      this.serveIndex(req, res);
      return true;
    }
    return this.serveDocument(req, res, rest.slice(1).join('/'), query.get('hash'));
  }

  private localIndex(): Record<string, { serverRelativeURL: string }> {
    return (this.v3.index() as { paths?: Record<string, { serverRelativeURL: string }> } | undefined)?.paths ?? {};
  }

  /** A local document serialized, reused while the provider lists it under the same URL. */
  private local(path: string, providerUrl: string): Representation | undefined {
    const cached = this.v3Cache.get(path);
    if (cached?.providerUrl === providerUrl) return cached.rep;
    const doc = this.v3.document(path);
    if (doc === undefined) return undefined;
    const rep = representation(Buffer.from(JSON.stringify(doc)), 'application/json');
    this.v3Cache.set(path, { providerUrl, rep });
    return rep;
  }

  /** The merged v3 index paths: the provider's with content hashes, then the aggregated group versions (which are routed to their extensions). */
  private indexPaths(): Record<string, { serverRelativeURL: string }> {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    const local = this.localIndex();
    for (const [p, entry] of Object.entries(local)) {
      const rep = this.local(p, entry.serverRelativeURL);
      if (rep) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${rep.etag.slice(1, -1)}` };
    }
    for (const p of this.v3Cache.keys()) if (!(p in local)) this.v3Cache.delete(p);
    return { ...paths, ...(this.aggregated?.openApiPaths() ?? {}) };
  }

  private requireJson(req: IncomingMessage): void {
    if (!openApiFormat(req.headers.accept, ['json'])) throw errors.notAcceptable(String(req.headers.accept ?? ''));
  }

  private serveIndex(req: IncomingMessage, res: ServerResponse): void {
    this.requireJson(req);
    const body = Buffer.from(JSON.stringify({ paths: this.indexPaths() }));
    send(req, res, representation(body, 'application/json'), 'no-cache, private');
  }

  /** One v3 document, from the extension's cached copy or the provider. */
  private document(path: string): Representation | undefined {
    const remote = this.aggregated?.openApiDocument(path);
    if (remote) return { body: Buffer.from(remote.body), contentType: 'application/json', etag: `"${remote.hash}"` };
    const listed = this.localIndex()[path];
    if (listed) return this.local(path, listed.serverRelativeURL);
    const doc = this.v3.document(path);
    return doc === undefined ? undefined : representation(Buffer.from(JSON.stringify(doc)), 'application/json');
  }

  private serveDocument(req: IncomingMessage, res: ServerResponse, path: string, askedHash: string | null): boolean {
    const rep = this.document(path);
    if (!rep) return false;
    this.requireJson(req);
    const current = rep.etag.slice(1, -1);
    if (askedHash !== null && askedHash !== current) {
      res.writeHead(301, { Location: `/openapi/v3/${path}?hash=${current}`, 'Content-Length': 0, 'Cache-Control': 'no-cache, private' });
      res.end();
      return true;
    }
    send(req, res, rep, askedHash !== null ? 'public, immutable' : 'no-cache, private');
    return true;
  }

  /** The v2 document of everything the v3 index lists, rebuilt when the index changes. */
  private v2Document(): NonNullable<OpenApiEndpoints['v2']> {
    const paths = this.indexPaths();
    const key = JSON.stringify(paths);
    if (this.v2?.key === key) return this.v2;
    // The server's own documents first (a definition met twice keeps its first form), core first.
    const remote = new Map(Object.keys(paths).map((p) => [p, this.aggregated?.openApiDocument(p)] as const));
    const rank = (p: string) => (remote.get(p) ? 2 : p.startsWith('api/') ? 0 : 1);
    const order = Object.keys(paths).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    const docs: unknown[] = [];
    for (const p of order) {
      const r = remote.get(p);
      try {
        const doc = r ? (JSON.parse(r.body) as unknown) : this.v3.document(p);
        if (doc !== undefined) docs.push(doc);
      } catch {
        // An extension's unreadable document leaves its group out of v2; the rest is served.
      }
    }
    const version = rank(order[0] ?? '') < 2 ? (docs[0] as { info?: { version?: unknown } } | undefined)?.info?.version : undefined;
    const doc = buildOpenApiV2(docs, typeof version === 'string' ? version : '');
    this.v2 = { key, doc, json: representation(Buffer.from(JSON.stringify(doc)), 'application/json') };
    return this.v2;
  }

  private serveV2(req: IncomingMessage, res: ServerResponse): void {
    const format = openApiFormat(req.headers.accept, ['json', 'protobuf']);
    if (!format) throw errors.notAcceptable(String(req.headers.accept ?? ''));
    const v2 = this.v2Document();
    // Both forms carry the JSON's ETag (Vary: Accept), as upstream's handler does.
    if (format === 'protobuf') v2.protobuf ??= { ...representation(Buffer.from(encodeOpenApiV2Document(v2.doc)), OPENAPI_V2_PROTOBUF), etag: v2.json.etag };
    send(req, res, format === 'protobuf' ? v2.protobuf! : v2.json, 'no-cache, private');
  }
}
