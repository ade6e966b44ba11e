// PodTopologySpread (basic): topologySpreadConstraints of the pod. DoNotSchedule constraints are a
// Filter — placing the pod in a domain may not push that domain's count of matching pods more than
// maxSkew above the least loaded eligible domain; ScheduleAnyway constraints are a Score favouring
// less loaded domains. Counts are pods in the pod's namespace matching the constraint's selector,
// on nodes that carry every constraint's topology key and pass nodeAffinityPolicy (Honor: the
// pod's node selector/affinity) and nodeTaintsPolicy (Ignore unless Honor). No cluster-level
// default constraints.
import { stateKey, type Cloneable, type CycleState } from '../../framework/cycle-state';
import { MAX_NODE_SCORE, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type NormalizeScorePlugin, type PreFilterExtensions, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo, TopologySpreadConstraint } from '../../framework/pod-info';
import { Status } from '../../framework/status';
import { podMatchesNodeSelectorAndAffinity } from '../internal/node-selector';
import { findUntoleratedTaint } from '../internal/taints';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;
const HOSTNAME = 'kubernetes.io/hostname';

class FilterState implements Cloneable<FilterState> {
  #minima: (number | undefined)[];

  constructor(
    readonly constraints: readonly TopologySpreadConstraint[],
    /** Per constraint: domain value → matching pods. */
    readonly counts: Map<string, number>[],
  ) {
    this.#minima = constraints.map(() => undefined);
  }

  add(i: number, domain: string, delta: number): void {
    const m = this.counts[i]!;
    m.set(domain, (m.get(domain) ?? 0) + delta);
    this.#minima[i] = undefined;
  }

  /** The least matching count over eligible domains (0 while fewer than minDomains exist). */
  minMatch(i: number): number {
    const cached = this.#minima[i];
    if (cached !== undefined) return cached;
    const c = this.constraints[i]!;
    const m = this.counts[i]!;
    let min = Infinity;
    if (m.size < c.minDomains) min = 0;
    else for (const v of m.values()) if (v < min) min = v;
    if (min === Infinity) min = 0;
    this.#minima[i] = min;
    return min;
  }

  clone(): FilterState {
    return new FilterState(
      this.constraints,
      this.counts.map((m) => new Map(m)),
    );
  }
}

interface ScoreState {
  readonly constraints: readonly TopologySpreadConstraint[];
  readonly counts: Map<string, number>[];
  readonly weights: number[];
  readonly ignored: Set<string>;
}

const FILTER_KEY = stateKey<FilterState>('PreFilter/PodTopologySpread');
const SCORE_KEY = stateKey<ScoreState>('PreScore/PodTopologySpread');

function hasAllKeys(node: NodeInfo, constraints: readonly TopologySpreadConstraint[]): boolean {
  for (const c of constraints) if (node.labels[c.topologyKey] === undefined) return false;
  return true;
}

function nodeIncluded(pod: PodInfo, node: NodeInfo, c: TopologySpreadConstraint): boolean {
  if (c.nodeAffinityPolicy !== 'Ignore' && !podMatchesNodeSelectorAndAffinity(pod.nodeSelector, pod.requiredNodeTerms, node.labels, node.name)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(node.taints, pod.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) return false;
  return true;
}

function countMatching(node: NodeInfo, c: TopologySpreadConstraint, namespace: string): number {
  let n = 0;
  for (const p of node.pods.values()) if (p.namespace === namespace && !p.terminating && c.selector.matches(p.labels)) n++;
  return n;
}

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, NormalizeScorePlugin, EnqueueExtensions {
  readonly name = POD_TOPOLOGY_SPREAD;
  readonly preFilterExtensions: PreFilterExtensions;

  constructor() {
    const update = (state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, delta: 1 | -1): Status => {
      const s = state.read(FILTER_KEY);
      if (!s || other.namespace !== pod.namespace || !hasAllKeys(node, s.constraints)) return Status.SUCCESS;
      s.constraints.forEach((c, i) => {
        if (!nodeIncluded(pod, node, c) || !c.selector.matches(other.labels)) return;
        s.add(i, node.labels[c.topologyKey]!, delta);
      });
      return Status.SUCCESS;
    };
    this.preFilterExtensions = {
      addPod: (state, pod, toAdd, node) => update(state, pod, toAdd, node, 1),
      removePod: (state, pod, toRemove, node) => update(state, pod, toRemove, node, -1),
    };
  }

  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status {
    const constraints = pod.topologySpread.filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
    if (constraints.length === 0) return Status.SKIP;
    const counts = constraints.map(() => new Map<string, number>());
    for (const node of nodes) {
      if (!hasAllKeys(node, constraints)) continue;
      constraints.forEach((c, i) => {
        if (!nodeIncluded(pod, node, c)) return;
        const v = node.labels[c.topologyKey]!;
        counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + countMatching(node, c, pod.namespace));
      });
    }
    state.write(FILTER_KEY, new FilterState(constraints, counts));
    return Status.SUCCESS;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const s = state.read(FILTER_KEY);
    if (!s) return Status.SUCCESS;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      const v = node.labels[c.topologyKey];
      if (v === undefined) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
      const self = c.selector.matches(pod.labels) ? 1 : 0;
      const skew = (s.counts[i]!.get(v) ?? 0) + self - s.minMatch(i);
      if (skew > c.maxSkew) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return Status.SUCCESS;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status {
    const constraints = pod.topologySpread.filter((c) => c.whenUnsatisfiable === 'ScheduleAnyway');
    if (constraints.length === 0) return Status.SKIP;
    const ignored = new Set<string>();
    const domains = constraints.map(() => new Set<string>());
    for (const n of nodes) {
      if (!hasAllKeys(n, constraints)) {
        ignored.add(n.name);
        continue;
      }
      constraints.forEach((c, i) => domains[i]!.add(c.topologyKey === HOSTNAME ? n.name : n.labels[c.topologyKey]!));
    }
    const counts = constraints.map(() => new Map<string, number>());
    constraints.forEach((c, i) => {
      if (c.topologyKey === HOSTNAME) return;
      for (const n of nodes) {
        if (ignored.has(n.name) || !nodeIncluded(pod, n, c)) continue;
        const v = n.labels[c.topologyKey]!;
        counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + countMatching(n, c, pod.namespace));
      }
    });
    state.write(SCORE_KEY, { constraints, counts, weights: domains.map((d) => Math.log(d.size + 2)), ignored });
    return Status.SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const s = state.read(SCORE_KEY);
    if (!s || s.ignored.has(node.name)) return 0;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const v = node.labels[c.topologyKey];
      if (v === undefined) return;
      const cnt = c.topologyKey === HOSTNAME ? countMatching(node, c, pod.namespace) : (s.counts[i]!.get(v) ?? 0);
      score += cnt * s.weights[i]! + (c.maxSkew - 1);
    });
    return Math.round(score);
  }

  normalizeScore(state: CycleState, _pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): Status {
    const s = state.read(SCORE_KEY);
    if (!s) return Status.SUCCESS;
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i]!.name)) continue;
      min = Math.min(min, scores[i]!);
      max = Math.max(max, scores[i]!);
    }
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i]!.name)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
    }
    return Status.SUCCESS;
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'AssignedPod', action: 'Add' },
      { resource: 'AssignedPod', action: 'UpdatePodLabel' },
      { resource: 'AssignedPod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ];
  }
}
