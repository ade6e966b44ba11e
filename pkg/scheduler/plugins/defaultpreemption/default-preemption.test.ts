import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state';
import { Diagnosis } from '../../framework/fit-error';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { frameworkOver, node, pod, snapshotOf } from '../../testing/fixtures';
import { pickCandidate } from './default-preemption';

/** Runs PreFilter + Filter on every node, then PostFilter, as a failed scheduling cycle would. */
function preempt(nodes: NodeInfo[], p: PodInfo) {
  const snapshot = snapshotOf(nodes);
  const { framework, handle } = frameworkOver(snapshot);
  const state = new CycleState();
  framework.runPreFilter(state, p, snapshot.nodes());
  const d = new Diagnosis();
  for (const n of snapshot.nodes()) {
    const s = framework.runFilter(state, p, n);
    if (!s.isSuccess()) d.statuses.set(n.name, s);
  }
  const result = framework.runPostFilter(state, p, d.toNodeToStatus());
  return { result, actions: handle.actions };
}

describe('DefaultPreemption', () => {
  it('evicts only the lowest-priority pod that has to go, on the node where victims matter least', () => {
    const nodes = [
      node({ name: 'n1', cpu: '4' }, [
        { name: 'low', priority: 100, requests: { cpu: '2' } },
        { name: 'mid', priority: 500, requests: { cpu: '2' } },
      ]),
      node({ name: 'n2', cpu: '4' }, [
        { name: 'mid2', priority: 500, requests: { cpu: '2' } },
        { name: 'mid3', priority: 600, requests: { cpu: '2' } },
      ]),
    ];
    const { result, actions } = preempt(nodes, pod({ name: 'high', priority: 1000, requests: { cpu: '2' } }));
    expect(result.status.isSuccess()).toBe(true);
    expect(result.nominatedNodeName).toBe('n1');
    expect(actions.preempted).toEqual([{ victim: 'default/low', preemptor: 'default/high', node: 'n1' }]);
  });

  it('says why when no node has victims', () => {
    const nodes = [node({ name: 'a', cpu: '1' }, [{ priority: 1000, requests: { cpu: '1' } }]), node({ name: 'b', cpu: '1' }, [{ priority: 2000, requests: { cpu: '1' } }])];
    const { result, actions } = preempt(nodes, pod({ priority: 1000, requests: { cpu: '1' } }));
    expect(result.status.message()).toBe('preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
    expect(actions.preempted).toEqual([]);
  });

  it('does not try where preemption cannot help, nor for pods that never preempt', () => {
    const nodes = [node({ name: 'small', cpu: '1' }, [{ priority: 0, requests: { cpu: '1' } }]), node({ name: 'tainted', cpu: '8', taints: [{ key: 'k', effect: 'NoSchedule' }] })];
    const big = pod({ priority: 10, requests: { cpu: '4' } });
    expect(preempt(nodes, big).result.status.message()).toBe('preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
    const never = pod({ priority: 10, preemptionPolicy: 'Never', requests: { cpu: '1' } });
    expect(preempt(nodes, never).result.status.message()).toBe('preemption: not eligible due to preemptionPolicy=Never.');
  });

  it('picks the candidate with the lowest highest-priority victim, then fewer victims', () => {
    const v = (priority: number) => pod({ priority });
    expect(pickCandidate([{ node: 'a', victims: [v(5)] }, { node: 'b', victims: [v(3), v(1)] }])?.node).toBe('b');
    expect(pickCandidate([{ node: 'a', victims: [v(3), v(3)] }, { node: 'b', victims: [v(3)] }])?.node).toBe('b');
  });
});
