import { describe, expect, it } from 'vitest';
import { FakeClock } from '../client/clock';
import { silentLogger } from '../log/logger';
import { runController } from './controller-runner';
import { BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter } from './rate-limiter';
import { WorkQueue } from './work-queue';

const newQueue = (clock = new FakeClock()) => new WorkQueue<string>(clock, defaultControllerRateLimiter<string>(clock));

describe('WorkQueue', () => {
  it('deduplicates items added before they are taken', async () => {
    const q = newQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect((await q.get())?.item).toBe('a');
    expect((await q.get())?.item).toBe('b');
    expect(q.length).toBe(0);
  });

  it('never hands out an item being processed; re-added items come back after done()', async () => {
    const q = newQueue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((v) => (second = v?.item));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(first!.item);
    await Promise.resolve();
    expect(second).toBe('a');
    q.done('a');
    expect(q.length).toBe(0);
  });

  it('delays addAfter until due, keeping the earliest time', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.addAfter('a', 1000);
    q.addAfter('a', 500);
    q.addAfter('a', 2000);
    clock.advance(499);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(q.length).toBe(1);
    clock.advance(5000);
    expect(q.length).toBe(1);
  });

  it('backs off per item exponentially and forgets on success', () => {
    const clock = new FakeClock();
    const limiter = new ItemExponentialRateLimiter<string>(5, 1000);
    expect([1, 2, 3, 4].map(() => limiter.when('a'))).toEqual([5, 10, 20, 40]);
    expect(limiter.when('b')).toBe(5);
    expect(limiter.numRequeues('a')).toBe(4);
    for (let i = 0; i < 20; i++) limiter.when('a');
    expect(limiter.when('a')).toBe(1000);
    limiter.forget('a');
    expect(limiter.when('a')).toBe(5);
    void clock;
  });

  it('limits overall throughput with a token bucket', () => {
    const clock = new FakeClock();
    const bucket = new BucketRateLimiter<string>(clock, 10, 3);
    expect([1, 2, 3].map((i) => bucket.when(String(i)))).toEqual([0, 0, 0]);
    expect(bucket.when('4')).toBe(100);
    expect(bucket.when('5')).toBe(200);
    clock.advance(1000);
    expect(bucket.when('6')).toBe(0);
    const max = new MaxOfRateLimiter<string>(new ItemExponentialRateLimiter<string>(50, 1000), new BucketRateLimiter<string>(clock, 10, 100));
    expect(max.when('x')).toBe(50);
    expect(max.numRequeues('x')).toBe(1);
  });

  it('shutDown releases waiting getters and drops later adds', async () => {
    const q = newQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('a');
    expect(q.length).toBe(0);
  });
});

describe('runController', () => {
  it('retries failures with backoff, honours requeueAfter, runs one key at a time', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    const calls: string[] = [];
    let active = 0;
    let maxActive = 0;
    let failures = 2;
    const abort = new AbortController();
    const run = runController(
      {
        name: 't',
        queue: q,
        workers: 4,
        log: silentLogger(),
        async reconcile(key) {
          active++;
          maxActive = Math.max(maxActive, active);
          calls.push(`${key}@${clock.now()}`);
          await new Promise((r) => setImmediate(r));
          active--;
          if (key === 'flaky' && failures-- > 0) throw new Error('conflict');
          if (key === 'periodic') return { requeueAfterMs: 1000 };
          return undefined;
        },
      },
      abort.signal,
    );
    const t0 = clock.now();
    q.add('flaky');
    q.add('periodic');
    await clock.advanceAsync(0);
    await clock.advanceAsync(5);
    await clock.advanceAsync(10);
    await clock.advanceAsync(1000);
    expect(calls).toEqual([`flaky@${t0}`, `periodic@${t0}`, `flaky@${t0 + 5}`, `flaky@${t0 + 15}`, `periodic@${t0 + 1000}`]);
    expect(q.numRequeues('flaky')).toBe(0);
    expect(maxActive).toBeLessThanOrEqual(2);
    abort.abort();
    await run;
  });
});
