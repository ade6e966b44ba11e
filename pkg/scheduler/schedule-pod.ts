// One pod's placement decision (upstream's schedulePod): PreFilter, Filter over enough nodes
// (round-robin start, stopping once numFeasibleNodesToFind fit), PreScore and Score, then the best
// node with random tie-breaking. Synchronous: nothing else touches the cache meanwhile.
import type { CycleState } from './framework/cycle-state';
import { Diagnosis, FitError, NO_NODES_AVAILABLE_MESSAGE } from './framework/fit-error';
import type { Framework } from './framework/framework';
import type { FilterPlugin, Nominator, Snapshot } from './framework/interfaces';
import type { NodeInfo } from './framework/node-info';
import type { PodInfo } from './framework/pod-info';
import { Code, Status } from './framework/status';

/** Upstream's constants: always try at least 100 nodes, never less than 5% of them. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
export const DEFAULT_PERCENTAGE_BASE = 50;

export function numFeasibleNodesToFind(percentageOfNodesToScore: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentageOfNodesToScore;
  if (pct <= 0) pct = Math.max(DEFAULT_PERCENTAGE_BASE - Math.trunc(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
  if (pct >= 100) return numAllNodes;
  return Math.max(Math.trunc((numAllNodes * pct) / 100), MIN_FEASIBLE_NODES_TO_FIND);
}

export type ScheduleResult =
  | { readonly ok: true; readonly node: string; readonly evaluated: number; readonly feasible: number }
  /** Rejected everywhere (FitError, or no nodes at all), or broken (status code Error). */
  | { readonly ok: false; readonly status: Status; readonly fitError?: FitError };

export class PodScheduler {
  #nextStart = 0;

  constructor(
    private readonly snapshot: Snapshot,
    private readonly nominator: Nominator & { hasNominatedPods(): boolean },
    private readonly globalPercentage: number,
    private readonly random: () => number,
  ) {}

  schedule(fw: Framework, state: CycleState, pod: PodInfo): ScheduleResult {
    const all = this.snapshot.nodes();
    if (all.length === 0) return { ok: false, status: new Status(Code.UnschedulableAndUnresolvable, [NO_NODES_AVAILABLE_MESSAGE]) };
    const d = new Diagnosis();
    const pre = fw.runPreFilter(state, pod, all);
    if (!pre.status.isSuccess()) {
      if (!pre.status.isRejected()) return { ok: false, status: pre.status };
      d.absent = pre.status;
      d.preFilterMsg = pre.status.message();
      d.addPluginStatus(pre.status);
      return this.#fitError(pod, all.length, d);
    }
    const filters = fw.activeFilters(state);
    const filter = fw.filterFor(state);
    const check = this.nominator.hasNominatedPods() ? (n: NodeInfo) => fw.runFilterWithNominatedPods(state, pod, n, filters) : (n: NodeInfo) => filter(state, pod, n);

    // A node nominated by an earlier preemption is tried first; if it fits, it is the answer.
    if (pod.nominatedNodeName && (!pre.nodeNames || pre.nodeNames.has(pod.nominatedNodeName))) {
      const n = this.snapshot.get(pod.nominatedNodeName);
      if (n && check(n).isSuccess()) return { ok: true, node: n.name, evaluated: 1, feasible: 1 };
    }

    let candidates: readonly NodeInfo[] = all;
    if (pre.nodeNames) {
      candidates = [...pre.nodeNames].map((name) => this.snapshot.get(name)).filter((n): n is NodeInfo => n !== undefined);
      // Nodes the PreFilter ruled out say which plugins did it (Go prints the sorted names as [a b]).
      d.absent = Status.unresolvable(`node(s) didn't satisfy plugin(s) [${[...(pre.nodeNamePlugins ?? [])].sort().join(' ')}]`);
    }
    const feasible = this.#filter(fw, candidates, filters, check, d, all.length);
    if (!Array.isArray(feasible)) return { ok: false, status: feasible };
    if (feasible.length === 0) return this.#fitError(pod, all.length, d);
    if (feasible.length === 1) return { ok: true, node: feasible[0]!.name, evaluated: candidates.length, feasible: 1 };

    const preScore = fw.runPreScore(state, pod, feasible);
    if (!preScore.isSuccess()) return { ok: false, status: preScore };
    const { status, totals } = fw.runScore(state, pod, feasible);
    if (!status.isSuccess()) return { ok: false, status };
    return { ok: true, node: feasible[this.#selectHost(totals)]!.name, evaluated: candidates.length, feasible: feasible.length };
  }

  #filter(
    fw: Framework,
    nodes: readonly NodeInfo[],
    filters: readonly FilterPlugin[],
    check: (n: NodeInfo) => Status,
    d: Diagnosis,
    numAllNodes: number,
  ): NodeInfo[] | Status {
    const n = nodes.length;
    const want = filters.length === 0 ? n : numFeasibleNodesToFind(fw.percentageOfNodesToScore ?? this.globalPercentage, n);
    const start = n === 0 ? 0 : this.#nextStart % n;
    const feasible: NodeInfo[] = [];
    let processed = 0;
    for (let i = 0; i < n; i++) {
      const node = nodes[(start + i) % n]!;
      processed++;
      const s = check(node);
      if (s.code === Code.Success) {
        feasible.push(node);
        if (feasible.length >= want) break;
      } else if (s.isRejected()) {
        d.statuses.set(node.name, s);
        d.addPluginStatus(s);
      } else {
        return s;
      }
    }
    this.#nextStart = numAllNodes === 0 ? 0 : (start + processed) % Math.max(n, 1);
    return feasible;
  }

  /** The highest total; ties broken uniformly at random. */
  #selectHost(totals: readonly number[]): number {
    let bestScore = -Infinity;
    let ties = 0;
    for (let i = 0; i < totals.length; i++) {
      const s = totals[i]!;
      if (s > bestScore) {
        bestScore = s;
        ties = 1;
      } else if (s === bestScore) ties++;
    }
    let pick = Math.floor(this.random() * ties);
    for (let i = 0; i < totals.length; i++) if (totals[i] === bestScore && pick-- === 0) return i;
    return 0;
  }

  #fitError(pod: PodInfo, numAllNodes: number, d: Diagnosis): ScheduleResult {
    const fitError = new FitError(pod.key, numAllNodes, d);
    return { ok: false, status: new Status(Code.Unschedulable, [fitError.message]), fitError };
  }
}
