// The storage seen by one served version of a CRD with webhook conversion: a Backend over the
// real one that hands the generic Store objects at the served version and stores them at the
// CRD's storage version, converting through an ObjectConverter (the webhook) whenever the two
// differ. Reads convert every object not already at the served version (a list page in one
// review), writes convert to the storage version and the stored result back, watch events are
// converted as they come (once per event for all watchers of this version). Stored values carry
// the version they were written at (`{"apiVersion":…,"metadata":…}`), so that objects written
// before a change of storage version are converted from the version they really have; values
// without it (written under strategy None) count as the storage version's.
import type { KubeObject } from '../api/types';
import { encodeObject } from '../apiserver/registry/codec';
import type { Backend, DeleteOptions, GetOptions, KeyValue, ListOptions, ListResult, UpdateOptions, WatchEvent, WatchOptions, WriteOptions, WriteResult } from '../storage/backend';
import { gvkString, type ObjectConverter } from './conversion-webhook';

/** The kind and versions one converting backend serves. */
export interface ConvertedKind {
  readonly group: string;
  readonly kind: string;
  readonly listKind: string;
  /** The version the Store above reads and writes. */
  readonly served: string;
  /** The CRD's storage version. */
  readonly storage: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

export class ConvertingBackend implements Backend {
  private readonly servedApiVersion: string;
  private readonly storageApiVersion: string;
  /** `{"apiVersion":"<served>",` — stored values at the served version, unwrapped without parsing. */
  private readonly servedMark: Uint8Array;
  private readonly unmarked = encoder.encode('{"metadata":');
  /** Events converted for watchers, by the storage event (shared by every watcher of a commit). */
  private readonly converted = new WeakMap<WatchEvent, Promise<WatchEvent>>();

  constructor(private readonly inner: Backend, private readonly k: ConvertedKind, private readonly converter: ObjectConverter) {
    this.servedApiVersion = `${k.group}/${k.served}`;
    this.storageApiVersion = `${k.group}/${k.storage}`;
    this.servedMark = encoder.encode(`{"apiVersion":${JSON.stringify(this.servedApiVersion)},`);
  }

  // The backend is the server's; this view neither starts nor closes it.
  async start(): Promise<void> {}
  async close(): Promise<void> {}

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  count(prefix: string): Promise<{ revision: number; count: number }> {
    return this.inner.count(prefix);
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  /** A stored value at the served version without conversion, or undefined when it needs converting. */
  private servedWithoutConversion(value: Uint8Array): Uint8Array | undefined {
    if (startsWith(value, this.servedMark)) {
      const out = new Uint8Array(value.length - this.servedMark.length + 1);
      out[0] = 0x7b; // '{'
      out.set(value.subarray(this.servedMark.length), 1);
      return out;
    }
    if (this.k.served === this.k.storage && startsWith(value, this.unmarked)) return value;
    return undefined;
  }

  /** The complete object a stored value holds, at the version it was stored at. */
  private storedObject(value: Uint8Array): KubeObject {
    const { apiVersion, ...rest } = JSON.parse(decoder.decode(value)) as KubeObject;
    return { apiVersion: typeof apiVersion === 'string' ? apiVersion : this.storageApiVersion, kind: this.k.kind, ...rest } as KubeObject;
  }

  /** Stored values → values at the served version (what the Store decodes), converting in one review. */
  private async toServed(values: readonly Uint8Array[], asList: boolean): Promise<Uint8Array[]> {
    const out: Array<Uint8Array | undefined> = values.map((v) => this.servedWithoutConversion(v));
    const pending = values.map((v, i) => (out[i] ? undefined : this.storedObject(v)));
    const objects = pending.filter((o): o is KubeObject => o !== undefined);
    if (objects.length === 0) return out as Uint8Array[];
    const subject = asList ? gvkString(this.servedApiVersion, this.k.listKind) : gvkString(objects[0]!.apiVersion ?? '', this.k.kind);
    const converted = await this.converter.convert(objects, this.servedApiVersion, subject, asList);
    let next = 0;
    return out.map((v) => v ?? encodeObject(converted[next++]!));
  }

  private async kvToServed(kv: KeyValue): Promise<KeyValue> {
    const [value] = await this.toServed([kv.value], false);
    return { ...kv, value: value! };
  }

  /** A value written at the served version → the stored value (at the storage version, marked). */
  private async toStorage(value: Uint8Array): Promise<{ stored: Uint8Array; converted: boolean }> {
    if (this.k.served === this.k.storage) return { stored: this.mark(value, this.storageApiVersion), converted: false };
    const obj = { apiVersion: this.servedApiVersion, kind: this.k.kind, ...(JSON.parse(decoder.decode(value)) as Omit<KubeObject, 'apiVersion' | 'kind'>) } as KubeObject;
    const [converted] = await this.converter.convert([obj], this.storageApiVersion, gvkString(this.servedApiVersion, this.k.kind), false);
    return { stored: this.mark(encodeObject(converted!), this.storageApiVersion), converted: true };
  }

  private mark(value: Uint8Array, apiVersion: string): Uint8Array {
    const head = encoder.encode(`{"apiVersion":${JSON.stringify(apiVersion)},`);
    const out = new Uint8Array(head.length + value.length - 1);
    out.set(head, 0);
    out.set(value.subarray(1), head.length);
    return out;
  }

  /** The write's result as the Store expects it: the stored object read back at the served version. */
  private async written(res: WriteResult, original: Uint8Array, converted: boolean): Promise<WriteResult> {
    if (!converted) return { revision: res.revision, kv: { ...res.kv, value: original } };
    return { revision: res.revision, kv: await this.kvToServed(res.kv) };
  }

  async get(key: string, opts?: GetOptions): Promise<{ revision: number; kv?: KeyValue }> {
    const res = await this.inner.get(key, opts);
    return res.kv ? { revision: res.revision, kv: await this.kvToServed(res.kv) } : res;
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const res = await this.inner.list(prefix, opts);
    if (res.kvs.length === 0) return res;
    const values = await this.toServed(res.kvs.map((kv) => kv.value), true);
    return { ...res, kvs: res.kvs.map((kv, i) => ({ ...kv, value: values[i]! })) };
  }

  async create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<WriteResult> {
    const { stored, converted } = await this.toStorage(value);
    return this.written(await this.inner.create(key, stored, opts), value, converted);
  }

  async update(key: string, value: Uint8Array, opts: UpdateOptions): Promise<WriteResult> {
    const { stored, converted } = await this.toStorage(value);
    return this.written(await this.inner.update(key, stored, opts), value, converted);
  }

  /** The deleted value is returned as stored: the Store reads only its revision. */
  delete(key: string, opts?: DeleteOptions): Promise<WriteResult> {
    return this.inner.delete(key, opts);
  }

  private convertEvent(ev: WatchEvent): Promise<WatchEvent> {
    let p = this.converted.get(ev);
    if (!p) {
      p = (async () => {
        const values = ev.prevKv ? [ev.kv.value, ev.prevKv.value] : [ev.kv.value];
        const [kv, prev] = await this.toServed(values, false);
        return { ...ev, kv: { ...ev.kv, value: kv! }, ...(ev.prevKv ? { prevKv: { ...ev.prevKv, value: prev! } } : {}) };
      })();
      this.converted.set(ev, p);
    }
    return p;
  }

  async *watch(prefix: string, opts: WatchOptions, signal: AbortSignal): AsyncIterable<readonly WatchEvent[]> {
    for await (const batch of this.inner.watch(prefix, opts, signal)) yield await Promise.all(batch.map((ev) => this.convertEvent(ev)));
  }
}
