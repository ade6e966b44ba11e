// One profile's plugins, instantiated from the registry and run per extension point (upstream's
// frameworkImpl). Filter stops at the first plugin that rejects a node; Score sums each plugin's
// normalized score times its weight.
import { SchedulerError } from '../errors';
import type { ProfileConfig } from '../config/scheduler-config';
import type { CycleState } from './cycle-state';
import {
  PreFilterResult,
  type BindPlugin,
  type ClusterEvent,
  type EnqueueExtensions,
  type FilterPlugin,
  type FrameworkRunner,
  type Handle,
  type NodeToStatus,
  type NormalizeScorePlugin,
  type PermitPlugin,
  type Plugin,
  type PluginFactory,
  type PostFilterPlugin,
  type PostFilterResult,
  type PreBindPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type QueueSortPlugin,
  type ReservePlugin,
  type ScorePlugin,
} from './interfaces';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import { Code, Status } from './status';
import { WaitingPod } from './waiting-pod';
import { composeFilters, type NodeFilter } from './compose-filters';
import { ScoreRunner, type WeightedScore } from './score-runner';

export type { NodeFilter } from './compose-filters';

/** Extension point → the method a plugin must have to be enabled there. */
const METHOD: Readonly<Record<string, string>> = {
  queueSort: 'less',
  preFilter: 'preFilter',
  filter: 'filter',
  postFilter: 'postFilter',
  preScore: 'preScore',
  score: 'score',
  reserve: 'reserve',
  permit: 'permit',
  preBind: 'preBind',
  bind: 'bind',
};

/** Default Permit wait when a plugin names none (upstream's maxTimeout is 15 min). */
const MAX_PERMIT_TIMEOUT_MS = 15 * 60_000;

export interface PreFilterOutcome {
  readonly status: Status;
  /** Only these nodes can fit (undefined: all). */
  readonly nodeNames?: ReadonlySet<string>;
  /** The plugins that narrowed the nodes. */
  readonly nodeNamePlugins?: readonly string[];
}

export class Framework implements FrameworkRunner {
  readonly schedulerName: string;
  readonly percentageOfNodesToScore: number | undefined;
  readonly queueSort: QueueSortPlugin;
  readonly preFilter: readonly PreFilterPlugin[];
  readonly filter: readonly FilterPlugin[];
  readonly postFilter: readonly PostFilterPlugin[];
  readonly preScore: readonly PreScorePlugin[];
  readonly score: readonly WeightedScore[];
  readonly reserve: readonly ReservePlugin[];
  readonly permit: readonly PermitPlugin[];
  readonly preBind: readonly PreBindPlugin[];
  readonly bind: readonly BindPlugin[];
  /** Plugin name → cluster events that may make pods it rejected schedulable. */
  readonly events: ReadonlyMap<string, readonly ClusterEvent[]>;
  readonly #waiting = new Map<string, WaitingPod>();
  readonly #composed = new Map<string, NodeFilter>();
  readonly #scores: ScoreRunner;
  readonly #handle: Handle;

