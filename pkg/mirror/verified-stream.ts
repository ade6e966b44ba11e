// Streams content that must hash to a known digest, so that a corrupted or partial blob is never
// served whole: the last batch is held back until the whole content has been hashed, and on a
// mismatch (or a short read) the response is aborted instead of completed — the client sees a body
// shorter than Content-Length and discards it. With a range, the whole content is still read and
// hashed; only the bytes inside the range are written. Small reads (16 KiB TLS records, gRPC
// messages) are gathered into batches of BATCH_BYTES so that each write waits for the sink once.
import { createHash } from 'node:crypto';
import { MirrorError } from './errors';

export interface ChunkSink {
  /** Resolves when the sink can take more (backpressure). */
  write(chunk: Buffer): Promise<void>;
}

const BATCH_BYTES = 1024 * 1024;

export async function streamVerified(source: AsyncIterable<Buffer>, digest: string, size: number, sink: ChunkSink, range?: { start: number; end: number }): Promise<void> {
  const hash = createHash('sha256');
  const from = range?.start ?? 0;
  const to = range ? range.end + 1 : size;
  let pos = 0;
  let held: Buffer[] = [];
  let heldBytes = 0;
  let ready: Buffer | undefined;
  for await (const chunk of source) {
    hash.update(chunk);
    const start = pos;
    pos += chunk.length;
    const a = Math.max(from, start);
    const b = Math.min(to, pos);
    if (b <= a) continue;
    held.push(chunk.subarray(a - start, b - start));
    heldBytes += b - a;
    if (heldBytes >= BATCH_BYTES) {
      // Write the previous batch; the newest stays held until a later one (or the digest check) frees it.
      if (ready) await sink.write(ready);
      ready = Buffer.concat(held, heldBytes);
      held = [];
      heldBytes = 0;
    }
  }
  const got = `sha256:${hash.digest('hex')}`;
  if (pos !== size) throw new MirrorError('digest-mismatch', `content ${digest} is ${pos} bytes, expected ${size}: partial or corrupted, not served`);
  if (got !== digest) throw new MirrorError('digest-mismatch', `content hashed to ${got}, expected ${digest}: corrupted, not served`);
  if (ready) await sink.write(ready);
  if (heldBytes > 0) await sink.write(Buffer.concat(held, heldBytes));
}
