// What this node can serve, as advertised to its peers: every image name with its target digest,
// and every digest (indexes, manifests, configs, layers) of those images that the content store
// holds. Manifests are read once per target digest and remembered; a refresh costs one List call.
import type { ContentStore } from './content-store';
import { isIndexType, isManifestType, manifestMediaType } from './oci-request';

export interface Inventory {
  /** Image name → target digest. */
  readonly refs: Readonly<Record<string, string>>;
  /** Sorted, every digest the node holds for its images. */
  readonly digests: readonly string[];
}

interface Descriptor {
  readonly mediaType?: string;
  readonly digest?: string;
}

async function readAll(store: ContentStore, digest: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of store.read(digest, 0)) parts.push(c);
  return Buffer.concat(parts);
}

export class ImageInventory {
  /** target digest → the digests reachable from it that are present. */
  readonly #walked = new Map<string, readonly string[]>();

  constructor(private readonly store: ContentStore) {}

  async #walk(digest: string, mediaType: string, out: Set<string>, depth = 0): Promise<void> {
    const info = await this.store.info(digest);
    if (!info) return;
    out.add(digest);
    if (!isManifestType(mediaType) || depth > 2 || info.size > 4 * 1024 * 1024) return;
    const body = await readAll(this.store, digest);
    const type = manifestMediaType(body);
    let doc: { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
    try {
      doc = JSON.parse(body.toString('utf8')) as typeof doc;
    } catch {
      return;
    }
    if (isIndexType(type)) {
      for (const m of doc.manifests ?? []) if (m.digest) await this.#walk(m.digest, m.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', out, depth + 1);
      return;
    }
    for (const d of [doc.config, ...(doc.layers ?? [])]) if (d?.digest && (await this.store.info(d.digest))) out.add(d.digest);
  }

  async current(): Promise<Inventory> {
    const images = await this.store.images();
    const refs: Record<string, string> = {};
    const digests = new Set<string>();
    const live = new Set<string>();
    for (const img of images) {
      // The CRI plugin also records images under their bare ID (`sha256:…`): not a name to resolve.
      if (!img.name.startsWith('sha256:')) refs[img.name] = img.digest;
      live.add(img.digest);
      let walked = this.#walked.get(img.digest);
      if (!walked) {
        const out = new Set<string>();
        await this.#walk(img.digest, img.mediaType, out);
        walked = [...out];
        this.#walked.set(img.digest, walked);
      }
      for (const d of walked) digests.add(d);
    }
    for (const k of [...this.#walked.keys()]) if (!live.has(k)) this.#walked.delete(k);
    return { refs, digests: [...digests].sort() };
  }
}
