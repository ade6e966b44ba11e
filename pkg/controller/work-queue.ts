// A work queue with client-go's guarantees: an item added several times before it is taken is
// processed once; an item is never handed to two workers at once; an item added while it is being
// processed is processed again after done(). Delayed and rate-limited adds sit in a waiting set
// until due (the earliest requested time wins).
import type { Clock } from '../client/clock';
import type { RateLimiter } from './rate-limiter';

export interface QueueItem<T> {
  readonly item: T;
}

export class WorkQueue<T> {
  #queue: T[] = [];
  #head = 0;
  readonly #dirty = new Set<T>();
  readonly #processing = new Set<T>();
  /** item → [due time, cancel] */
  readonly #waiting = new Map<T, { at: number; cancel: () => void }>();
  #getters: ((v: QueueItem<T> | undefined) => void)[] = [];
  #shuttingDown = false;

  constructor(private readonly clock: Clock, private readonly limiter: RateLimiter<T>) {}

  /** Items ready to be taken. */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  add(item: T): void {
    if (this.#shuttingDown || this.#dirty.has(item)) return;
    this.#dirty.add(item);
    if (this.#processing.has(item)) return;
    this.#push(item);
  }

  /** Adds `item` once `ms` have passed (at once when ms <= 0). */
  addAfter(item: T, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) return this.add(item);
    const at = this.clock.now() + ms;
    const w = this.#waiting.get(item);
    if (w && w.at <= at) return;
    w?.cancel();
    const cancel = this.clock.setTimeout(() => {
      this.#waiting.delete(item);
      this.add(item);
    }, ms);
    this.#waiting.set(item, { at, cancel });
  }

  /** Adds `item` after its rate limiter's delay (one more failure counted). */
  addRateLimited(item: T): void {
    this.addAfter(item, this.limiter.when(item));
  }

  /** Resets `item`'s failure count (call after it was processed successfully). */
  forget(item: T): void {
    this.limiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.limiter.numRequeues(item);
  }

  /** The next item, marked as processing; undefined once the queue is shut down and drained. */
  get(): Promise<QueueItem<T> | undefined> {
    if (this.length > 0) return Promise.resolve({ item: this.#take() });
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Ends processing of `item`; if it was added meanwhile it becomes ready again. */
  done(item: T): void {
    this.#processing.delete(item);
    if (this.#dirty.has(item)) this.#push(item);
  }

  /** Stops accepting items; waiting getters get undefined; delayed adds are dropped. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const w of this.#waiting.values()) w.cancel();
    this.#waiting.clear();
    const getters = this.#getters;
    this.#getters = [];
    for (const g of getters) g(undefined);
  }

  #push(item: T): void {
    const getter = this.#getters.shift();
    if (getter) {
      this.#dirty.delete(item);
      this.#processing.add(item);
      getter({ item });
      return;
    }
    this.#queue.push(item);
  }

  #take(): T {
    const item = this.#queue[this.#head++]!;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#dirty.delete(item);
    this.#processing.add(item);
    return item;
  }
}
