// Controller expectations (as upstream's): after asking for N creations or deletions, a
// controller waits until its informer has seen them before deciding again from the cache, so a
// stale cache never makes it create or delete twice. Expectations expire (5 min) in case an event
// is never seen.
import type { Clock } from '../client/clock';

interface Record {
  adds: number;
  readonly deletes: Set<string>;
  readonly at: number;
}

export class Expectations {
  readonly #records = new Map<string, Record>();

  constructor(private readonly clock: Clock, private readonly ttlMs = 5 * 60_000) {}

  /** True when `key` may act on its cache: nothing pending, or what was pending is too old. */
  satisfied(key: string): boolean {
    const r = this.#records.get(key);
    if (!r) return true;
    if ((r.adds <= 0 && r.deletes.size === 0) || this.clock.now() - r.at > this.ttlMs) return true;
    return false;
  }

  /** Replaces what `key` waits for: `adds` creations and the deletion of these object keys. */
  expect(key: string, adds: number, deletes: readonly string[] = []): void {
    this.#records.set(key, { adds, deletes: new Set(deletes), at: this.clock.now() });
  }

  creationObserved(key: string): void {
    const r = this.#records.get(key);
    if (r) r.adds--;
  }

  /** A creation that was expected but not attempted or failed. */
  lowerCreations(key: string, n: number): void {
    const r = this.#records.get(key);
    if (r) r.adds -= n;
  }

  deletionObserved(key: string, objectKey: string): void {
    this.#records.get(key)?.deletes.delete(objectKey);
  }

  delete(key: string): void {
    this.#records.delete(key);
  }
}
