// A sync loop driven by change notifications, as the agent's rule writers need it (service proxy,
// network policy): at most one run in flight, runs at least `minIntervalMs` apart (and never sooner
// than `minDelayMs` after a notification, so a burst of events becomes one run), a notification
// during a run schedules exactly one more after it, and a failed run is retried after `retryMs`.
import type { Clock } from '../client/clock';

export interface CoalescedSyncOptions {
  readonly minIntervalMs: number;
  readonly minDelayMs?: number;
  readonly retryMs?: number;
}

/** A run: resolves true when it succeeded, false when it failed and should be retried. */
export type SyncRun = (signal: AbortSignal) => Promise<boolean>;

export class CoalescedSync {
  #timer: (() => void) | undefined;
  #inFlight: Promise<void> | undefined;
  #dirty = false;
  #lastStart = 0;
  #active = false;

  constructor(
    private readonly clock: Clock,
    private readonly opts: CoalescedSyncOptions,
    private readonly run: SyncRun,
  ) {}

  /** The run in flight, if any (await it before tearing down). */
  get inFlight(): Promise<void> | undefined {
    return this.#inFlight;
  }

  /** Runs now (the first run, once the caches have synced); notifications count from then on. */
  runNow(signal: AbortSignal): Promise<void> {
    this.#active = true;
    this.#inFlight = (async () => {
      this.#lastStart = this.clock.now();
      const ok = await this.run(signal);
      if (!ok && !signal.aborted && !this.#timer) this.#after(this.opts.retryMs ?? 1000, signal);
    })().finally(() => {
      this.#inFlight = undefined;
      if (this.#dirty) {
        this.#dirty = false;
        this.notify(signal);
      }
    });
    return this.#inFlight;
  }

  /** Something changed: schedule a run (coalesced with any already pending). */
  notify(signal: AbortSignal): void {
    if (signal.aborted || this.#timer || !this.#active) return;
    if (this.#inFlight) {
      this.#dirty = true;
      return;
    }
    const wait = Math.max(0, this.#lastStart + this.opts.minIntervalMs - this.clock.now());
    this.#after(Math.max(wait, this.opts.minDelayMs ?? 20), signal);
  }

  /** Drops a pending run (on shutdown). */
  cancel(): void {
    this.#timer?.();
    this.#timer = undefined;
  }

  #after(ms: number, signal: AbortSignal): void {
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      if (!signal.aborted) void this.runNow(signal);
    }, ms);
  }
}
