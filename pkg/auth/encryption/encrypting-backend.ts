// A Backend decorator that encrypts values under the given key prefixes (/registry/secrets/) on
// the way in and decrypts them on the way out: get, list, watch (kv and prevKv), write results and
// the current value carried by a ConflictError. Other keys pass through untouched, so the API
// server, controllers and the storage drivers need not know encryption exists.
import type { Backend, DeleteOptions, GetOptions, KeyValue, ListOptions, ListResult, UpdateOptions, WatchEvent, WatchOptions, WriteOptions, WriteResult } from '../../storage/backend';
import { ConflictError } from '../../storage/errors';
import { DEFAULT_MAX_VALUE_BYTES, checkValueSize } from '../../storage/keys';
import { isEncryptionError } from './errors';
import type { ValueTransformer } from './value-transformer';

export class EncryptingBackend implements Backend {
  constructor(
    private readonly inner: Backend,
    /** Read on every operation, so a key rotation takes effect without re-wiring. */
    private readonly transformer: () => ValueTransformer,
    private readonly prefixes: readonly string[],
    /**
     * Limit on the plaintext (the API's object size limit). Encryption adds ~50 bytes, so a value
     * just under the driver's own limit can still be refused by the driver after encryption.
     */
    private readonly maxValueBytes = DEFAULT_MAX_VALUE_BYTES,
  ) {}

  private applies(key: string): boolean {
    return this.prefixes.some((p) => key.startsWith(p));
  }

  /** Whether a range under `prefix` may contain encrypted keys. */
  private overlaps(prefix: string): boolean {
    return this.prefixes.some((p) => p.startsWith(prefix) || prefix.startsWith(p));
  }

  private open(kv: KeyValue): KeyValue {
    if (!this.applies(kv.key)) return kv;
    return { ...kv, value: this.transformer().fromStorage(kv.value, kv.key).value };
  }

  private seal(key: string, value: Uint8Array): Uint8Array {
    if (!this.applies(key)) return value;
    checkValueSize(value, this.maxValueBytes);
    return this.transformer().toStorage(value, key);
  }

  /** Write results carry the stored bytes; hand back what the caller wrote instead of decrypting. */
  private written(res: WriteResult, plain: Uint8Array): WriteResult {
    return this.applies(res.kv.key) ? { ...res, kv: { ...res.kv, value: plain } } : res;
  }

  private conflict(e: unknown): unknown {
    if (e instanceof ConflictError && e.current && this.applies(e.current.key)) {
      let current: KeyValue | undefined;
      try {
        current = this.open(e.current);
      } catch {
        current = undefined;
      }
      return new ConflictError(e.key, e.expected, current);
    }
    return e;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  async get(key: string, opts?: GetOptions): Promise<{ revision: number; kv?: KeyValue }> {
    const res = await this.inner.get(key, opts);
    return res.kv && this.applies(key) ? { revision: res.revision, kv: this.open(res.kv) } : res;
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const res = await this.inner.list(prefix, opts);
    if (!this.overlaps(prefix)) return res;
    return { ...res, kvs: res.kvs.map((kv) => this.open(kv)) };
  }

  count(prefix: string): Promise<{ revision: number; count: number }> {
    return this.inner.count(prefix);
  }

  async create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<WriteResult> {
    return this.written(await this.inner.create(key, this.seal(key, value), opts), value);
  }

  async update(key: string, value: Uint8Array, opts: UpdateOptions): Promise<WriteResult> {
    try {
      return this.written(await this.inner.update(key, this.seal(key, value), opts), value);
    } catch (e) {
      throw this.conflict(e);
    }
  }

  async delete(key: string, opts?: DeleteOptions): Promise<WriteResult> {
    let res: WriteResult;
    try {
      res = await this.inner.delete(key, opts);
    } catch (e) {
      throw this.conflict(e);
    }
    return this.applies(key) ? { ...res, kv: this.open(res.kv) } : res;
  }

  watch(prefix: string, opts: WatchOptions, signal: AbortSignal): AsyncIterable<readonly WatchEvent[]> {
    const events = this.inner.watch(prefix, opts, signal);
    if (!this.overlaps(prefix)) return events;
    return this.openEvents(events);
  }

  private async *openEvents(events: AsyncIterable<readonly WatchEvent[]>): AsyncIterable<readonly WatchEvent[]> {
    for await (const batch of events) {
      yield batch.map((ev) => {
        if (!this.applies(ev.kv.key)) return ev;
        let prevKv: KeyValue | undefined;
        try {
          prevKv = ev.prevKv && this.open(ev.prevKv);
        } catch (e) {
          // A previous value under a key that rotation has since dropped: the event stays usable without it.
          if (!isEncryptionError(e)) throw e;
          prevKv = undefined;
        }
        const { prevKv: _drop, ...rest } = ev;
        return { ...rest, kv: this.open(ev.kv), ...(prevKv ? { prevKv } : {}) };
      });
    }
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }
}
