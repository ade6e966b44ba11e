// Point reads of the few objects token authentication depends on (service accounts, secrets, pods,
// nodes), straight from the storage backend the API server uses, with a short cache so a busy
// client does not cost one datastore read per request. Read-only: nothing here writes.
import type { KubeObject } from '../../api/types';
import type { Backend } from '../../storage/backend';

export type AuthResource = 'serviceaccounts' | 'secrets' | 'pods' | 'nodes';

export interface ObjectReader {
  /** The object, or undefined when it does not exist. `namespace` is ignored for nodes. */
  get(resource: AuthResource, namespace: string, name: string): Promise<KubeObject | undefined>;
}

const decoder = new TextDecoder();

/** Reads `/registry/<resource>/<ns>/<name>` (nodes: `/registry/nodes/<name>`) as the store wrote it. */
export function backendObjectReader(backend: Pick<Backend, 'get'>): ObjectReader {
  return {
    async get(resource, namespace, name) {
      const key = resource === 'nodes' ? `/registry/nodes/${name}` : `/registry/${resource}/${namespace}/${name}`;
      const { kv } = await backend.get(key);
      if (!kv) return undefined;
      const obj = JSON.parse(decoder.decode(kv.value)) as KubeObject;
      obj.metadata = { ...obj.metadata, resourceVersion: String(kv.modRevision) };
      return obj;
    },
  };
}

export interface CacheOptions {
  /** How long an answer (including "not found") is reused. */
  readonly ttlMs: number;
  /** Entries kept before the cache is emptied (bounds memory under a flood of distinct names). */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** Remembers each answer for `ttlMs`; concurrent misses for one object share one read. */
export function cachedObjectReader(inner: ObjectReader, opts: CacheOptions): ObjectReader {
  const now = opts.now ?? Date.now;
  const max = opts.maxEntries ?? 10_000;
  const entries = new Map<string, { at: number; value: Promise<KubeObject | undefined> }>();
  return {
    get(resource, namespace, name) {
      const key = `${resource}/${namespace}/${name}`;
      const t = now();
      const hit = entries.get(key);
      if (hit && t - hit.at < opts.ttlMs) return hit.value;
      if (entries.size >= max) entries.clear();
      const value = inner.get(resource, namespace, name);
      entries.set(key, { at: t, value });
      // Errors are not cached.
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      return value;
    },
  };
}
