// A ReadonlyCache filled by hand (a fake for tests and for callers without a store): set and
// delete notify subscribers exactly as a StoreCache does on watch events.
import type { CacheEvent, ReadonlyCache } from './store-cache';

export class MemoryCache<T> implements ReadonlyCache<T> {
  private readonly items = new Map<string, T>();
  private readonly listeners = new Set<(ev: CacheEvent<T>) => void>();

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }

  entries(): IterableIterator<[string, T]> {
    return this.items.entries();
  }

  subscribe(listener: (ev: CacheEvent<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(key: string, value: T): void {
    const previous = this.items.get(key);
    this.items.set(key, value);
    for (const l of this.listeners) l({ type: 'upsert', key, value, previous });
  }

  delete(key: string): void {
    const previous = this.items.get(key);
    if (previous === undefined) return;
    this.items.delete(key);
    for (const l of this.listeners) l({ type: 'delete', key, previous });
  }
}