  constructor(profile: ProfileConfig, registry: ReadonlyMap<string, PluginFactory>, handle: Omit<Handle, 'framework'>) {
    this.schedulerName = profile.schedulerName;
    this.percentageOfNodesToScore = profile.percentageOfNodesToScore;
    this.#handle = { ...handle, framework: this };
    const instances = new Map<string, Plugin>();
    const instance = (name: string): Plugin => {
      let p = instances.get(name);
      if (p) return p;
      const factory = registry.get(name);
      if (!factory) throw new SchedulerError('unknown-plugin', `plugin ${JSON.stringify(name)} of profile ${profile.schedulerName} is not registered; known: ${[...registry.keys()].join(', ')}`);
      p = factory(profile.pluginConfig.get(name), this.#handle);
      instances.set(name, p);
      return p;
    };
    const at = <T extends Plugin>(point: keyof typeof profile.plugins): T[] =>
      profile.plugins[point].map(({ name }) => {
        const p = instance(name);
        if (typeof (p as unknown as Record<string, unknown>)[METHOD[point]!] !== 'function') {
          throw new SchedulerError('plugin-extension-point', `plugin ${name} does not implement the ${point} extension point (profile ${profile.schedulerName})`);
        }
        return p as T;
      });
    const sorts = at<QueueSortPlugin>('queueSort');
    if (sorts.length !== 1) throw new SchedulerError('invalid-config', `profile ${profile.schedulerName} needs exactly one queueSort plugin; got ${sorts.length}`);
    this.queueSort = sorts[0]!;
    this.preFilter = at('preFilter');
    this.filter = at('filter');
    this.postFilter = at('postFilter');
    this.preScore = at('preScore');
    const scorePlugins = at<ScorePlugin>('score');
    this.score = profile.plugins.score.map(({ weight }, i) => {
      const plugin = scorePlugins[i]!;
      const normalize = typeof (plugin as Partial<NormalizeScorePlugin>).normalizeScore === 'function' ? (plugin as unknown as NormalizeScorePlugin) : undefined;
      return { plugin, weight: weight ?? 1, ...(normalize ? { normalize } : {}) };
    });
    this.#scores = new ScoreRunner(this.score);
    this.reserve = at('reserve');
    this.permit = at('permit');
    this.preBind = at('preBind');
    this.bind = at('bind');
    if (this.bind.length === 0) throw new SchedulerError('invalid-config', `profile ${profile.schedulerName} has no bind plugin`);
    const events = new Map<string, readonly ClusterEvent[]>();
    for (const [name, p] of instances) {
      const ext = p as Partial<EnqueueExtensions>;
      if (typeof ext.eventsToRegister === 'function') events.set(name, ext.eventsToRegister());
    }
    this.events = events;
  }

  get handle(): Handle {
    return this.#handle;
  }

  /** Runs every PreFilter; a rejection is attributed to its plugin; node sets are intersected. */
  runPreFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PreFilterOutcome {
    let names: Set<string> | undefined;
    const narrowedBy: string[] = [];
    for (const p of this.preFilter) {
      let r: Status | PreFilterResult;
      try {
        r = p.preFilter(state, pod, nodes);
      } catch (e) {
        return { status: Status.error(e).withPlugin(p.name) };
      }
      const status = r instanceof PreFilterResult ? r.status : r;
      if (status.isSkip()) {
        state.skipFilter.add(p.name);
        continue;
      }
      if (!status.isSuccess()) return { status: status.withPlugin(p.name) };
      if (r instanceof PreFilterResult) {
        narrowedBy.push(p.name);
        if (!names) names = new Set(r.nodeNames);
        else for (const n of names) if (!r.nodeNames.has(n)) names.delete(n);
      }
    }
    return names ? { status: Status.SUCCESS, nodeNames: names, nodeNamePlugins: narrowedBy } : { status: Status.SUCCESS };
  }

  /** The Filter plugins that run this cycle (those whose PreFilter did not skip). */
  activeFilters(state: CycleState): FilterPlugin[] {
    return state.skipFilter.size === 0 ? (this.filter as FilterPlugin[]) : this.filter.filter((p) => !state.skipFilter.has(p.name));
  }

  /** The filter function for this cycle's active plugins (built once per plugin set). */
  filterFor(state: CycleState): NodeFilter {
    const active = this.activeFilters(state);
    let key = '';
    for (const p of active) key += `${p.name},`;
    let f = this.#composed.get(key);
    if (!f) this.#composed.set(key, (f = composeFilters(active)));
    return f;
  }

  /** Filters one node; the first rejection (attributed to its plugin) wins. */
  runFilter(state: CycleState, pod: PodInfo, node: NodeInfo, filters: readonly FilterPlugin[] = this.activeFilters(state)): Status {
    for (let i = 0; i < filters.length; i++) {
      const p = filters[i]!;
      let s: Status;
      try {
        s = p.filter(state, pod, node);
      } catch (e) {
        return Status.error(e).withPlugin(p.name);
      }
      if (s.code !== 'Success') return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  /**
   * Filters with the node's nominated pods of equal or higher priority counted as if placed (so
   * preemption's room is not taken), and again without them when they were added.
   */
  runFilterWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo, filters?: readonly FilterPlugin[]): Status {
    const nominated = this.#handle.nominator.nominatedPodsForNode(node.name);
    if (nominated.length === 0) return this.runFilter(state, pod, node, filters);
    let added = false;
    let withNominated = node;
    let stateWith = state;
    for (const n of nominated) {
      if (n.uid === pod.uid || n.priority < pod.priority) continue;
      if (!added) {
        withNominated = node.clone();
        stateWith = state.clone();
        added = true;
      }
      withNominated.addPod(n);
      const s = this.runPreFilterExtensionAddPod(stateWith, pod, n, withNominated);
      if (!s.isSuccess()) return s;
    }
    const first = this.runFilter(stateWith, pod, withNominated, filters);
    if (!added || !first.isSuccess()) return first;
    return this.runFilter(state, pod, node, filters);
  }

  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): Status {
    for (const p of this.preFilter) {
      if (!p.preFilterExtensions || state.skipFilter.has(p.name)) continue;
      const s = p.preFilterExtensions.addPod(state, pod, toAdd, node);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): Status {
    for (const p of this.preFilter) {
      if (!p.preFilterExtensions || state.skipFilter.has(p.name)) continue;
      const s = p.preFilterExtensions.removePod(state, pod, toRemove, node);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  /** PostFilter plugins until one succeeds or gives an unresolvable answer; reasons of the others are joined. */
  runPostFilter(state: CycleState, pod: PodInfo, filtered: NodeToStatus): PostFilterResult {
    const reasons: string[] = [];
    let rejector = '';
    let nominated: string | undefined;
    for (const p of this.postFilter) {
      let r: PostFilterResult;
      try {
        r = p.postFilter(state, pod, filtered);
      } catch (e) {
        return { status: Status.error(e).withPlugin(p.name) };
      }
      if (r.status.isSuccess() || r.status.code === Code.UnschedulableAndUnresolvable) return { ...r, status: r.status.withPlugin(p.name) };
      if (!r.status.isRejected()) return { status: r.status.withPlugin(p.name) };
      if (r.nominatedNodeName !== undefined) nominated = r.nominatedNodeName;
      reasons.push(...r.status.reasons);
      rejector ||= p.name;
    }
    return { status: new Status(Code.Unschedulable, reasons, rejector), ...(nominated !== undefined ? { nominatedNodeName: nominated } : {}) };
  }

  hasScorePlugins(): boolean {
    return this.score.length > 0;
  }

  runPreScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status {
    for (const p of this.preScore) {
      let s: Status;
      try {
        s = p.preScore(state, pod, nodes);
      } catch (e) {
        return Status.error(e).withPlugin(p.name);
      }
      if (s.isSkip()) state.skipScore.add(p.name);
      else if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  /** Weighted sum of every Score plugin's normalized scores, per node (totals[i] for nodes[i]). */
  runScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { status: Status; totals: number[] } {
    return this.#scores.run(state, pod, nodes);
  }

  runReserve(state: CycleState, pod: PodInfo, nodeName: string): Status {
    for (const p of this.reserve) {
      let s: Status;
      try {
        s = p.reserve(state, pod, nodeName);
      } catch (e) {
        s = Status.error(e);
      }
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  /** Unreserve runs in reverse order and never fails. */
  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reserve.length - 1; i >= 0; i--) {
      const p = this.reserve[i]!;
      try {
        p.unreserve(state, pod, nodeName);
      } catch (e) {
        this.#handle.log.warn('unreserve failed', { plugin: p.name, pod: pod.key, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  /** Success, a rejection, or Wait (then the pod is parked in waitingPod() until allowed). */
  runPermit(state: CycleState, pod: PodInfo, nodeName: string): Status {
    const waits = new Map<string, number>();
    for (const p of this.permit) {
      let r;
      try {
        r = p.permit(state, pod, nodeName);
      } catch (e) {
        return Status.error(e).withPlugin(p.name);
      }
      if (r.status.isWait()) waits.set(p.name, Math.min(r.timeoutMs ?? MAX_PERMIT_TIMEOUT_MS, MAX_PERMIT_TIMEOUT_MS));
      else if (!r.status.isSuccess()) return r.status.withPlugin(p.name);
    }
    if (waits.size === 0) return Status.SUCCESS;
    this.#waiting.set(pod.uid, new WaitingPod(pod.uid, waits, this.#handle.clock));
    return new Status(Code.Wait, [], [...waits.keys()][0]!);
  }

  /** A pod held by Permit (for plugins that allow or reject it later). */
  waitingPod(uid: string): WaitingPod | undefined {
    return this.#waiting.get(uid);
  }

  /** Resolves once a waiting pod is allowed or rejected (Success at once when it is not waiting). */
  async waitOnPermit(pod: PodInfo): Promise<Status> {
    const w = this.#waiting.get(pod.uid);
    if (!w) return Status.SUCCESS;
    try {
      return await w.wait();
    } finally {
      this.#waiting.delete(pod.uid);
    }
  }

  /** PreBind plugins in order; the first failure ends the binding (Skip counts as success). */
  async runPreBind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status> {
    for (const p of this.preBind) {
      let s: Status;
      try {
        s = await p.preBind(state, pod, nodeName, signal);
      } catch (e) {
        s = Status.error(e);
      }
      if (!s.isSuccess() && !s.isSkip()) return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  /** The first bind plugin that does not Skip decides. */
  async runBind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status> {
    for (const p of this.bind) {
      let s: Status;
      try {
        s = await p.bind(state, pod, nodeName, signal);
      } catch (e) {
        s = Status.error(e);
      }
      if (s.isSkip()) continue;
      return s.withPlugin(p.name);
    }
    return new Status(Code.Skip, ['no bind plugin bound the pod']);
  }
}

