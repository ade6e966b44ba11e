// The mirror's HTTP handler: the read-only OCI distribution API (GET/HEAD /v2/, manifests by tag
// and digest, blobs by digest with single Range requests) answered from the local content store,
// or — for a request from this node's containerd that the local store cannot answer — fetched
// from a live peer that advertises the content (never from a peer on behalf of a peer: a request
// carrying FORWARDED_HEADER is answered locally or not at all, so requests cannot loop). Every byte
// served, local or proxied, is hashed against its digest first (verified-stream.ts). Unknown
// content gets the registry's 404 so that containerd moves on to the next host (the upstream).
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger';
import type { ContentStore } from './content-store';
import { MirrorError } from './errors';
import { imageName, manifestMediaType, parseOciRequest, parseRange } from './oci-request';
import type { Peer, PeerDirectory } from './peer-directory';
import { streamVerified, type ChunkSink } from './verified-stream';

export const FORWARDED_HEADER = 'k3ts-mirror-forwarded';
const MAX_MANIFEST = 4 * 1024 * 1024;

/** Fetches `path` (with query) from a peer mirror; resolves with the response, body unread. */
export type PeerRequest = (peer: Peer, path: string, method: 'GET' | 'HEAD', signal: AbortSignal) => Promise<IncomingMessage>;

export interface RegistryHandlerDeps {
  readonly store: ContentStore;
  readonly peers: PeerDirectory;
  readonly requestPeer: PeerRequest;
  readonly log: Logger;
}

interface Content {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  /** Reads the whole content from offset 0. */
  readonly source: (signal: AbortSignal) => AsyncIterable<Buffer>;
  /** The peer it comes from, when proxied. */
  readonly from?: string;
  /** Lets go of a proxied response (its body may be unread, e.g. for HEAD). */
  readonly release?: () => void;
}

function sinkOf(res: ServerResponse): ChunkSink {
  return {
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        if (res.destroyed) return reject(new Error('the client went away'));
        if (res.write(chunk)) resolve();
        else {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            if (res.destroyed && !res.writableFinished) reject(new Error('the client went away'));
            else resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        }
      }),
  };
}

