// The reconcile loop (ARCHITECTURE rule 3): N workers take keys from a work queue and call
// reconcile(key). Success forgets the key's failures (and re-adds it later when asked); a throw
// re-adds it with per-key exponential backoff.
import type { Logger } from '../log/logger';
import type { WorkQueue } from './work-queue';

export interface ReconcileResult {
  /** Reconcile this key again after this long, even without a change. */
  readonly requeueAfterMs?: number;
}

export type Reconcile = (key: string, signal: AbortSignal) => Promise<ReconcileResult | void>;

export interface ControllerRunnerConfig {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  readonly reconcile: Reconcile;
  readonly workers: number;
  readonly log: Logger;
}

/** Runs the workers until `signal` aborts (then shuts the queue down and waits for in-flight keys). */
export async function runController(cfg: ControllerRunnerConfig, signal: AbortSignal): Promise<void> {
  const onAbort = () => cfg.queue.shutDown();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) cfg.queue.shutDown();
  const worker = async () => {
    for (;;) {
      const next = await cfg.queue.get();
      if (!next) return;
      const key = next.item;
      try {
        const r = await cfg.reconcile(key, signal);
        cfg.queue.forget(key);
        if (r?.requeueAfterMs !== undefined) cfg.queue.addAfter(key, r.requeueAfterMs);
      } catch (e) {
        if (!signal.aborted) {
          const n = cfg.queue.numRequeues(key);
          // The first failures are usually conflicts with a concurrent writer; say more once it persists.
          (n < 3 ? cfg.log.debug : cfg.log.warn).call(cfg.log, 'reconcile failed; retrying', { controller: cfg.name, key, attempt: n + 1, error: e instanceof Error ? e.message : String(e) });
          cfg.queue.addRateLimited(key);
        }
      } finally {
        cfg.queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, cfg.workers) }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
