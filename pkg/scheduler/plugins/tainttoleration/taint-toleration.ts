// TaintToleration: NoSchedule and NoExecute taints must be tolerated (Filter); nodes with fewer
// untolerated PreferNoSchedule taints score higher (Score, normalized and reversed).
import type { CycleState } from '../../framework/cycle-state';
import { stateKey } from '../../framework/cycle-state';
import { MAX_NODE_SCORE, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type Handle, type NormalizeScorePlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo, Toleration } from '../../framework/pod-info';
import { Status } from '../../framework/status';

const OK = Status.SUCCESS;
import { defaultNormalizeScore } from '../internal/normalize';
import { findUntoleratedTaint, tolerated } from '../internal/taints';

export const TAINT_TOLERATION = 'TaintToleration';
export const ERR_REASON_UNTOLERATED = 'node(s) had untolerated taint(s)';

const PREFER_KEY = stateKey<readonly Toleration[]>('PreScore/TaintToleration');

const hardEffect = (t: { effect: string }) => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

export class TaintToleration implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, NormalizeScorePlugin, EnqueueExtensions {
  readonly name = TAINT_TOLERATION;

  constructor(private readonly handle: Pick<Handle, 'snapshot'>) {}

  /** No node with a NoSchedule/NoExecute taint: nothing to filter. */
  preFilter(): Status {
    return this.handle.snapshot.nodesWithHardTaints() === 0 ? Status.SKIP : OK;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.taints.length === 0) return OK;
    return findUntoleratedTaint(node.taints, pod.tolerations, hardEffect) ? Status.unresolvable(ERR_REASON_UNTOLERATED) : OK;
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: readonly NodeInfo[]): Status {
    // Without PreferNoSchedule taints every node scores the same: skipping changes no choice.
    if (this.handle.snapshot.nodesWithSoftTaints() === 0) return Status.SKIP;
    state.write(
      PREFER_KEY,
      pod.tolerations.filter((t) => t.effect === '' || t.effect === 'PreferNoSchedule'),
    );
    return OK;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    if (node.taints.length === 0) return 0;
    const tolerations = state.read(PREFER_KEY) ?? [];
    let n = 0;
    for (const t of node.taints) if (t.effect === 'PreferNoSchedule' && !tolerated(tolerations, t)) n++;
    return n;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: number[]): Status {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    return Status.SUCCESS;
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
      { resource: 'UnscheduledPod', action: 'UpdatePod' },
    ];
  }
}
