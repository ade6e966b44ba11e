// NodeResourcesBalancedAllocation: ranks nodes by how evenly the pod would leave their resources
// used — score = (1 − standard deviation of the requested/allocatable fractions) × 100, over cpu
// and memory by default (NodeResourcesBalancedAllocationArgs.resources). Unlike the Fit scoring it
// counts the requests as written (no non-zero defaults), and it skips pods that request none of the
// resources, so best-effort pods are not all drawn to one node (both as upstream).
import { SchedulerError } from '../../errors';
import { stateKey, type CycleState } from '../../framework/cycle-state';
import { MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { CPU, EPHEMERAL_STORAGE, MEMORY } from '../../framework/resources';
import { Status } from '../../framework/status';
import { DEFAULT_RESOURCES, type ResourceSpec } from './fit-args';

export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

const PRE_SCORE_KEY = stateKey<readonly number[]>('PreScore/NodeResourcesBalancedAllocation');

export interface BalancedAllocationArgs {
  readonly resources: readonly ResourceSpec[];
}

function bad(field: string, msg: string): SchedulerError {
  return new SchedulerError('invalid-config', `NodeResourcesBalancedAllocationArgs ${field}: ${msg}`);
}

/** pluginConfig args: `resources` (names; weights default to 1 and do not change the score). */
export function balancedAllocationArgs(raw: unknown): BalancedAllocationArgs {
  const a = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  if (a.resources === undefined || a.resources === null) return { resources: DEFAULT_RESOURCES };
  if (!Array.isArray(a.resources) || a.resources.length === 0) throw bad('resources', 'expected a non-empty list of {name, weight}');
  const seen = new Set<string>();
  const resources = a.resources.map((r: unknown, i) => {
    const o = r !== null && typeof r === 'object' ? (r as Record<string, unknown>) : {};
    if (typeof o.name !== 'string' || o.name === '') throw bad(`resources[${i}].name`, 'required');
    if (seen.has(o.name)) throw bad(`resources[${i}].name`, `${JSON.stringify(o.name)} is listed twice`);
    seen.add(o.name);
    const weight = o.weight ?? 1;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > 100) throw bad(`resources[${i}].weight`, `${JSON.stringify(weight)} must be an integer in the range [1, 100]`);
    return { name: o.name, weight };
  });
  return { resources };
}

/** (1 − std of min(requested/allocatable, 1) over the resources the node has) × 100, truncated. */
export function balancedScore(requested: readonly number[], allocatable: readonly number[]): number {
  return balancedScoreInto(requested, allocatable, requested.length, new Array<number>(requested.length));
}

/** balancedScore over the first `n` entries, with `fractions` as scratch space (no allocation). */
function balancedScoreInto(requested: readonly number[], allocatable: readonly number[], n: number, fractions: number[]): number {
  let count = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(requested[i]! / allocatable[i]!, 1);
    fractions[count++] = f;
    total += f;
  }
  let std = 0;
  if (count === 2) {
    std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  } else if (count > 2) {
    const mean = total / count;
    let sum = 0;
    for (let i = 0; i < count; i++) sum += (fractions[i]! - mean) * (fractions[i]! - mean);
    std = Math.sqrt(sum / count);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_BALANCED_ALLOCATION;
  readonly args: BalancedAllocationArgs;
  readonly #names: readonly string[];
  /** Scratch arrays for score() (called for every feasible node of every pod: no allocation). */
  readonly #requested: number[];
  readonly #allocatable: number[];
  readonly #fractions: number[];

  constructor(rawArgs: unknown) {
    this.args = balancedAllocationArgs(rawArgs);
    this.#names = this.args.resources.map((r) => r.name);
    this.#requested = new Array<number>(this.#names.length).fill(0);
    this.#allocatable = new Array<number>(this.#names.length).fill(0);
    this.#fractions = new Array<number>(this.#names.length).fill(0);
  }

  #podRequests(pod: PodInfo): number[] {
    return this.#names.map((n) => (n === CPU ? pod.requests.milliCPU : n === MEMORY ? pod.requests.memory : n === EPHEMERAL_STORAGE ? pod.requests.ephemeralStorage : pod.requests.get(n)));
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    const requests = this.#podRequests(pod);
    if (requests.every((r) => r === 0)) return Status.SKIP;
    state.write(PRE_SCORE_KEY, requests);
    return Status.SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return this.#score(state.read(PRE_SCORE_KEY) ?? this.#podRequests(pod), node);
  }

  scoreAll(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): undefined {
    const podRequests = state.read(PRE_SCORE_KEY) ?? this.#podRequests(pod);
    for (let i = 0; i < nodes.length; i++) scores[i] = this.#score(podRequests, nodes[i]!);
    return undefined;
  }

  #score(podRequests: readonly number[], node: NodeInfo): number {
    const names = this.#names;
    const requested = this.#requested;
    const allocatable = this.#allocatable;
    for (let i = 0; i < names.length; i++) {
      const n = names[i]!;
      const req = podRequests[i]!;
      let a: number;
      let used: number;
      if (n === CPU) {
        a = node.allocatable.milliCPU;
        used = node.requested.milliCPU;
      } else if (n === MEMORY) {
        a = node.allocatable.memory;
        used = node.requested.memory;
      } else if (n === EPHEMERAL_STORAGE) {
        a = node.allocatable.ephemeralStorage;
        used = node.requested.ephemeralStorage;
      } else if (req === 0) {
        // Scalar resources the pod does not request do not count.
        a = 0;
        used = 0;
      } else {
        a = node.allocatable.get(n);
        used = node.requested.get(n);
      }
      allocatable[i] = a;
      requested[i] = used + req;
    }
    return balancedScoreInto(requested, allocatable, names.length, this.#fractions);
  }
}
