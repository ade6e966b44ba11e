// The Score extension point over one cycle's feasible nodes: every plugin scores every node (in one
// call when it implements scoreAll), normalizes its scores, and each node's total is the sum of its
// scores times the plugins' weights. The arrays are reused from cycle to cycle (a cycle reads its
// totals before the next one starts), as the filter runs hundreds of nodes per pod.
import type { CycleState } from './cycle-state';
import { MAX_NODE_SCORE, MIN_NODE_SCORE, type NormalizeScorePlugin, type ScorePlugin } from './interfaces';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import { Status } from './status';

export interface WeightedScore {
  readonly plugin: ScorePlugin;
  readonly weight: number;
  readonly normalize?: NormalizeScorePlugin;
}

export class ScoreRunner {
  readonly #scratchArrays = new Map<number, [number[], number[]]>();

  constructor(private readonly plugins: readonly WeightedScore[]) {}

  /** Weighted sum of every Score plugin's normalized scores, per node (totals[i] for nodes[i]). */
  run(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { status: Status; totals: number[] } {
    const [totals, scores] = this.#scratch(nodes.length);
    totals.fill(0);
    for (const { plugin, weight, normalize } of this.plugins) {
      if (state.skipScore.has(plugin.name)) continue;
      const failed = scoreEach(plugin, state, pod, nodes, scores);
      if (failed) return { status: failed.withPlugin(plugin.name), totals };
      if (normalize) {
        const s = normalize.normalizeScore(state, pod, nodes, scores);
        if (!s.isSuccess()) return { status: s.withPlugin(plugin.name), totals };
      }
      for (let i = 0; i < nodes.length; i++) {
        const v = scores[i]!;
        if (v > MAX_NODE_SCORE || v < MIN_NODE_SCORE) {
          return { status: Status.error(new Error(`plugin ${plugin.name} returns an invalid score ${v}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`)).withPlugin(plugin.name), totals };
        }
        totals[i]! += v * weight;
      }
    }
    return { status: Status.SUCCESS, totals };
  }

  #scratch(length: number): [number[], number[]] {
    let a = this.#scratchArrays.get(length);
    if (!a) {
      if (this.#scratchArrays.size > 16) this.#scratchArrays.clear();
      this.#scratchArrays.set(length, (a = [new Array<number>(length).fill(0), new Array<number>(length).fill(0)]));
    }
    return a;
  }
}

/** One plugin's raw scores into scores[i]; the failure, if any (not yet attributed to the plugin). */
function scoreEach(plugin: ScorePlugin, state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): Status | undefined {
  if (plugin.scoreAll) {
    let failed: Status | undefined;
    try {
      failed = plugin.scoreAll(state, pod, nodes, scores);
    } catch (e) {
      return Status.error(e);
    }
    return failed && !failed.isSuccess() ? failed : undefined;
  }
  for (let i = 0; i < nodes.length; i++) {
    let r: number | Status;
    try {
      r = plugin.score(state, pod, nodes[i]!);
    } catch (e) {
      return Status.error(e);
    }
    if (typeof r !== 'number') return r;
    scores[i] = r;
  }
  return undefined;
}
