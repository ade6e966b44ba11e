// PodTopologySpread and InterPodAffinity over small fixture clusters.
import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework/cycle-state';
import type { NodeInfo } from '../framework/node-info';
import type { PodInfo } from '../framework/pod-info';
import { Code, Status } from '../framework/status';
import { fakeHandle, node, pod, snapshotOf } from '../testing/fixtures';
import { InterPodAffinity } from './interpodaffinity/inter-pod-affinity';
import { PodTopologySpread } from './podtopologyspread/pod-topology-spread';

const web = { labels: { app: 'web' } };

function filterAll(plugin: { preFilter(s: CycleState, p: PodInfo, n: readonly NodeInfo[]): unknown; filter(s: CycleState, p: PodInfo, n: NodeInfo): Status }, p: PodInfo, nodes: NodeInfo[]): Record<string, string> {
  const s = new CycleState();
  const pre = plugin.preFilter(s, p, nodes);
  if (pre === Status.SKIP) return Object.fromEntries(nodes.map((n) => [n.name, 'skip']));
  return Object.fromEntries(nodes.map((n) => [n.name, plugin.filter(s, p, n).message() || 'ok']));
}

describe('PodTopologySpread', () => {
  const cluster = () => [
    node({ name: 'a1', labels: { zone: 'a' } }, [web]),
    node({ name: 'a2', labels: { zone: 'a' } }, [web]),
    node({ name: 'b1', labels: { zone: 'b' } }, [web, { labels: { app: 'other' } }]),
    node({ name: 'c1', labels: { zone: 'c' } }),
    node({ name: 'nolabel' }),
  ];
  const constraint = (whenUnsatisfiable: string) => [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable, labelSelector: { matchLabels: { app: 'web' } } }];

  it('keeps each zone within maxSkew of the emptiest (DoNotSchedule)', () => {
    const p = pod({ ...web, topologySpreadConstraints: constraint('DoNotSchedule') });
    expect(filterAll(new PodTopologySpread(), p, cluster())).toEqual({
      a1: "node(s) didn't match pod topology spread constraints",
      a2: "node(s) didn't match pod topology spread constraints",
      b1: "node(s) didn't match pod topology spread constraints",
      c1: 'ok',
      nolabel: "node(s) didn't match pod topology spread constraints (missing required label)",
    });
    expect(filterAll(new PodTopologySpread(), pod(web), cluster()).c1).toBe('skip');
  });

  it('prefers less loaded zones (ScheduleAnyway)', () => {
    const nodes = cluster().slice(0, 4);
    const p = pod({ ...web, topologySpreadConstraints: constraint('ScheduleAnyway') });
    const pts = new PodTopologySpread();
    const s = new CycleState();
    expect(pts.preScore(s, p, nodes).code).toBe(Code.Success);
    const scores = nodes.map((n) => pts.score(s, p, n));
    pts.normalizeScore(s, p, nodes, scores);
    expect(scores[3]).toBe(100);
    expect(scores[0]).toBeLessThan(scores[2]!);
  });
});

describe('InterPodAffinity', () => {
  const term = (labels: Record<string, string>, topologyKey = 'kubernetes.io/hostname') => ({ labelSelector: { matchLabels: labels }, topologyKey });

  it('honours the incoming pod’s required anti-affinity', () => {
    const nodes = [node({ name: 'a', labels: { zone: 'x' } }, [{ labels: { app: 'db' } }]), node({ name: 'b', labels: { zone: 'x' } })];
    const p = pod({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' })] } } });
    const ipa = new InterPodAffinity(fakeHandle(snapshotOf(nodes)));
    expect(filterAll(ipa, p, nodes)).toEqual({ a: "node(s) didn't match pod anti-affinity rules", b: 'ok' });
  });

  it('honours the anti-affinity of pods already placed', () => {
    const nodes = [node({ name: 'a' }, [{ labels: { app: 'db' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' })] } } }]), node({ name: 'b' })];
    const ipa = new InterPodAffinity(fakeHandle(snapshotOf(nodes)));
    expect(filterAll(ipa, pod(web), nodes)).toEqual({ a: "node(s) didn't satisfy existing pods anti-affinity rules", b: 'ok' });
  });

  it('requires a matching pod in the topology domain for required affinity, except for the first of a group', () => {
    const nodes = [node({ name: 'a', labels: { zone: 'x' } }, [{ labels: { app: 'db' } }]), node({ name: 'b', labels: { zone: 'x' } }), node({ name: 'c', labels: { zone: 'y' } })];
    const withDb = pod({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, 'zone')] } } });
    const ipa = new InterPodAffinity(fakeHandle(snapshotOf(nodes)));
    expect(filterAll(ipa, withDb, nodes)).toEqual({ a: 'ok', b: 'ok', c: "node(s) didn't match pod affinity rules" });
    const firstOfGroup = pod({ labels: { app: 'cache' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'cache' }, 'zone')] } } });
    expect(filterAll(ipa, firstOfGroup, nodes)).toEqual({ a: 'ok', b: 'ok', c: 'ok' });
  });

  it('skips pods without terms when no placed pod has required anti-affinity', () => {
    const nodes = [node({ name: 'a' }, [web])];
    expect(filterAll(new InterPodAffinity(fakeHandle(snapshotOf(nodes))), pod(web), nodes)).toEqual({ a: 'skip' });
  });
});
