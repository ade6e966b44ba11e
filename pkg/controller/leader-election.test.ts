// Leader election against the real API server, with timings scaled down (lease 2 s — the Lease
// records whole seconds —, renew deadline 1 s, retry 0.2 s) on the system clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { systemClock } from '../client/clock';
import { RESOURCES } from '../client/resource-ref';
import { silentLogger } from '../log/logger';
import { startTestControlPlane, type TestControlPlane } from '../server/test-control-plane';
import { LeaderElector, microTime } from './leader-election';

const TIMING = { leaseDurationMs: 2000, renewDeadlineMs: 1000, retryPeriodMs: 200 };

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - start;
}

interface Candidate {
  readonly elector: LeaderElector;
  readonly abort: AbortController;
  readonly done: Promise<void>;
  leading: boolean;
  terms: number;
}

describe('LeaderElector', () => {
  let cp: TestControlPlane;
  let seq = 0;
  beforeAll(async () => {
    cp = await startTestControlPlane();
  });
  afterAll(async () => cp?.stop());

  const candidate = (lease: string, identity: string, releaseOnStop = true, timing: typeof TIMING = TIMING): Candidate => {
    const elector = new LeaderElector({ client: cp.controller, clock: systemClock, log: silentLogger(), namespace: 'kube-system', name: lease, identity, releaseOnStop, ...timing });
    const abort = new AbortController();
    const c: Candidate = { elector, abort, leading: false, terms: 0, done: Promise.resolve() };
    (c as { done: Promise<void> }).done = elector.run(abort.signal, {
      onStartedLeading: (signal) =>
        new Promise<void>((resolve) => {
          c.leading = true;
          c.terms++;
          signal.addEventListener('abort', () => {
            c.leading = false;
            resolve();
          });
        }),
    });
    return c;
  };

  it('elects exactly one leader and hands over within the lease duration when it dies', async () => {
    const lease = `le-${++seq}`;
    const a = candidate(lease, 'a', false);
    await until(() => a.leading, 'a to lead');
    const b = candidate(lease, 'b', false);
    // For a while, b only watches.
    const watchUntil = Date.now() + 800;
    while (Date.now() < watchUntil) {
      expect(a.leading && b.leading).toBe(false);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(a.leading).toBe(true);
    expect(b.elector.leader).toBe('a');
    const got = await cp.admin.resource<KubeObject & { spec: Record<string, unknown> }>(RESOURCES.leases).get('kube-system', lease);
    expect(got.spec.holderIdentity).toBe('a');
    expect(got.spec.leaseDurationSeconds).toBe(2);
    // a dies without releasing: b takes over once a's last renewal is a lease duration old.
    const killedAt = Date.now();
    a.abort.abort();
    await a.done;
    await until(() => b.leading, 'b to take over');
    const took = Date.now() - killedAt;
    expect(took).toBeGreaterThan(TIMING.renewDeadlineMs);
    expect(took).toBeLessThan(TIMING.leaseDurationMs + 300);
    const after = await cp.admin.resource<KubeObject & { spec: Record<string, unknown> }>(RESOURCES.leases).get('kube-system', lease);
    expect(after.spec.holderIdentity).toBe('b');
    expect(after.spec.leaseTransitions).toBe(1);
    b.abort.abort();
    await b.done;
  });

  it("waits out the holder's own leaseDurationSeconds, not its own setting", async () => {
    const lease = `le-${++seq}`;
    const a = candidate(lease, 'a', false, { ...TIMING, leaseDurationMs: 3000 });
    await until(() => a.leading, 'a to lead');
    const b = candidate(lease, 'b', false, { ...TIMING, leaseDurationMs: 1500 });
    await until(() => b.elector.leader === 'a', 'b to see a');
    const killedAt = Date.now();
    a.abort.abort();
    await a.done;
    await until(() => b.leading, 'b to take over');
    const took = Date.now() - killedAt;
    // a's last renewal was at most one retry period before it died.
    expect(took).toBeGreaterThan(3000 - TIMING.retryPeriodMs * 1.25 - 100);
    expect(took).toBeLessThan(3000 + 300);
    const after = await cp.admin.resource<KubeObject & { spec: Record<string, unknown> }>(RESOURCES.leases).get('kube-system', lease);
    expect(after.spec.leaseDurationSeconds).toBe(2);
    b.abort.abort();
    await b.done;
  });

  it('releases the lease on a clean stop so the next candidate need not wait', async () => {
    const lease = `le-${++seq}`;
    const a = candidate(lease, 'a');
    await until(() => a.leading, 'a to lead');
    const b = candidate(lease, 'b');
    await until(() => b.elector.leader === 'a', 'b to see a');
    a.abort.abort();
    await a.done;
    const took = await until(() => b.leading, 'b to take over', 5000);
    expect(took).toBeLessThan(TIMING.retryPeriodMs * 1.2 + 300);
    b.abort.abort();
    await b.done;
  });

  it('steps down when someone else holds the lease, and campaigns again', async () => {
    const lease = `le-${++seq}`;
    const a = candidate(lease, 'a');
    await until(() => a.leading, 'a to lead');
    const leases = cp.admin.resource<KubeObject & { spec: Record<string, unknown> }>(RESOURCES.leases);
    const current = await leases.get('kube-system', lease);
    const now = microTime(Date.now());
    await leases.update({ ...current, spec: { ...current.spec, holderIdentity: 'intruder', renewTime: now, acquireTime: now } });
    await until(() => !a.leading, 'a to step down');
    expect(a.elector.isLeader()).toBe(false);
    // The intruder never renews: a gets the lease back after it expires.
    await until(() => a.leading, 'a to lead again', 5000);
    expect(a.terms).toBe(2);
    a.abort.abort();
    await a.done;
  });

  it('rejects timings where a leader could outlive its lease', () => {
    expect(() => new LeaderElector({ client: cp.controller, clock: systemClock, log: silentLogger(), namespace: 'kube-system', name: 'x', identity: 'x', leaseDurationMs: 1000, renewDeadlineMs: 1000, retryPeriodMs: 100 })).toThrow(/leaseDuration > renewDeadline/);
  });
});
