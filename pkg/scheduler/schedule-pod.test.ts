import { describe, expect, it } from 'vitest';
import { assumedOn } from './cache/scheduler-cache';
import { CycleState } from './framework/cycle-state';
import { numFeasibleNodesToFind, PodScheduler } from './schedule-pod';
import { frameworkOver, node, pod, snapshotOf } from './testing/fixtures';

const MOST_ALLOCATED = `
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`;

/** Schedules `count` pods of 1 CPU one after another (each assumed before the next), returns pods per node. */
function place(config: string | undefined, nodes: number, count: number): number[] {
  const snapshot = snapshotOf(Array.from({ length: nodes }, (_, i) => node({ name: `n${i}`, cpu: '4', memory: '16Gi' })));
  const { framework } = frameworkOver(snapshot, config);
  let r = 0.37;
  const scheduler = new PodScheduler(snapshot, { nominatedPodsForNode: () => [], hasNominatedPods: () => false }, 0, () => (r = (r * 9301 + 49297) % 233280 / 233280));
  for (let i = 0; i < count; i++) {
    const p = pod({ requests: { cpu: '1' } });
    const result = scheduler.schedule(framework, new CycleState(), p);
    if (!result.ok) throw new Error(result.status.message());
    snapshot.assume(assumedOn(p, result.node));
  }
  return snapshot.nodes().map((n) => n.pods.size);
}

describe('placement by scoring strategy', () => {
  it('LeastAllocated spreads 20 pods over 10 nodes of 4 CPU: 2 each', () => {
    expect(place(undefined, 10, 20)).toEqual(new Array(10).fill(2));
  });

  it('MostAllocated packs the same 20 pods onto 5 full nodes', () => {
    expect(place(MOST_ALLOCATED, 10, 20).sort()).toEqual([0, 0, 0, 0, 0, 4, 4, 4, 4, 4]);
  });

  it('40 pods fill all 10 nodes either way', () => {
    expect(place(MOST_ALLOCATED, 10, 40)).toEqual(new Array(10).fill(4));
  });
});

describe('numFeasibleNodesToFind', () => {
  it('checks every node below 100, then an adaptive share (50% minus 1% per 125 nodes, at least 5%)', () => {
    expect(numFeasibleNodesToFind(0, 50)).toBe(50);
    expect(numFeasibleNodesToFind(0, 1000)).toBe(420);
    expect(numFeasibleNodesToFind(0, 5000)).toBe(500);
    expect(numFeasibleNodesToFind(0, 100_000)).toBe(5000);
    expect(numFeasibleNodesToFind(30, 1000)).toBe(300);
    expect(numFeasibleNodesToFind(1, 1000)).toBe(100);
  });
});
