// WATCH: storage events → API watch events, filtered by selectors the way upstream does it (an
// object that stops matching is DELETED for this watcher, one that starts matching is ADDED).
import type { KubeObject } from '../../api/types';
import type { WatchEvent } from '../../storage/backend';
import { CompactedError } from '../../storage/errors';
import { errors } from '../errors';
import { listObjects, parseRv, type ObjectFilter } from './list';
import type { Store } from './store';

export type ApiWatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface ApiWatchEvent {
  readonly type: ApiWatchEventType;
  readonly object: KubeObject;
  /** The object is the store's shared decoding of a storage event (Store.sharedJson applies). */
  readonly shared?: boolean;
}

export interface WatchQuery {
  readonly namespace?: string;
  readonly filter?: ObjectFilter;
  readonly resourceVersion?: string;
  /** Send the current state as ADDED events first (default when resourceVersion is "" or "0"). */
  readonly sendInitialEvents?: boolean;
}

function matches(filter: ObjectFilter | undefined, obj: KubeObject): boolean {
  return !filter || filter(obj);
}

/**
 * Converts one storage event for this watcher, or returns undefined when it is not visible. The
 * objects are shared by every watcher of the event (decoded once): read-only.
 */
export function toApiEvent(store: Store, ev: WatchEvent, filter?: ObjectFilter): ApiWatchEvent | undefined {
  if (ev.type === 'delete') {
    const old = store.decodeDeleted(ev);
    return matches(filter, old) ? { type: 'DELETED', object: old, shared: true } : undefined;
  }
  const obj = store.decodeShared(ev.kv);
  if (ev.type === 'create') return matches(filter, obj) ? { type: 'ADDED', object: obj, shared: true } : undefined;
  if (!filter) return { type: 'MODIFIED', object: obj, shared: true };
  const now = matches(filter, obj);
  const before = ev.prevKv ? matches(filter, store.decodeShared(ev.prevKv)) : now;
  if (now && before) return { type: 'MODIFIED', object: obj, shared: true };
  if (now) return { type: 'ADDED', object: obj, shared: true };
  if (before) return { type: 'DELETED', object: obj, shared: true };
  return undefined;
}

export interface WatchStream {
  /** Resource version the stream starts after (for bookmarks before the first event). */
  readonly startRevision: number;
  /** Current state, sent as ADDED events before `events` (empty when resuming from a version). */
  readonly initial: readonly KubeObject[];
  readonly events: AsyncIterable<ApiWatchEvent>;
}

export async function watchObjects(store: Store, q: WatchQuery, signal: AbortSignal): Promise<WatchStream> {
  const rvText = q.resourceVersion ?? '';
  const initial = q.sendInitialEvents ?? (rvText === '' || rvText === '0');
  let from: number;
  let snapshot: KubeObject[] = [];
  if (initial) {
    const page = await listObjects(store, { namespace: q.namespace, filter: q.filter, resourceVersion: rvText === '' ? undefined : rvText });
    snapshot = page.items;
    from = Number(page.resourceVersion) + 1;
  } else {
    from = parseRv(rvText, 'resourceVersion') + 1;
  }
  const prefix = store.prefix(q.namespace);
  // Open the storage watch now; a compacted revision surfaces on the first read as a 410 ERROR event.
  const source = store.backendWatch(prefix, from, signal)[Symbol.asyncIterator]();
  const firstBatch = source.next();
  firstBatch.catch(() => undefined);
  async function* events(): AsyncGenerator<ApiWatchEvent> {
    let next = firstBatch;
    for (;;) {
      let r: IteratorResult<readonly WatchEvent[]>;
      try {
        r = await next;
      } catch (e) {
        // Name the version the client sent (upstream: "too old resource version: <rv> (<oldest>)").
        if (e instanceof CompactedError) throw errors.gone(`too old resource version: ${from - 1} (${e.compacted + 1})`);
        throw e;
      }
      if (r.done) return;
      for (const ev of r.value) {
        const api = toApiEvent(store, ev, q.filter);
        if (api) yield api;
      }
      next = source.next();
    }
  }
  return { startRevision: from - 1, initial: snapshot, events: events() };
}
