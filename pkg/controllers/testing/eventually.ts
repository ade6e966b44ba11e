// Polling with a deadline for tests of asynchronous control loops (never a fixed sleep).

/** Calls `fn` until it returns a truthy value (returned) or `ms` pass (then throws, naming `what`). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, what: string, ms = 10_000, intervalMs = 20): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
