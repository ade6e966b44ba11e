// A signal that aborts when its parent does or when a deadline passes, and that detaches from the
// parent once disposed (AbortSignal.any keeps a listener on long-lived parents for every call).
// Deadlines are network I/O timeouts, so they run on Node's timers rather than an injected Clock.
import { setMaxListeners } from 'node:events';

export interface Deadline {
  readonly signal: AbortSignal;
  /** True when the deadline (not the parent) aborted the signal. */
  timedOut(): boolean;
  /** Stops the timer and detaches from the parent. */
  dispose(): void;
}

export function deadline(parent: AbortSignal | undefined, ms: number): Deadline {
  const ctl = new AbortController();
  setMaxListeners(0, ctl.signal);
  let timedOut = false;
  const onAbort = () => ctl.abort(parent?.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort(new Error(`deadline of ${ms} ms passed`));
  }, Math.min(Math.max(0, ms), 2 ** 31 - 1));
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ctl.signal,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

/** A child of `parent` that can also be aborted on its own; `dispose` detaches it. */
export function childSignal(parent: AbortSignal): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}
