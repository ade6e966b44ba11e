// CrashLoopBackOff: the first restart of a container is immediate; each further restart waits
// twice as long as the one before (10 s, 20 s, 40 s … up to 5 min), measured from the previous
// restart. A container that ran for 10 minutes starts over at 10 s. Keyed by pod UID + container.

export interface BackoffDecision {
  /** Restart now (and the back-off was advanced). */
  readonly restart: boolean;
  /** When not restarting: how long until the restart is allowed, and the current back-off. */
  readonly waitMs: number;
  readonly backoffMs: number;
}

export class RestartBackoff {
  readonly #entries = new Map<string, { backoffMs: number; lastRestartAt: number }>();

  constructor(
    private readonly initialMs = 10_000,
    private readonly maxMs = 300_000,
    private readonly resetAfterMs = 600_000,
  ) {}

  /** Asks to restart `key` whose container finished at `finishedAtMs`, at time `nowMs`. */
  next(key: string, nowMs: number, finishedAtMs: number): BackoffDecision {
    const e = this.#entries.get(key);
    if (!e || finishedAtMs - e.lastRestartAt > this.resetAfterMs) {
      this.#entries.set(key, { backoffMs: this.initialMs, lastRestartAt: nowMs });
      return { restart: true, waitMs: 0, backoffMs: 0 };
    }
    const due = e.lastRestartAt + e.backoffMs;
    if (nowMs < due) return { restart: false, waitMs: due - nowMs, backoffMs: e.backoffMs };
    this.#entries.set(key, { backoffMs: Math.min(e.backoffMs * 2, this.maxMs), lastRestartAt: nowMs });
    return { restart: true, waitMs: 0, backoffMs: e.backoffMs };
  }

  /** Forgets every key of a pod (when it goes away). */
  forgetPod(uid: string): void {
    for (const k of this.#entries.keys()) if (k.startsWith(`${uid}/`)) this.#entries.delete(k);
  }
}
