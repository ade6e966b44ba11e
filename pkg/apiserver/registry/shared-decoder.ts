// One resource's decoding for the watch fan-out. Every watcher of a commit gets the same decoded
// object (read-only: the storage hub hands all of them the same event objects) and the same JSON
// text of it. The objects of recently written keys are also kept by key and revision, so that the
// next read-modify-write of a key the cluster is busy with (a pod created, then bound, then given
// its status) copies the decoded object instead of parsing the stored bytes again; only for
// resources whose decoding is plain parsing (a storage conversion's output may change over time).
import type { KubeObject } from '../../api/types';
import { clone } from '../../api/validation/json';
import type { KeyValue, WatchEvent } from '../../storage/backend';

interface Recent {
  readonly revision: number;
  readonly obj: KubeObject;
}

/** Recent keys held per resource (two generations: when `young` fills it replaces `old`). */
const RECENT_KEYS = 4096;

export class SharedDecoder {
  /** Objects decoded for watchers, by the stored value (or delete event) they came from. */
  readonly #shared = new WeakMap<object, KubeObject>();
  /** JSON text of shared objects, serialized once for every watcher that sends them whole. */
  readonly #text = new WeakMap<KubeObject, string>();
  #young = new Map<string, Recent>();
  #old = new Map<string, Recent>();

  constructor(
    private readonly decode: (kv: KeyValue) => KubeObject,
    private readonly keepRecent: boolean,
  ) {}

  /** The shared decoding of `kv`. */
  decodeShared(kv: KeyValue): KubeObject {
    let obj = this.#shared.get(kv);
    if (!obj) {
      obj = this.#recent(kv) ?? this.decode(kv);
      this.#shared.set(kv, obj);
      if (this.keepRecent) this.#remember(kv, obj);
    }
    return obj;
  }

  /** A decoding of `kv` the caller owns: a copy of the shared one when it is held. */
  decodeOwned(kv: KeyValue): KubeObject {
    const shared = this.#recent(kv);
    return shared ? clone(shared) : this.decode(kv);
  }

  /** JSON.stringify of an object from decodeShared/decodeDeleted, computed once. */
  sharedJson(obj: KubeObject): string {
    let text = this.#text.get(obj);
    if (text === undefined) this.#text.set(obj, (text = JSON.stringify(obj)));
    return text;
  }

  /** The object a delete event removed, at the delete's revision (shared like decodeShared). */
  decodeDeleted(ev: WatchEvent): KubeObject {
    let obj = this.#shared.get(ev);
    if (!obj) this.#shared.set(ev, (obj = ev.prevKv ? this.decode({ ...ev.prevKv, modRevision: ev.revision }) : this.decode(ev.kv)));
    return obj;
  }

  #recent(kv: KeyValue): KubeObject | undefined {
    const e = this.#young.get(kv.key) ?? this.#old.get(kv.key);
    return e?.revision === kv.modRevision ? e.obj : undefined;
  }

  #remember(kv: KeyValue, obj: KubeObject): void {
    if (this.#young.size >= RECENT_KEYS / 2) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(kv.key, { revision: kv.modRevision, obj });
  }
}
