// Parsing what a registry client asks of the mirror: the OCI distribution path
// (`/v2/<name>/manifests/<tag|digest>`, `/v2/<name>/blobs/<digest>`), the registry it is meant for
// (containerd adds `?ns=<registry>` when it asks a mirror) and a single-range `Range` header.
import { MirrorError } from './errors';

export type OciRequest =
  | { readonly kind: 'base' }
  | { readonly kind: 'manifest'; readonly name: string; readonly reference: string; readonly byDigest: boolean; readonly registry: string }
  | { readonly kind: 'blob'; readonly name: string; readonly digest: string; readonly registry: string };

const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** The registry host an unqualified request is meant for (containerd always sends `ns`). */
export const DEFAULT_REGISTRY = 'docker.io';

export function parseOciRequest(rawUrl: string): OciRequest {
  const url = new URL(rawUrl, 'https://mirror.invalid');
  const p = url.pathname;
  if (p === '/v2' || p === '/v2/') return { kind: 'base' };
  const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(p);
  if (!m) throw new MirrorError('name-invalid', `${p} is not an OCI distribution path; expected /v2/<name>/manifests/<reference> or /v2/<name>/blobs/<digest>`);
  const [, name, what, ref] = m as unknown as [string, string, string, string];
  if (!NAME.test(name)) throw new MirrorError('name-invalid', `repository name "${name}" is invalid`);
  const registry = url.searchParams.get('ns') || DEFAULT_REGISTRY;
  if (what === 'blobs') {
    if (!DIGEST.test(ref)) throw new MirrorError('digest-invalid', `blob reference "${ref}" is not a sha256:<64 hex> digest`);
    return { kind: 'blob', name, digest: ref, registry };
  }
  const byDigest = ref.includes(':');
  if (byDigest ? !DIGEST.test(ref) : !TAG.test(ref)) throw new MirrorError('digest-invalid', `manifest reference "${ref}" is neither a tag nor a sha256:<64 hex> digest`);
  return { kind: 'manifest', name, reference: ref, byDigest, registry };
}

/** The containerd image name a tag request stands for: `<registry>/<name>:<tag>`. */
export function imageName(r: { registry: string; name: string; reference: string }): string {
  return `${r.registry}/${r.name}:${r.reference}`;
}

/** `[start, end]` (inclusive) of a `bytes=` Range header, undefined when absent; throws when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined || header === '') return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw new MirrorError('range-invalid', `Range "${header}" is not a single bytes=<start>-<end> range`);
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw new MirrorError('range-invalid', `Range "${header}" asks for no bytes`);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) throw new MirrorError('range-invalid', `Range "${header}" is outside the blob's ${size} bytes`);
  return { start, end };
}

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** The media type of a manifest read by digest: its own `mediaType`, else guessed from its shape. */
export function manifestMediaType(body: Buffer): string {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return OCI_MANIFEST;
  }
  const o = (doc ?? {}) as { mediaType?: unknown; manifests?: unknown };
  if (typeof o.mediaType === 'string' && o.mediaType) return o.mediaType;
  return Array.isArray(o.manifests) ? OCI_INDEX : OCI_MANIFEST;
}

export function isIndexType(mediaType: string): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_LIST;
}

export function isManifestType(mediaType: string): boolean {
  return mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST || isIndexType(mediaType);
}
