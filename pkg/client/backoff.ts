// Exponential backoff with jitter and a cap, reset after a quiet period (as client-go's
// reflector backoff: 800 ms doubling to 30 s, forgotten after 2 min without failures).
import type { Clock } from './clock';

export interface BackoffConfig {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor?: number;
  /** Fraction of the delay added at random (0.1 = up to +10%). */
  readonly jitter?: number;
  /** After this long without a failure the delay starts from `initialMs` again. */
  readonly resetAfterMs?: number;
  readonly random?: () => number;
}

export class Backoff {
  #current = 0;
  #lastFailure = 0;

  constructor(private readonly cfg: BackoffConfig, private readonly clock: Clock) {}

  /** Delay before the next attempt after one more failure. */
  next(): number {
    const now = this.clock.now();
    if (this.#current === 0 || (this.cfg.resetAfterMs !== undefined && now - this.#lastFailure > this.cfg.resetAfterMs)) {
      this.#current = this.cfg.initialMs;
    } else {
      this.#current = Math.min(this.cfg.maxMs, this.#current * (this.cfg.factor ?? 2));
    }
    this.#lastFailure = now;
    const jitter = this.cfg.jitter ?? 0;
    return Math.round(this.#current * (1 + jitter * (this.cfg.random ?? Math.random)()));
  }

  reset(): void {
    this.#current = 0;
  }
}
