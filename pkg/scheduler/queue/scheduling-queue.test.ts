import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../client/clock';
import type { ClusterEvent } from '../framework/interfaces';
import { PrioritySort } from '../plugins/queuesort/priority-sort';
import { pod, podObject } from '../testing/fixtures';
import { SchedulingQueue } from './scheduling-queue';

function queue(clock = new FakeClock()) {
  const sort = new PrioritySort();
  // NodeResourcesFit cares about pod deletions; TaintToleration about node taints.
  const interest: Record<string, ClusterEvent[]> = { NodeResourcesFit: [{ resource: 'AssignedPod', action: 'Delete' }], TaintToleration: [{ resource: 'Node', action: 'UpdateNodeTaint' }] };
  const q = new SchedulingQueue({
    clock,
    less: (a, b) => sort.less(a, b),
    initialBackoffMs: 1000,
    maxBackoffMs: 10_000,
    eventMayHelp: (e, plugins) => [...plugins].some((p) => interest[p]?.some((i) => i.resource === e.resource && i.action === e.action)),
  });
  return { q, clock };
}

describe('SchedulingQueue', () => {
  it('pops higher priority first, then the oldest', async () => {
    const { q, clock } = queue();
    q.add(pod({ name: 'low-old', priority: 1 }));
    clock.advance(10);
    q.add(pod({ name: 'high', priority: 100 }));
    q.add(pod({ name: 'low-new', priority: 1 }));
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await q.pop())!.podInfo.name);
    expect(order).toEqual(['high', 'low-old', 'low-new']);
  });

  it('parks rejected pods until an event their plugins care about, then backs off', async () => {
    const { q, clock } = queue();
    q.add(pod({ name: 'p' }));
    const popped = (await q.pop())!;
    popped.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.requeue(popped, q.schedulingCycle);
    expect(q.counts()).toMatchObject({ unschedulable: 1, active: 0 });
    q.onEvent({ resource: 'Node', action: 'UpdateNodeTaint' });
    expect(q.counts().unschedulable).toBe(1);
    q.onEvent({ resource: 'AssignedPod', action: 'Delete' });
    // Still inside its 1 s backoff: it waits in the backoff queue.
    expect(q.counts()).toMatchObject({ unschedulable: 0, backoff: 1 });
    clock.advance(1000);
    q.flush();
    expect(q.counts()).toMatchObject({ backoff: 0, active: 1 });
    expect((await q.pop())!.attempts).toBe(2);
  });

  it('doubles the backoff per attempt up to the maximum, and retries errors after it', async () => {
    const { q, clock } = queue();
    q.add(pod({ name: 'p' }));
    for (const expected of [1000, 2000, 4000, 8000, 10_000, 10_000]) {
      const popped = (await q.pop())!;
      popped.failedWithError = true;
      q.requeue(popped, q.schedulingCycle);
      clock.advance(expected - 1);
      q.flush();
      expect(q.counts().active).toBe(0);
      clock.advance(1);
      q.flush();
      expect(q.counts().active).toBe(1);
    }
  });

  it('retries a pod whose spec changed, not one whose status did', async () => {
    const { q } = queue();
    const obj = podObject({ name: 'p', labels: { a: '1' } });
    q.add(pod({ name: 'p', labels: { a: '1' } }));
    const popped = (await q.pop())!;
    popped.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.requeue(popped, q.schedulingCycle);
    q.update(obj, pod({ name: 'p', labels: { a: '1' } }));
    expect(q.counts().unschedulable).toBe(1);
    q.update(obj, pod({ name: 'p', labels: { a: '2' } }));
    expect(q.counts().unschedulable).toBe(0);
  });

  it('holds gated pods until their gates are removed', async () => {
    const { q } = queue();
    const gated = podObject({ name: 'g' });
    (gated.spec as Record<string, unknown>).schedulingGates = [{ name: 'wait' }];
    const { PodInfo } = await import('../framework/pod-info');
    q.add(new PodInfo(gated));
    expect(q.counts()).toMatchObject({ gated: 1, active: 0 });
    q.update(gated, pod({ name: 'g' }));
    expect(q.counts()).toMatchObject({ gated: 0, active: 1 });
  });

  it('remembers nominations', () => {
    const { q } = queue();
    const p = pod({ name: 'n' });
    q.nominate(p, 'node-a');
    expect(q.nominatedPodsForNode('node-a').map((x) => x.name)).toEqual(['n']);
    q.delete(p.uid);
    expect(q.nominatedPodsForNode('node-a')).toEqual([]);
  });
});
