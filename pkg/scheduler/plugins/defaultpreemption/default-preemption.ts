// DefaultPreemption (PostFilter): when no node fits, find nodes where removing lower-priority pods
// would let the pod fit, keep as many of those pods as still allows it (most important first), pick
// the node whose victims matter least, evict them and nominate the node for the pod. Wording of
// the outcome as upstream's (appended to FailedScheduling after "preemption: ").
import type { CycleState } from '../../framework/cycle-state';
import type { Handle, NodeToStatus, PostFilterPlugin, PostFilterResult } from '../../framework/interfaces';
import { Diagnosis, fitErrorMessage } from '../../framework/fit-error';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { Code, Status } from '../../framework/status';

export const DEFAULT_PREEMPTION = 'DefaultPreemption';
export const MSG_NO_VICTIMS = 'No preemption victims found for incoming pod';
export const MSG_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const MSG_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const MSG_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';

/** Upstream's DefaultPreemptionArgs defaults: try at least 10% of the nodes, and at least 100. */
const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

export interface Candidate {
  readonly node: string;
  /** Most important first. */
  readonly victims: readonly PodInfo[];
}

/** Higher priority first; among equals the one running longer. */
export function moreImportant(a: PodInfo, b: PodInfo): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return a.startMs < b.startMs;
}

/** Upstream's pickOneNodeForPreemption without PodDisruptionBudgets. */
export function pickCandidate(candidates: readonly Candidate[]): Candidate | undefined {
  if (candidates.length <= 1) return candidates[0];
  const offset = 2 ** 31;
  const steps: ((c: Candidate) => number)[] = [
    // Lowest "highest victim priority".
    (c) => -(c.victims[0]?.priority ?? -Infinity),
    // Lowest sum of priorities (shifted so negative priorities count as small).
    (c) => -c.victims.reduce((s, v) => s + v.priority + offset, 0),
    // Fewest victims.
    (c) => -c.victims.length,
    // Latest start among the highest-priority victims.
    (c) => {
      const top = c.victims[0]?.priority;
      let earliest = Infinity;
      for (const v of c.victims) if (v.priority === top && v.startMs < earliest) earliest = v.startMs;
      return earliest === Infinity ? 0 : earliest;
    },
  ];
  let pool = [...candidates];
  for (const score of steps) {
    let best = -Infinity;
    for (const c of pool) best = Math.max(best, score(c));
    pool = pool.filter((c) => score(c) === best);
    if (pool.length === 1) break;
  }
  return pool[0];
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = DEFAULT_PREEMPTION;

  constructor(private readonly handle: Handle) {}

  postFilter(state: CycleState, pod: PodInfo, filtered: NodeToStatus): PostFilterResult {
    const why = this.#ineligible(pod, filtered);
    if (why) return { status: Status.unschedulable(`preemption: ${why}`) };
    const all = this.handle.snapshot.nodes();
    const potential = all.filter((n) => (filtered.statuses.get(n.name) ?? filtered.absent).code !== Code.UnschedulableAndUnresolvable);
    const d = new Diagnosis();
    d.absent = Status.unresolvable(MSG_NOT_HELPFUL);
    const candidates: Candidate[] = [];
    if (potential.length > 0) {
      const wanted = Math.min(potential.length, Math.max(Math.trunc((potential.length * MIN_CANDIDATE_NODES_PERCENTAGE) / 100), MIN_CANDIDATE_NODES_ABSOLUTE));
      const offset = Math.floor(this.handle.random() * potential.length);
      for (let i = 0; i < potential.length && candidates.length < wanted; i++) {
        const node = potential[(offset + i) % potential.length]!;
        const r = this.selectVictimsOnNode(state.clone(), pod, node.clone());
        if (r.status.isSuccess() && r.victims.length > 0) candidates.push({ node: node.name, victims: r.victims });
        else d.statuses.set(node.name, r.status.isSuccess() ? Status.unresolvable(MSG_NO_VICTIMS) : r.status);
      }
    }
    const best = pickCandidate(candidates);
    if (!best) return { status: Status.unschedulable(`preemption: ${fitErrorMessage(all.length, d)}`), nominatedNodeName: '' };
    for (const v of best.victims) this.handle.actions.preemptVictim(v, pod, best.node);
    // Lower-priority pods nominated to that node lose the nomination: the room is this pod's now.
    for (const p of this.handle.nominator.nominatedPodsForNode(best.node)) if (p.priority < pod.priority && p.uid !== pod.uid) this.handle.actions.setNominatedNodeName(p, '');
    return { status: Status.SUCCESS, nominatedNodeName: best.node };
  }

  #ineligible(pod: PodInfo, filtered: NodeToStatus): string | undefined {
    if (pod.preemptionPolicy === 'Never') return MSG_POLICY_NEVER;
    const nominated = pod.nominatedNodeName;
    if (!nominated) return undefined;
    // Its earlier preemption no longer helps there: it may preempt again.
    if ((filtered.statuses.get(nominated) ?? filtered.absent).code === Code.UnschedulableAndUnresolvable) return undefined;
    const node = this.handle.snapshot.get(nominated);
    if (!node) return undefined;
    for (const p of node.pods.values()) if (p.terminating && p.priority < pod.priority) return MSG_TERMINATING;
    return undefined;
  }

  /** Victims on one node (a copy): remove every lower-priority pod, then reprieve the most important that still allow the pod to fit. */
  selectVictimsOnNode(state: CycleState, pod: PodInfo, node: NodeInfo): { status: Status; victims: PodInfo[] } {
    const fw = this.handle.framework;
    const remove = (p: PodInfo) => {
      node.removePod(p.uid);
      return fw.runPreFilterExtensionRemovePod(state, pod, p, node);
    };
    const add = (p: PodInfo) => {
      node.addPod(p);
      return fw.runPreFilterExtensionAddPod(state, pod, p, node);
    };
    const potential = [...node.pods.values()].filter((p) => p.priority < pod.priority);
    if (potential.length === 0) return { status: Status.unresolvable(MSG_NO_VICTIMS), victims: [] };
    for (const p of potential) {
      const s = remove(p);
      if (!s.isSuccess()) return { status: s, victims: [] };
    }
    const fits = fw.runFilterWithNominatedPods(state, pod, node);
    if (!fits.isSuccess()) return { status: fits, victims: [] };
    potential.sort((a, b) => (moreImportant(a, b) ? -1 : moreImportant(b, a) ? 1 : 0));
    const victims: PodInfo[] = [];
    for (const p of potential) {
      const s = add(p);
      if (!s.isSuccess()) return { status: s, victims: [] };
      if (!fw.runFilterWithNominatedPods(state, pod, node).isSuccess()) {
        const r = remove(p);
        if (!r.isSuccess()) return { status: r, victims: [] };
        victims.push(p);
      }
    }
    return { status: Status.SUCCESS, victims };
  }
}

