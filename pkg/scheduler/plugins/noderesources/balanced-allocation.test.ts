import { describe, expect, it } from 'vitest';
import { defaultSchedulerConfig } from '../../config/scheduler-config';
import { CycleState } from '../../framework/cycle-state';
import { Code } from '../../framework/status';
import { frameworkOver, node, pod, snapshotOf } from '../../testing/fixtures';
import { PodScheduler } from '../../schedule-pod';
import { builtinRegistry, pluginPoints } from '../registry';
import { NODE_RESOURCES_BALANCED_ALLOCATION, NodeResourcesBalancedAllocation, balancedAllocationArgs, balancedScore } from './balanced-allocation';

describe('NodeResourcesBalancedAllocation', () => {
  const plugin = new NodeResourcesBalancedAllocation(undefined);

  it('scores (1 - std of the fractions) x 100: half the cpu/memory gap for two resources', () => {
    expect(balancedScore([2000, 4 * 2 ** 30], [4000, 8 * 2 ** 30])).toBe(100);
    // fractions 0.75 and 0.25 → std 0.25
    expect(balancedScore([3000, 2 * 2 ** 30], [4000, 8 * 2 ** 30])).toBe(75);
    // over-committed fractions count as 1; a resource the node lacks is left out
    expect(balancedScore([8000, 0], [4000, 8])).toBe(50);
    expect(balancedScore([1000, 5], [4000, 0])).toBe(100);
    // three resources: population std of 0.1, 0.5, 0.9 = 0.3266 → 67
    expect(balancedScore([1, 5, 9], [10, 10, 10])).toBe(67);
  });

  it('prefers the node the pod leaves balanced, counting requests as written (no non-zero defaults)', () => {
    const state = new CycleState();
    // The pod asks for 1 cpu and 2Gi; node a is cpu-heavy already, node b memory-heavy.
    const p = pod({ requests: { cpu: '1', memory: '2Gi' } });
    const a = node({ name: 'a', cpu: '4', memory: '8Gi' }, [{ requests: { cpu: '2' } }]);
    const b = node({ name: 'b', cpu: '4', memory: '8Gi' }, [{ requests: { memory: '4Gi' } }]);
    const even = node({ name: 'even', cpu: '4', memory: '8Gi' }, [{ requests: { cpu: '1', memory: '2Gi' } }]);
    expect(plugin.preScore(state, p).code).toBe(Code.Success);
    // a: cpu 3/4, memory 2/8 → 75; b: cpu 1/4, memory 6/8 → 75; even: 2/4 and 4/8 → 100
    expect(plugin.score(state, p, a)).toBe(75);
    expect(plugin.score(state, p, b)).toBe(75);
    expect(plugin.score(state, p, even)).toBe(100);
    // A container without requests adds nothing here (Fit would count 100m/200Mi).
    const bare = node({ name: 'bare', cpu: '4', memory: '8Gi' }, [{}]);
    expect(plugin.score(state, p, bare)).toBe(Math.trunc((1 - Math.abs(1 / 4 - 2 / 8) / 2) * 100));
    // The batch form gives each node's score.
    const nodes = [a, b, even, bare];
    const scores = new Array<number>(nodes.length).fill(-1);
    expect(plugin.scoreAll(state, p, nodes, scores)).toBeUndefined();
    expect(scores).toEqual([75, 75, 100, plugin.score(state, p, bare)]);
  });

  it('skips best-effort pods', () => {
    expect(plugin.preScore(new CycleState(), pod({})).code).toBe(Code.Skip);
  });

  it('reads its resources from pluginConfig and rejects bad args', () => {
    expect(balancedAllocationArgs({ resources: [{ name: 'cpu' }, { name: 'example.com/gpu', weight: 1 }] }).resources).toEqual([
      { name: 'cpu', weight: 1 },
      { name: 'example.com/gpu', weight: 1 },
    ]);
    expect(() => balancedAllocationArgs({ resources: [{ name: 'cpu' }, { name: 'cpu' }] })).toThrow(/listed twice/);
    expect(() => balancedAllocationArgs({ resources: [{ name: 'cpu', weight: 0 }] })).toThrow(/must be an integer in the range \[1, 100\]/);
    expect(() => balancedAllocationArgs({ resources: 'cpu' })).toThrow(/non-empty list/);
  });

  it('is in the default profile at preScore and score with weight 1, as upstream', () => {
    const cfg = defaultSchedulerConfig(pluginPoints(builtinRegistry()));
    const plugins = cfg.profiles[0]!.plugins;
    expect(plugins.score).toContainEqual({ name: NODE_RESOURCES_BALANCED_ALLOCATION, weight: 1 });
    expect(plugins.preScore).toContainEqual({ name: NODE_RESOURCES_BALANCED_ALLOCATION });
  });

  it('tips a tie of the Fit scores toward the balanced node in a full scheduling cycle', () => {
    // After the pod, both nodes are equally free by Fit's LeastAllocated average (43); cpu-heavy is
    // left at 3/4 cpu and 3/8 memory (81 here), balanced at 2/4 and 5/8 (93).
    const snapshot = snapshotOf([
      node({ name: 'cpu-heavy', cpu: '4', memory: '8Gi' }, [{ requests: { cpu: '2', memory: '1Gi' } }]),
      node({ name: 'balanced', cpu: '4', memory: '8Gi' }, [{ requests: { cpu: '1', memory: '3Gi' } }]),
    ]);
    const { framework } = frameworkOver(snapshot);
    const scheduler = new PodScheduler(snapshot, { nominatedPodsForNode: () => [], hasNominatedPods: () => false }, 0, Math.random);
    for (let i = 0; i < 20; i++) {
      const r = scheduler.schedule(framework, new CycleState(), pod({ name: `p${i}`, requests: { cpu: '1', memory: '2Gi' } }));
      expect(r.ok && r.node).toBe('balanced');
    }
  });
});
