// Streams content that must hash to a known digest, so that a corrupted or partial blob is never
// served whole: the last chunk is held back until the whole content has been hashed, and on a
// mismatch (or a short read) the response is aborted instead of completed — the client sees a body
// shorter than Content-Length and discards it. With a range, the whole content is still read and
// hashed; only the bytes inside the range are written.
import { createHash } from 'node:crypto';
import { MirrorError } from './errors';

export interface ChunkSink {
  /** Resolves when the sink can take more (backpressure). */
  write(chunk: Buffer): Promise<void>;
}

export async function streamVerified(source: AsyncIterable<Buffer>, digest: string, size: number, sink: ChunkSink, range?: { start: number; end: number }): Promise<void> {
  const hash = createHash('sha256');
  const from = range?.start ?? 0;
  const to = range ? range.end + 1 : size;
  let pos = 0;
  let held: Buffer | undefined;
  for await (const chunk of source) {
    hash.update(chunk);
    const a = Math.max(from, pos);
    const b = Math.min(to, pos + chunk.length);
    pos += chunk.length;
    if (b <= a) continue;
    const part = chunk.subarray(a - (pos - chunk.length), b - (pos - chunk.length));
    if (held) await sink.write(held);
    held = part;
  }
  const got = `sha256:${hash.digest('hex')}`;
  if (pos !== size) throw new MirrorError('digest-mismatch', `content ${digest} is ${pos} bytes, expected ${size}: partial or corrupted, not served`);
  if (got !== digest) throw new MirrorError('digest-mismatch', `content hashed to ${got}, expected ${digest}: corrupted, not served`);
  if (held) await sink.write(held);
}
