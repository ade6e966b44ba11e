import { assumedOn } from '../../pkg/scheduler/cache/scheduler-cache';
import { CycleState } from '../../pkg/scheduler/framework/cycle-state';
import { PodScheduler } from '../../pkg/scheduler/schedule-pod';
import { frameworkOver, node, pod, snapshotOf } from '../../pkg/scheduler/testing/fixtures';
const snapshot = snapshotOf(Array.from({ length: 5000 }, (_, i) => node({ name: `n${i}`, cpu: '4', memory: '32Gi', pods: '110' })));
const { framework } = frameworkOver(snapshot);
const s = new PodScheduler(snapshot, { nominatedPodsForNode: () => [], hasNominatedPods: () => false }, 0, Math.random);
const pods = Array.from({ length: 11000 }, (_, i) => pod({ name: `p${i}`, requests: { cpu: '100m', memory: '500Mi' } }));
let t = performance.now();
for (let i = 0; i < 11000; i++) {
  if (i === 1000) t = performance.now();
  const r = s.schedule(framework, new CycleState(), pods[i]!);
  if (!r.ok) throw new Error('x');
  snapshot.assume(assumedOn(pods[i]!, r.node));
}
console.log('cycle pods/s', Math.round(10000 / ((performance.now() - t) / 1000)));
