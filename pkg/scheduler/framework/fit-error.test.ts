import { describe, expect, it } from 'vitest';
import { Diagnosis, fitErrorMessage } from './fit-error';
import { Status } from './status';

describe('FailedScheduling wording', () => {
  it('counts reasons per node and sorts them as strings', () => {
    const d = new Diagnosis();
    d.statuses.set('a', Status.unschedulable('Insufficient cpu'));
    d.statuses.set('b', Status.unschedulable('Insufficient cpu', 'Insufficient memory'));
    d.statuses.set('c', Status.unresolvable('node(s) had untolerated taint(s)'));
    expect(fitErrorMessage(3, d)).toBe('0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint(s), 2 Insufficient cpu.');
  });

  it('appends the PostFilter (preemption) message', () => {
    const d = new Diagnosis();
    for (const n of ['a', 'b', 'c']) d.statuses.set(n, Status.unschedulable('Insufficient cpu'));
    d.postFilterMsg = 'preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
    expect(fitErrorMessage(3, d)).toBe('0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.');
  });

  it('uses a PreFilter rejection instead of per-node reasons, and counts nodes never filtered by the absent status', () => {
    const d = new Diagnosis();
    d.preFilterMsg = 'pod affinity terms conflict';
    d.absent = Status.unresolvable('pod affinity terms conflict');
    expect(fitErrorMessage(2, d)).toBe('0/2 nodes are available: pod affinity terms conflict.');
    const partial = new Diagnosis();
    partial.statuses.set('a', Status.unschedulable('Insufficient cpu'));
    partial.absent = Status.unresolvable('Preemption is not helpful for scheduling');
    expect(fitErrorMessage(3, partial)).toBe('0/3 nodes are available: 1 Insufficient cpu, 2 Preemption is not helpful for scheduling.');
  });
});
