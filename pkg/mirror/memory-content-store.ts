// An in-memory ContentStore (a fake, product code for tests): blobs by digest and image names, with
// `corrupt()` to make a stored blob differ from its digest the way a damaged disk would.
import { createHash } from 'node:crypto';
import type { ContentStore, ImageRecord } from './content-store';

export class MemoryContentStore implements ContentStore {
  readonly #blobs = new Map<string, Buffer>();
  readonly #images = new Map<string, ImageRecord>();

  /** Stores `data`; returns its digest. */
  put(data: Buffer | string): string {
    const b = Buffer.from(data);
    const digest = `sha256:${createHash('sha256').update(b).digest('hex')}`;
    this.#blobs.set(digest, b);
    return digest;
  }

  tag(name: string, digest: string, mediaType: string): void {
    this.#images.set(name, { name, digest, mediaType, size: this.#blobs.get(digest)?.length ?? 0 });
  }

  /** Flips one byte of a stored blob (same size, wrong content). */
  corrupt(digest: string, at = 0): void {
    const b = Buffer.from(this.#blobs.get(digest)!);
    b[at] = (b[at]! + 1) % 256;
    this.#blobs.set(digest, b);
  }

  async info(digest: string): Promise<{ size: number } | undefined> {
    const b = this.#blobs.get(digest);
    return b ? { size: b.length } : undefined;
  }

  async *read(digest: string, offset: number): AsyncIterable<Buffer> {
    const b = this.#blobs.get(digest);
    if (!b) return;
    for (let i = offset; i < b.length; i += 64 * 1024) yield b.subarray(i, Math.min(b.length, i + 64 * 1024));
  }

  async images(): Promise<readonly ImageRecord[]> {
    return [...this.#images.values()];
  }
}
