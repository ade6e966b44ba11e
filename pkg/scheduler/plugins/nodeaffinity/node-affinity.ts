// NodeAffinity: spec.nodeSelector and required node affinity must match the node (Filter; a
// metadata.name In term narrows the nodes at PreFilter); preferred terms add their weights (Score).
import type { CycleState } from '../../framework/cycle-state';
import { MAX_NODE_SCORE, PreFilterResult, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type NormalizeScorePlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { Status } from '../../framework/status';
import { podMatchesNodeSelectorAndAffinity, termMatches } from '../internal/node-selector';
import { defaultNormalizeScore } from '../internal/normalize';

export const NODE_AFFINITY = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, NormalizeScorePlugin, EnqueueExtensions {
  readonly name = NODE_AFFINITY;

  preFilter(_state: CycleState, pod: PodInfo): Status | PreFilterResult {
    const terms = pod.requiredNodeTerms;
    if (!pod.nodeSelector && !terms) return Status.SKIP;
    if (!terms) return Status.SUCCESS;
    // Terms are ORed: only when every term names nodes by metadata.name can the node set be narrowed.
    let names: Set<string> | undefined;
    for (const t of terms) {
      let termNames: Set<string> | undefined;
      for (const f of t.matchFields) {
        if (f.key !== 'metadata.name' || f.operator !== 'In') continue;
        termNames = termNames ? new Set(f.values.filter((v) => termNames!.has(v))) : new Set(f.values);
      }
      if (!termNames) return Status.SUCCESS;
      names ??= new Set();
      for (const n of termNames) names.add(n);
    }
    if (!names) return Status.SUCCESS;
    if (names.size === 0) return Status.unresolvable(ERR_REASON_CONFLICT);
    return new PreFilterResult(names, Status.SUCCESS);
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return podMatchesNodeSelectorAndAffinity(pod.nodeSelector, pod.requiredNodeTerms, node.labels, node.name) ? Status.SUCCESS : Status.unresolvable(ERR_REASON_POD);
  }

  preScore(_state: CycleState, pod: PodInfo): Status {
    return pod.preferredNodeTerms.length === 0 ? Status.SKIP : Status.SUCCESS;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    let s = 0;
    for (const p of pod.preferredNodeTerms) if (p.weight !== 0 && termMatches(p.term, node.labels, node.name)) s += p.weight;
    return s;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: number[]): Status {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    return Status.SUCCESS;
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'UnscheduledPod', action: 'UpdatePod' },
    ];
  }
}
