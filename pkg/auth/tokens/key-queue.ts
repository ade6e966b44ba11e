// A minimal level-triggered work queue for one controller: keys (never payloads) are deduplicated
// while waiting, a key added while it is being processed is processed once more afterwards, and a
// failed key comes back after an exponential backoff. One worker; stops when the signal aborts.
import type { Logger } from '../../log/logger';

export type Delay = (ms: number, signal: AbortSignal) => Promise<void>;

export const abortableDelay: Delay = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export interface KeyQueueOptions {
  readonly log: Logger;
  readonly delay?: Delay;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

export class KeyQueue {
  private readonly pending = new Set<string>();
  private readonly active = new Set<string>();
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private wake: (() => void) | undefined;

  constructor(
    private readonly reconcile: (key: string) => Promise<void>,
    private readonly opts: KeyQueueOptions,
  ) {}

  add(key: string): void {
    if (this.active.has(key)) this.again.add(key);
    else this.pending.add(key);
    this.wake?.();
  }

  /** True when nothing is waiting or being processed (for tests that poll). */
  idle(): boolean {
    return this.pending.size === 0 && this.active.size === 0;
  }

  async run(signal: AbortSignal): Promise<void> {
    const delay = this.opts.delay ?? abortableDelay;
    const onAbort = () => this.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        const key = this.pending.values().next().value;
        if (key === undefined) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        this.pending.delete(key);
        this.active.add(key);
        try {
          await this.reconcile(key);
          this.failures.delete(key);
        } catch (e) {
          const n = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, n);
          const ms = Math.min((this.opts.baseDelayMs ?? 100) * 2 ** (n - 1), this.opts.maxDelayMs ?? 30_000);
          this.opts.log.warn('reconcile failed; will retry', { key, attempt: n, retryInMs: ms, error: e instanceof Error ? e.message : String(e) });
          void delay(ms, signal).then(() => {
            if (!signal.aborted) this.add(key);
          });
        } finally {
          this.active.delete(key);
          if (this.again.delete(key)) this.pending.add(key);
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
