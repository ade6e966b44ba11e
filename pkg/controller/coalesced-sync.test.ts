import { describe, expect, it } from 'vitest';
import { FakeClock } from '../client/clock';
import { CoalescedSync } from './coalesced-sync';

const flush = () => new Promise((r) => setImmediate(r));

describe('CoalescedSync', () => {
  it('coalesces a burst into one run, keeps runs apart, and runs once more for changes seen during a run', async () => {
    const clock = new FakeClock();
    const signal = new AbortController().signal;
    const starts: number[] = [];
    let release: (() => void) | undefined;
    const loop = new CoalescedSync(clock, { minIntervalMs: 100 }, async () => {
      starts.push(clock.now());
      await new Promise<void>((r) => (release = r));
      return true;
    });
    loop.notify(signal); // ignored before the first run
    const first = loop.runNow(signal);
    expect(starts).toHaveLength(1);
    for (let i = 0; i < 5; i++) loop.notify(signal); // during the run: one more afterwards
    release!();
    await first;
    clock.advance(99);
    await flush();
    expect(starts).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(starts).toHaveLength(2);
    release!();
    await flush();
    for (let i = 0; i < 5; i++) loop.notify(signal);
    clock.advance(100);
    await flush();
    expect(starts).toHaveLength(3);
    release!();
    await flush();
    expect(loop.inFlight).toBeUndefined();
  });

  it('retries a failed run after retryMs, and cancel drops a pending run', async () => {
    const clock = new FakeClock();
    const signal = new AbortController().signal;
    let runs = 0;
    const loop = new CoalescedSync(clock, { minIntervalMs: 100, retryMs: 1000 }, async () => ++runs > 1);
    await loop.runNow(signal);
    expect(runs).toBe(1);
    clock.advance(999);
    await flush();
    expect(runs).toBe(1);
    clock.advance(1);
    await flush();
    expect(runs).toBe(2);
    loop.notify(signal);
    loop.cancel();
    clock.advance(10_000);
    await flush();
    expect(runs).toBe(2);
  });
});