async function readBody(source: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of source) {
    n += c.length;
    if (n > limit) throw new MirrorError('digest-mismatch', `manifest is larger than ${limit} bytes`);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

function writeOciError(res: ServerResponse, e: MirrorError): void {
  const body = JSON.stringify({ errors: [{ code: e.ociCode, message: e.message }] });
  res.writeHead(e.httpStatus, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Docker-Distribution-API-Version': 'registry/2.0' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function createRegistryHandler(deps: RegistryHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, peers, log } = deps;

  const local = async (digest: string, mediaType?: string): Promise<Content | undefined> => {
    const info = await store.info(digest);
    if (!info) return undefined;
    return { digest, size: info.size, mediaType: mediaType ?? 'application/octet-stream', source: (signal) => store.read(digest, 0, signal) };
  };

  /** The first peer that answers 200 for `path`, as proxied content; blob bodies stream. */
  const fromPeers = async (candidates: readonly Peer[], path: string, expected: string | undefined, signal: AbortSignal): Promise<Content | undefined> => {
    for (const peer of candidates) {
      let res: IncomingMessage;
      try {
        res = await deps.requestPeer(peer, path, 'GET', signal);
      } catch (e) {
        log.debug('peer mirror did not answer', { peer: peer.node, error: (e as Error).message });
        continue;
      }
      const digest = String(res.headers['docker-content-digest'] ?? expected ?? '');
      const size = Number(res.headers['content-length']);
      if (res.statusCode !== 200 || !digest || !Number.isFinite(size) || (expected && digest !== expected)) {
        res.resume();
        log.debug('peer mirror cannot serve the content', { peer: peer.node, status: res.statusCode ?? 0, path });
        continue;
      }
      let used = false;
      return {
        digest,
        size,
        mediaType: String(res.headers['content-type'] ?? 'application/octet-stream'),
        from: peer.node,
        release: () => res.destroy(),
        source: () => {
          if (used) throw new MirrorError('content-store', 'a proxied body can be read once');
          used = true;
          return res;
        },
      };
    }
    return undefined;
  };

  async function serve(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') throw new MirrorError('unsupported', `${method} is not supported: this mirror is read-only (GET and HEAD)`);
    const r = parseOciRequest(req.url ?? '/');
    if (r.kind === 'base') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2, 'Docker-Distribution-API-Version': 'registry/2.0' });
      res.end(method === 'HEAD' ? undefined : '{}');
      return;
    }
    const forwarded = req.headers[FORWARDED_HEADER] === '1';
    const t0 = performance.now();
    if (r.kind === 'manifest') {
      let c: Content | undefined;
      if (r.byDigest) c = await local(r.reference);
      else {
        const img = (await store.images()).find((i) => i.name === imageName(r));
        if (img) c = await local(img.digest, img.mediaType);
      }
      if (!c && !forwarded) {
        const candidates = r.byDigest ? peers.withDigest(r.reference) : peers.withImage(imageName(r));
        c = await fromPeers(candidates, req.url ?? '/', r.byDigest ? r.reference : undefined, signal);
      }
      if (!c) throw new MirrorError('manifest-unknown', `manifest ${r.byDigest ? `${r.name}@${r.reference}` : imageName(r)} is not held by this node${forwarded ? '' : ' or any live peer'}`);
      const body = await readBody(c.source(signal), MAX_MANIFEST).finally(() => c.release?.());
      const got = sha256(body);
      if (got !== c.digest || body.length !== c.size) throw new MirrorError('digest-mismatch', `manifest ${c.digest}${c.from ? ` from ${c.from}` : ''} hashed to ${got} (${body.length} bytes): corrupted, not served`);
      const type = c.from || c.mediaType !== 'application/octet-stream' ? c.mediaType : manifestMediaType(body);
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Docker-Content-Digest': c.digest, ETag: `"${c.digest}"`, 'Docker-Distribution-API-Version': 'registry/2.0' });
      res.end(method === 'HEAD' ? undefined : body);
      if (c.from) log.info('served a manifest from a peer', { image: r.byDigest ? r.name : imageName(r), peer: c.from, digest: c.digest });
      return;
    }
    let c = await local(r.digest);
    if (!c && !forwarded) c = await fromPeers(peers.withDigest(r.digest), req.url ?? '/', r.digest, signal);
    if (!c) throw new MirrorError('blob-unknown', `blob ${r.digest} is not held by this node${forwarded ? '' : ' or any live peer'}`);
    try {
      await serveBlob(req, res, c, signal, t0);
    } finally {
      c.release?.();
    }
  }

  async function serveBlob(req: IncomingMessage, res: ServerResponse, c: Content, signal: AbortSignal, t0: number): Promise<void> {
    const method = req.method ?? 'GET';
    const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, c.size);
    const headers: Record<string, string | number> = { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': c.digest, ETag: `"${c.digest}"`, 'Accept-Ranges': 'bytes', 'Docker-Distribution-API-Version': 'registry/2.0' };
    if (range) {
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${c.size}`;
      headers['Content-Length'] = range.end - range.start + 1;
    } else headers['Content-Length'] = c.size;
    res.writeHead(range ? 206 : 200, headers);
    if (method === 'HEAD') {
      res.end();
      return;
    }
    await streamVerified(c.source(signal), c.digest, c.size, sinkOf(res), range);
    res.end();
    if (c.from) {
      const s = (performance.now() - t0) / 1000;
      log.info('served a blob from a peer', { digest: c.digest, peer: c.from, bytes: c.size, seconds: Number(s.toFixed(3)), mibPerSecond: Number((c.size / 1048576 / Math.max(s, 1e-6)).toFixed(1)) });
    }
  }

  return (req, res) => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    serve(req, res, abort.signal).catch((e: unknown) => {
      const err = e instanceof MirrorError ? e : new MirrorError('content-store', (e as Error).message, { cause: e });
      if (err.code === 'digest-mismatch' || err.code === 'content-store') log.error('mirror request failed', { path: req.url ?? '', error: err.message });
      if (!res.headersSent) writeOciError(res, err);
      else res.destroy(err);
    });
  };
}
