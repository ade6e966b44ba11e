// InterPodAffinity (basic): required pod affinity (a node's topology domain must hold a pod
// matching every term, unless no pod anywhere does and the pod matches its own terms), required
// anti-affinity of the pod and of the pods already placed (Filter); preferred terms of both sides
// and the placed pods' required affinity (weight 1) rank domains (Score, min-max normalized).
import type { Labels } from '../../../api/selectors';
import { stateKey, type Cloneable, type CycleState } from '../../framework/cycle-state';
import { MAX_NODE_SCORE, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type Handle, type NormalizeScorePlugin, type PreFilterExtensions, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { AffinityTerm, PodInfo } from '../../framework/pod-info';
import { Status } from '../../framework/status';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
/** Weight of a placed pod's required affinity term in scoring (upstream's hardPodAffinityWeight default). */
const HARD_POD_AFFINITY_WEIGHT = 1;

/** `key\0value` → count. */
type TopologyCounts = Map<string, number>;

class FilterState implements Cloneable<FilterState> {
  constructor(
    readonly existingAnti: TopologyCounts,
    readonly affinity: TopologyCounts,
    readonly anti: TopologyCounts,
  ) {}

  clone(): FilterState {
    return new FilterState(new Map(this.existingAnti), new Map(this.affinity), new Map(this.anti));
  }
}

const FILTER_KEY = stateKey<FilterState>('PreFilter/InterPodAffinity');
const SCORE_KEY = stateKey<readonly (readonly [key: string, value: string, weight: number])[]>('PreScore/InterPodAffinity');

function bump(m: TopologyCounts, key: string, value: string, delta: number): void {
  const k = `${key}\0${value}`;
  const n = (m.get(k) ?? 0) + delta;
  if (n === 0) m.delete(k);
  else m.set(k, n);
}

function count(m: TopologyCounts, key: string, value: string | undefined): number {
  return value === undefined ? 0 : (m.get(`${key}\0${value}`) ?? 0);
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, NormalizeScorePlugin, EnqueueExtensions {
  readonly name = INTER_POD_AFFINITY;
  readonly preFilterExtensions: PreFilterExtensions;

  constructor(private readonly handle: Pick<Handle, 'snapshot' | 'namespaceLabels'>) {
    this.preFilterExtensions = {
      addPod: (state, pod, other, node) => this.#update(state, pod, other, node, 1),
      removePod: (state, pod, other, node) => this.#update(state, pod, other, node, -1),
    };
  }

  #termMatches(term: AffinityTerm, pod: PodInfo): boolean {
    if (!term.namespaces.has(pod.namespace)) {
      if (!term.namespaceSelector) return false;
      const labels: Labels = this.handle.namespaceLabels(pod.namespace);
      if (!term.namespaceSelector.matches(labels)) return false;
    }
    return term.selector.matches(pod.labels);
  }

  #allTermsMatch(terms: readonly AffinityTerm[], pod: PodInfo): boolean {
    for (const t of terms) if (!this.#termMatches(t, pod)) return false;
    return terms.length > 0;
  }

  /** Counts what `other` on `node` contributes to the incoming pod's filter state. */
  #account(s: FilterState, pod: PodInfo, other: PodInfo, node: NodeInfo, delta: number): void {
    for (const t of other.requiredAntiAffinity) {
      const v = node.labels[t.topologyKey];
      if (v !== undefined && this.#termMatches(t, pod)) bump(s.existingAnti, t.topologyKey, v, delta);
    }
    if (pod.requiredAffinity.length > 0 && this.#allTermsMatch(pod.requiredAffinity, other)) {
      for (const t of pod.requiredAffinity) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined) bump(s.affinity, t.topologyKey, v, delta);
      }
    }
    for (const t of pod.requiredAntiAffinity) {
      const v = node.labels[t.topologyKey];
      if (v !== undefined && this.#termMatches(t, other)) bump(s.anti, t.topologyKey, v, delta);
    }
  }

  #update(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, delta: 1 | -1): Status {
    const s = state.read(FILTER_KEY);
    if (s) this.#account(s, pod, other, node, delta);
    return Status.SUCCESS;
  }

  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status {
    const own = pod.requiredAffinity.length + pod.requiredAntiAffinity.length > 0;
    if (!own && this.handle.snapshot.podsWithRequiredAntiAffinity() === 0) return Status.SKIP;
    const s = new FilterState(new Map(), new Map(), new Map());
    for (const node of nodes) {
      if (!own && node.podsWithRequiredAntiAffinity === 0) continue;
      for (const other of node.pods.values()) {
        if (!own && other.requiredAntiAffinity.length === 0) continue;
        this.#account(s, pod, other, node, 1);
      }
    }
    state.write(FILTER_KEY, s);
    return Status.SUCCESS;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const s = state.read(FILTER_KEY);
    if (!s) return Status.SUCCESS;
    if (pod.requiredAffinity.length > 0) {
      let ok = true;
      for (const t of pod.requiredAffinity) {
        if (count(s.affinity, t.topologyKey, node.labels[t.topologyKey]) <= 0) {
          ok = false;
          break;
        }
      }
      // The first pod of a group that selects itself may go anywhere its terms' keys exist.
      if (!ok && !(s.affinity.size === 0 && this.#allTermsMatch(pod.requiredAffinity, pod) && pod.requiredAffinity.every((t) => node.labels[t.topologyKey] !== undefined))) {
        return Status.unresolvable(ERR_REASON_AFFINITY);
      }
    }
    for (const t of pod.requiredAntiAffinity) if (count(s.anti, t.topologyKey, node.labels[t.topologyKey]) > 0) return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
    for (const k of s.existingAnti.keys()) {
      const [key, value] = k.split('\0') as [string, string];
      if (node.labels[key] === value) return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
    }
    return Status.SUCCESS;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status {
    const own = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
    if (!own && this.handle.snapshot.podsWithAffinity() === 0) return Status.SKIP;
    const scores: TopologyCounts = new Map();
    for (const node of this.handle.snapshot.nodes()) {
      if (!own && node.podsWithAffinity === 0) continue;
      for (const other of node.pods.values()) {
        for (const t of pod.preferredAffinity) {
          const v = node.labels[t.topologyKey];
          if (v !== undefined && this.#termMatches(t, other)) bump(scores, t.topologyKey, v, t.weight);
        }
        for (const t of pod.preferredAntiAffinity) {
          const v = node.labels[t.topologyKey];
          if (v !== undefined && this.#termMatches(t, other)) bump(scores, t.topologyKey, v, -t.weight);
        }
        if (!other.hasAffinity) continue;
        for (const t of other.requiredAffinity) {
          const v = node.labels[t.topologyKey];
          if (v !== undefined && this.#termMatches(t, pod)) bump(scores, t.topologyKey, v, HARD_POD_AFFINITY_WEIGHT);
        }
        for (const t of other.preferredAffinity) {
          const v = node.labels[t.topologyKey];
          if (v !== undefined && this.#termMatches(t, pod)) bump(scores, t.topologyKey, v, t.weight);
        }
        for (const t of other.preferredAntiAffinity) {
          const v = node.labels[t.topologyKey];
          if (v !== undefined && this.#termMatches(t, pod)) bump(scores, t.topologyKey, v, -t.weight);
        }
      }
    }
    if (scores.size === 0) return Status.SKIP;
    void nodes;
    state.write(
      SCORE_KEY,
      [...scores].map(([k, w]) => {
        const [key, value] = k.split('\0') as [string, string];
        return [key, value, w] as const;
      }),
    );
    return Status.SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read(SCORE_KEY);
    if (!s) return 0;
    let total = 0;
    for (const [key, value, w] of s) if (node.labels[key] === value) total += w;
    return total;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: number[]): Status {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i]! - min)) / diff) : 0;
    return Status.SUCCESS;
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'AssignedPod', action: 'Add' },
      { resource: 'AssignedPod', action: 'UpdatePodLabel' },
      { resource: 'AssignedPod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
    ];
  }
}
