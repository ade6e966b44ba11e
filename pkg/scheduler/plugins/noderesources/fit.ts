// NodeResourcesFit: the pod's requests (pods count, cpu, memory, ephemeral storage, extended
// resources) must fit the node's allocatable minus what its pods already request (Filter), and the
// nodes that fit are ranked by the configured scoring strategy (Score).
import { stateKey, type CycleState } from '../../framework/cycle-state';
import type { ClusterEvent, EnqueueExtensions, FilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { CPU, EPHEMERAL_STORAGE, MEMORY } from '../../framework/resources';
import { Code, Status } from '../../framework/status';
import { fitArgs, type FitArgs } from './fit-args';
import { resourceScorer, type ResourceScorer } from './resource-scorers';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';

export interface InsufficientResource {
  readonly resourceName: string;
  readonly reason: string;
  readonly requested: number;
  readonly used: number;
  readonly capacity: number;
  /** Even an empty node could not hold the pod: preemption cannot help. */
  readonly unresolvable: boolean;
}

const SCORE_KEY = stateKey<readonly number[]>('PreScore/NodeResourcesFit');
const KIND_CPU = 0;
const KIND_MEMORY = 1;
const KIND_EPHEMERAL = 2;
const KIND_SCALAR = 3;
/** Module-local so the hot paths read no imported binding. */
const OK = Status.SUCCESS;

function isExtended(name: string): boolean {
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.includes('.kubernetes.io/');
}

/** What does not fit, in upstream's order (pods, cpu, memory, ephemeral-storage, extended). */
export function fitsRequest(pod: PodInfo, node: NodeInfo, args: Pick<FitArgs, 'ignoredResources' | 'ignoredResourceGroups'>): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = node.allocatable;
  const used = node.requested;
  const allowed = alloc.allowedPodNumber;
  if (node.pods.size + 1 > allowed) out.push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: node.pods.size, capacity: allowed, unresolvable: false });
  const r = pod.requests;
  if (r.milliCPU === 0 && r.memory === 0 && r.ephemeralStorage === 0 && (!r.scalars || r.scalars.size === 0)) return out;
  if (r.milliCPU > 0 && r.milliCPU > alloc.milliCPU - used.milliCPU) {
    out.push({ resourceName: CPU, reason: 'Insufficient cpu', requested: r.milliCPU, used: used.milliCPU, capacity: alloc.milliCPU, unresolvable: r.milliCPU > alloc.milliCPU });
  }
  if (r.memory > 0 && r.memory > alloc.memory - used.memory) {
    out.push({ resourceName: MEMORY, reason: 'Insufficient memory', requested: r.memory, used: used.memory, capacity: alloc.memory, unresolvable: r.memory > alloc.memory });
  }
  if (r.ephemeralStorage > 0 && r.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({ resourceName: EPHEMERAL_STORAGE, reason: 'Insufficient ephemeral-storage', requested: r.ephemeralStorage, used: used.ephemeralStorage, capacity: alloc.ephemeralStorage, unresolvable: r.ephemeralStorage > alloc.ephemeralStorage });
  }
  if (r.scalars) {
    for (const [name, q] of r.scalars) {
      if (q === 0) continue;
      if (isExtended(name) && (args.ignoredResources.has(name) || args.ignoredResourceGroups.has(name.split('/')[0]!))) continue;
      const a = alloc.get(name);
      const u = used.get(name);
      if (q > a - u) out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: q, used: u, capacity: a, unresolvable: q > a });
    }
  }
  return out;
}

export class NodeResourcesFit implements FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NODE_RESOURCES_FIT;
  readonly args: FitArgs;
  readonly #scorer: ResourceScorer;
  readonly #requested: number[];
  readonly #allocatable: number[];
  /** Scoring resources as small integers, so the per-node loop compares no strings. */
  readonly #kinds: number[];
  readonly #names: string[];

  constructor(rawArgs: unknown) {
    this.args = fitArgs(rawArgs);
    const s = this.args.scoringStrategy;
    this.#scorer = resourceScorer(s.type, s.resources, s.shape);
    this.#requested = new Array<number>(s.resources.length).fill(0);
    this.#allocatable = new Array<number>(s.resources.length).fill(0);
    this.#names = s.resources.map((r) => r.name);
    this.#kinds = this.#names.map((n) => (n === CPU ? KIND_CPU : n === MEMORY ? KIND_MEMORY : n === EPHEMERAL_STORAGE ? KIND_EPHEMERAL : KIND_SCALAR));
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const r = pod.requests;
    // Fast path for the common pod (cpu/memory only) on a node with room.
    if (node.roomPods > 0 && !r.scalars && r.milliCPU <= node.roomMilliCPU && r.memory <= node.roomMemory && (r.ephemeralStorage === 0 || r.ephemeralStorage <= node.roomEphemeral)) {
      return OK;
    }
    const missing = fitsRequest(pod, node, this.args);
    if (missing.length === 0) return OK;
    const code = missing.some((m) => m.unresolvable) ? Code.UnschedulableAndUnresolvable : Code.Unschedulable;
    return new Status(
      code,
      missing.map((m) => m.reason),
    );
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    state.write(
      SCORE_KEY,
      this.args.scoringStrategy.resources.map((res) => (res.name === CPU ? pod.nonZeroMilliCPU : res.name === MEMORY ? pod.nonZeroMemory : pod.requests.get(res.name))),
    );
    return Status.SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return this.#score(state.read(SCORE_KEY), pod, node);
  }

  scoreAll(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): undefined {
    const podRequests = state.read(SCORE_KEY);
    for (let i = 0; i < nodes.length; i++) scores[i] = this.#score(podRequests, pod, nodes[i]!);
    return undefined;
  }

  #score(podRequests: readonly number[] | undefined, pod: PodInfo, node: NodeInfo): number {
    const kinds = this.#kinds;
    const names = this.#names;
    const requested = this.#requested;
    const allocatable = this.#allocatable;
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[i]!;
      const req = podRequests ? podRequests[i]! : kind === KIND_CPU ? pod.nonZeroMilliCPU : kind === KIND_MEMORY ? pod.nonZeroMemory : pod.requests.get(names[i]!);
      let a: number;
      let used: number;
      if (kind === KIND_CPU) {
        a = node.allocatable.milliCPU;
        used = node.nonZeroMilliCPU;
      } else if (kind === KIND_MEMORY) {
        a = node.allocatable.memory;
        used = node.nonZeroMemory;
      } else if (kind === KIND_EPHEMERAL) {
        a = node.allocatable.ephemeralStorage;
        used = node.requested.ephemeralStorage;
      } else if (req === 0) {
        // Extended resources the pod does not request do not count.
        a = 0;
        used = 0;
      } else {
        a = node.allocatable.get(names[i]!);
        used = node.requested.get(names[i]!);
      }
      allocatable[i] = a;
      requested[i] = a === 0 ? 0 : used + req;
    }
    return this.#scorer(requested, allocatable);
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'AssignedPod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeAllocatable' },
      { resource: 'UnscheduledPod', action: 'UpdatePodRequest' },
    ];
  }
}
