// An unbounded single-consumer queue of event batches that a watch generator awaits. Producers
// (a revision poller, a gRPC stream) push batches or fail it; the consumer pulls with an
// AbortSignal. Used by the SQL drivers and the etcd driver.

export class BatchQueue<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | undefined;
  private error: unknown;
  private failed = false;
  private ended = false;

  push(item: T): void {
    if (this.ended || this.failed) return;
    this.items.push(item);
    this.wake();
  }

  /** Ends the queue with an error; the consumer sees it after the items already queued. */
  fail(error: unknown): void {
    if (this.ended || this.failed) return;
    this.failed = true;
    this.error = error;
    this.wake();
  }

  /** Ends the queue normally; the consumer gets the queued items, then `undefined`. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  get size(): number {
    return this.items.length;
  }

  /** Next item, or undefined when the queue ended or `signal` aborted. Throws the failure error. */
  async next(signal: AbortSignal): Promise<T | undefined> {
    for (;;) {
      if (signal.aborted) return undefined;
      if (this.items.length > 0) return this.items.shift();
      if (this.failed) throw this.error;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        this.waiter = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
