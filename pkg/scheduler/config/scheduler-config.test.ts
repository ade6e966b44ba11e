import { describe, expect, it } from 'vitest';
import { builtinRegistry, pluginPoints } from '../plugins/registry';
import { defaultSchedulerConfig, parseSchedulerConfig } from './scheduler-config';

const points = pluginPoints(builtinRegistry());

describe('KubeSchedulerConfiguration', () => {
  it('defaults to one profile with the default plugins and weights', () => {
    const c = defaultSchedulerConfig(points);
    expect(c.profiles.map((p) => p.schedulerName)).toEqual(['default-scheduler']);
    const p = c.profiles[0]!;
    expect(p.plugins.filter.map((r) => r.name)).toEqual(['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding', 'PodTopologySpread', 'InterPodAffinity']);
    expect(p.plugins.score).toEqual([
      { name: 'TaintToleration', weight: 3 },
      { name: 'NodeAffinity', weight: 2 },
      { name: 'NodeResourcesFit', weight: 1 },
      { name: 'PodTopologySpread', weight: 2 },
      { name: 'InterPodAffinity', weight: 2 },
      { name: 'NodeResourcesBalancedAllocation', weight: 1 },
      { name: 'ImageLocality', weight: 1 },
    ]);
    expect(c.leaderElection).toMatchObject({ leaderElect: true, resourceNamespace: 'kube-system', resourceName: 'kube-scheduler' });
    expect([c.podInitialBackoffMs, c.podMaxBackoffMs]).toEqual([1000, 10_000]);
  });

  it('reads profiles, plugin sets, args and leader election', () => {
    const c = parseSchedulerConfig(
      `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
leaderElection:
  leaderElect: false
  leaseDuration: 30s
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packing-scheduler
  plugins:
    score:
      disabled:
      - name: ImageLocality
      enabled:
      - name: NodeResourcesFit
        weight: 5
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources:
        - name: cpu
          weight: 1
`,
      points,
    );
    expect(c.profiles.map((p) => p.schedulerName)).toEqual(['default-scheduler', 'bin-packing-scheduler']);
    const packing = c.profiles[1]!;
    expect(packing.plugins.score.find((r) => r.name === 'NodeResourcesFit')).toEqual({ name: 'NodeResourcesFit', weight: 5 });
    expect(packing.plugins.score.some((r) => r.name === 'ImageLocality')).toBe(false);
    expect(packing.pluginConfig.get('NodeResourcesFit')).toEqual({ scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 1 }] } });
    expect(c.percentageOfNodesToScore).toBe(30);
    expect(c.leaderElection).toMatchObject({ leaderElect: false, leaseDurationMs: 30_000 });
  });

  it('multiPoint disables a plugin everywhere', () => {
    const c = parseSchedulerConfig('apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins:\n    multiPoint:\n      disabled:\n      - name: TaintToleration\n', points);
    const p = c.profiles[0]!;
    expect([...p.plugins.filter, ...p.plugins.score].some((r) => r.name === 'TaintToleration')).toBe(false);
  });

  it('says what is wrong', () => {
    expect(() => parseSchedulerConfig('apiVersion: v1\nkind: ConfigMap\n', points, 'sched.yaml')).toThrow('sched.yaml: expected apiVersion kubescheduler.config.k8s.io/v1 and kind KubeSchedulerConfiguration; got v1 ConfigMap');
    expect(() => parseSchedulerConfig('apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins:\n    score:\n      enabled:\n      - name: Magic\n', points)).toThrow(/plugin "Magic" is not registered/);
    expect(() => parseSchedulerConfig('apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- {}\n- {}\n', points)).toThrow(/duplicate profile "default-scheduler"/);
  });
});
