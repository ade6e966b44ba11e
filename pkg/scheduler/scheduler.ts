// The scheduler: informers on pods, nodes and namespaces feed the cache (bound and assumed pods)
// and the queue (pods of our profiles without a node); one loop pops a pod, runs the synchronous
// scheduling cycle (filter, score, reserve, permit, assume), and binds asynchronously so the next
// pod's cycle starts at once. Failures become FailedScheduling events and PodScheduled=False.
import type { Labels } from '../api/selectors';
import type { KubeObject } from '../api/types';
import type { Clock } from '../client/clock';
import { childSignal } from '../client/deadline';
import { isNotFound } from '../client/errors';
import { SharedInformerFactory } from '../client/informer-factory';
import { RESOURCES } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import type { SharedInformer } from '../client/shared-informer';
import type { Logger } from '../log/logger';
import { ApiActions } from './api-actions';
import { SchedulerCache, assumedOn } from './cache/scheduler-cache';
import type { SchedulerConfig } from './config/scheduler-config';
import { EventRecorder } from './event-recorder';
import { CycleState } from './framework/cycle-state';
import { Framework } from './framework/framework';
import type { ClusterEvent, ClusterEventAction, QueuedPodInfo } from './framework/interfaces';
import { PodInfo } from './framework/pod-info';
import { Code, type Status } from './framework/status';
import { builtinRegistry, pluginFactories, type Registry } from './plugins/registry';
import { SchedulingQueue } from './queue/scheduling-queue';
import { PodScheduler } from './schedule-pod';
import { VOLUME_RESOURCES } from './volume-resources';

export interface SchedulerOptions {
  readonly client: RestClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly config: SchedulerConfig;
  /** Events' reportingInstance (upstream: `<scheduler name>-<host name>`). */
  readonly instance: string;
  readonly registry?: Registry;
  readonly random?: () => number;
  /** Shared informers to use (default: a factory of its own on `client`). */
  readonly informers?: SharedInformerFactory;
}

export interface SchedulerStats {
  readonly scheduled: number;
  readonly failedAttempts: number;
  readonly bindErrors: number;
  readonly pending: ReturnType<SchedulingQueue['counts']>;
}

type Json = Record<string, unknown>;

const isTerminal = (pod: KubeObject) => {
  const phase = (pod.status as Json | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
};
const nodeNameOf = (pod: KubeObject) => String((pod.spec as Json | undefined)?.nodeName ?? '');

function changed(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) !== JSON.stringify(b ?? null);
}

/** Which node changes happened (each may help different plugins). */
function nodeUpdateActions(old: KubeObject, node: KubeObject): ClusterEventAction[] {
  const out: ClusterEventAction[] = [];
  const os = (old.status as Json | undefined) ?? {};
  const ns = (node.status as Json | undefined) ?? {};
  const ospec = (old.spec as Json | undefined) ?? {};
  const nspec = (node.spec as Json | undefined) ?? {};
  if (changed(os.allocatable, ns.allocatable)) out.push('UpdateNodeAllocatable');
  if (changed(old.metadata.labels, node.metadata.labels)) out.push('UpdateNodeLabel');
  if (changed(ospec.taints, nspec.taints) || ospec.unschedulable !== nspec.unschedulable) out.push('UpdateNodeTaint');
  if (changed(os.images, ns.images)) out.push('UpdateNodeImages');
  return out;
}

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly profiles: ReadonlyMap<string, Framework>;
  readonly events: EventRecorder;
  readonly #actions: ApiActions;
  readonly #algorithm: PodScheduler;
  readonly #namespaces = new Map<string, Labels>();
  #pods: SharedInformer | undefined;
  /** PersistentVolumeClaims, PersistentVolumes and StorageClasses, for VolumeBinding. */
  #claims: SharedInformer | undefined;
  #volumes: SharedInformer | undefined;
  #classes: SharedInformer | undefined;
  #scheduled = 0;
  #failedAttempts = 0;
  #bindErrors = 0;
  readonly #bindings = new Set<Promise<void>>();

  constructor(private readonly opts: SchedulerOptions) {
    const random = opts.random ?? Math.random;
    const first = opts.config.profiles[0]!;
    this.events = new EventRecorder({ client: opts.client, clock: opts.clock, log: opts.log.child('events'), component: first.schedulerName, instance: opts.instance });
    this.#actions = new ApiActions(opts.client, opts.clock, opts.log, this.events);
    const registry = opts.registry ?? builtinRegistry();
    const profiles = new Map<string, Framework>();
    // The queue needs the frameworks' events and the frameworks the queue (as nominator): tie the knot lazily.
    const eventPlugins = (event: ClusterEvent, plugins: ReadonlySet<string>) => {
      for (const fw of this.profiles.values()) {
        for (const p of plugins) {
          const evs = fw.events.get(p);
          if (evs?.some((e) => e.resource === event.resource && e.action === event.action)) return true;
        }
      }
      return false;
    };
    this.queue = new SchedulingQueue({
      clock: opts.clock,
      less: (a, b) => (this.profiles.get(a.podInfo.schedulerName) ?? this.profiles.values().next().value!).queueSort.less(a, b),
      initialBackoffMs: opts.config.podInitialBackoffMs,
      maxBackoffMs: opts.config.podMaxBackoffMs,
      eventMayHelp: eventPlugins,
    });
    const handle = {
      snapshot: this.cache,
      clock: opts.clock,
      log: opts.log,
      nominator: this.queue,
      actions: this.#actions,
      namespaceLabels: (ns: string) => this.#namespaces.get(ns),
      random,
      volumes: {
        claim: (ns: string, name: string) => this.#claims?.indexer.getByName(ns, name),
        volume: (name: string) => this.#volumes?.indexer.getByName(undefined, name),
        volumes: () => this.#volumes?.indexer.list() ?? [],
        storageClass: (name: string) => this.#classes?.indexer.getByName(undefined, name),
      },
      volumeWriter: this.#actions,
    };
    for (const p of opts.config.profiles) profiles.set(p.schedulerName, new Framework(p, pluginFactories(registry), { ...handle, log: opts.log.child(p.schedulerName) }));
    this.profiles = profiles;
    this.#algorithm = new PodScheduler(this.cache, this.queue, opts.config.percentageOfNodesToScore, random);
  }

  stats(): SchedulerStats {
    return { scheduled: this.#scheduled, failedAttempts: this.#failedAttempts, bindErrors: this.#bindErrors, pending: this.queue.counts() };
  }

  #responsible(pod: KubeObject): boolean {
    return this.profiles.has(String((pod.spec as Json | undefined)?.schedulerName ?? 'default-scheduler') || 'default-scheduler');
  }

  // Informer handlers: assigned pods → cache, unassigned pods of our profiles → queue.

  #onPodAdd(pod: KubeObject): void {
    if (isTerminal(pod)) return;
    if (nodeNameOf(pod)) {
      this.cache.addPod(new PodInfo(pod));
      this.queue.onEvent({ resource: 'AssignedPod', action: 'Add' });
    } else if (this.#responsible(pod)) {
      this.queue.add(new PodInfo(pod));
    }
  }

  #onPodUpdate(old: KubeObject, pod: KubeObject): void {
    if (old === pod) return;
    const uid = String(pod.metadata.uid ?? '');
    if (nodeNameOf(pod)) {
      if (isTerminal(pod)) {
        this.cache.removePod(uid);
        this.queue.onEvent({ resource: 'AssignedPod', action: 'Delete' });
        return;
      }
      this.cache.updatePod(new PodInfo(pod));
      if (!nodeNameOf(old)) {
        this.queue.delete(uid);
        this.queue.onEvent({ resource: 'AssignedPod', action: 'Add' });
      } else if (changed(old.metadata.labels, pod.metadata.labels)) {
        this.queue.onEvent({ resource: 'AssignedPod', action: 'UpdatePodLabel' });
      }
      return;
    }
    if (isTerminal(pod) || !this.#responsible(pod)) this.queue.delete(uid);
    else this.queue.update(old, new PodInfo(pod));
  }

  #onPodDelete(pod: KubeObject): void {
    const uid = String(pod.metadata.uid ?? '');
    if (nodeNameOf(pod) || !this.cache.isAssumed(uid)) this.cache.removePod(uid);
    this.queue.delete(uid);
    if (nodeNameOf(pod)) this.queue.onEvent({ resource: 'AssignedPod', action: 'Delete' });
    for (const fw of this.profiles.values()) fw.waitingPod(uid)?.reject('', 'pod deleted');
  }

  #onNode(old: KubeObject | undefined, node: KubeObject): void {
    this.cache.updateNode(node);
    if (!old) return this.queue.onEvent({ resource: 'Node', action: 'Add' });
    for (const action of nodeUpdateActions(old, node)) this.queue.onEvent({ resource: 'Node', action });
  }

  /** Runs until `signal` aborts: informers, queue flushing and the scheduling loop. */
  async run(parent: AbortSignal): Promise<void> {
    // Every binding request listens on this one signal: a child with no listener limit.
    const { controller, dispose } = childSignal(parent);
    try {
      await this.#run(controller.signal);
    } finally {
      dispose();
    }
  }

  async #run(signal: AbortSignal): Promise<void> {
    const log = this.opts.log;
    const informers = this.opts.informers ?? new SharedInformerFactory({ client: this.opts.client, clock: this.opts.clock, log: log.child('informers'), resyncPeriodMs: 0 });
    const pods = informers.informerFor(RESOURCES.pods);
    const nodes = informers.informerFor(RESOURCES.nodes);
    const namespaces = informers.informerFor(RESOURCES.namespaces);
    this.#pods = pods;
    this.#claims = informers.informerFor(VOLUME_RESOURCES.claims);
    this.#volumes = informers.informerFor(VOLUME_RESOURCES.volumes);
    this.#classes = informers.informerFor(VOLUME_RESOURCES.storageClasses);
    const volumeEvents = (resource: 'PersistentVolumeClaim' | 'PersistentVolume' | 'StorageClass') => ({
      add: () => this.queue.onEvent({ resource, action: 'Add' }),
      update: () => this.queue.onEvent({ resource, action: 'Update' }),
    });
    this.#claims.addEventHandler(volumeEvents('PersistentVolumeClaim'));
    this.#volumes.addEventHandler(volumeEvents('PersistentVolume'));
    this.#classes.addEventHandler(volumeEvents('StorageClass'));
    namespaces.addEventHandler({
      add: (ns) => this.#namespaces.set(String(ns.metadata.name), ns.metadata.labels ?? {}),
      update: (_o, ns) => this.#namespaces.set(String(ns.metadata.name), ns.metadata.labels ?? {}),
      delete: (ns) => this.#namespaces.delete(String(ns.metadata.name)),
    });
    nodes.addEventHandler({
      add: (n) => this.#onNode(undefined, n),
      update: (o, n) => this.#onNode(o, n),
      delete: (n) => this.cache.removeNode(String(n.metadata.name)),
    });
    pods.addEventHandler({ add: (p) => this.#onPodAdd(p), update: (o, p) => this.#onPodUpdate(o, p), delete: (p) => this.#onPodDelete(p) });
    informers.start(signal);
    const synced = await Promise.all([pods, nodes, namespaces, this.#claims, this.#volumes, this.#classes].map((i) => i.waitForSync(signal)));
    if (!synced.every(Boolean)) return;
    log.info('scheduler started', { profiles: [...this.profiles.keys()].join(','), nodes: this.cache.nodeCount(), pending: this.queue.counts().active });
    const flushing = this.queue.run(signal);
    try {
      await this.#loop(signal);
    } finally {
      this.queue.close();
      await flushing;
      await Promise.allSettled([...this.#bindings]);
      this.events.close();
      if (!this.opts.informers) await informers.stopped();
      log.info('scheduler stopped', { scheduled: this.#scheduled });
    }
  }

  async #loop(signal: AbortSignal): Promise<void> {
    let lastYield = performance.now();
    for (;;) {
      const q = await this.queue.pop(signal);
      if (!q) return;
      try {
        this.scheduleOne(q, signal);
      } catch (e) {
        log(this.opts.log, e, q);
        this.queue.done(q.podInfo.uid);
      }
      // Popping from a non-empty queue never leaves the microtask queue: let I/O (watch events,
      // binding responses) in regularly.
      if (performance.now() - lastYield > 4) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
  }

  /** The synchronous scheduling cycle of one popped pod; binding continues in the background. */
  scheduleOne(q: QueuedPodInfo, signal: AbortSignal): void {
    const pod = q.podInfo;
    const fw = this.profiles.get(pod.schedulerName);
    if (!fw || pod.terminating || this.cache.isAssumed(pod.uid) || !this.#stillPending(pod)) {
      this.queue.done(pod.uid);
      return;
    }
    const cycle = this.queue.schedulingCycle;
    const state = new CycleState();
    const result = this.#algorithm.schedule(fw, state, pod);
    if (!result.ok) {
      let nominated: string | undefined;
      let postFilterMsg = '';
      if (result.fitError && fw.postFilter.length > 0) {
        const post = fw.runPostFilter(state, pod, result.fitError.diagnosis.toNodeToStatus());
        nominated = post.nominatedNodeName;
        if (!post.status.isSuccess()) postFilterMsg = post.status.message();
        if (post.status.code === Code.Error) this.opts.log.warn('post filter failed', { pod: pod.key, error: post.status.message() });
      }
      if (result.fitError) result.fitError.diagnosis.postFilterMsg = postFilterMsg;
      const message = result.fitError ? result.fitError.message : result.status.message();
      q.unschedulablePlugins = new Set(result.fitError?.diagnosis.unschedulablePlugins ?? []);
      this.#fail(q, result.status, message, cycle, nominated);
      return;
    }
    const assumed = assumedOn(pod, result.node);
    this.cache.assume(assumed);
    const reserved = fw.runReserve(state, assumed, result.node);
    const permit = reserved.isSuccess() ? fw.runPermit(state, assumed, result.node) : reserved;
    if (!permit.isSuccess() && !permit.isWait()) {
      fw.runUnreserve(state, assumed, result.node);
      this.cache.forget(pod.uid);
      q.unschedulablePlugins = permit.isRejected() && permit.plugin ? new Set([permit.plugin]) : new Set();
      this.#fail(q, permit, permit.message(), cycle, undefined);
      return;
    }
    const binding = this.#bind(fw, state, q, assumed, result.node, cycle, signal);
    this.#bindings.add(binding);
    void binding.finally(() => this.#bindings.delete(binding));
  }

  /** The pod as the informer has it now: still there and still without a node? */
  #stillPending(pod: PodInfo): boolean {
    const current = this.#pods?.indexer.getByName(pod.namespace, pod.name);
    if (!this.#pods) return true;
    return current !== undefined && String(current.metadata.uid) === pod.uid && !nodeNameOf(current);
  }

  async #bind(fw: Framework, state: CycleState, q: QueuedPodInfo, assumed: PodInfo, node: string, cycle: number, signal: AbortSignal): Promise<void> {
    const permit = await fw.waitOnPermit(assumed);
    const preBound = permit.isSuccess() ? await fw.runPreBind(state, assumed, node, signal) : permit;
    const status = preBound.isSuccess() ? await fw.runBind(state, assumed, node, signal) : preBound;
    if (status.isSuccess()) {
      this.cache.finishBinding(assumed.uid);
      this.queue.done(assumed.uid);
      this.#scheduled++;
      this.events.record({ pod: assumed.pod, type: 'Normal', reason: 'Scheduled', action: 'Binding', message: `Successfully assigned ${assumed.key} to ${node}`, component: assumed.schedulerName });
      return;
    }
    fw.runUnreserve(state, assumed, node);
    if (this.cache.isAssumed(assumed.uid)) this.cache.forget(assumed.uid);
    if (signal.aborted) {
      this.queue.done(assumed.uid);
      return;
    }
    this.#bindErrors++;
    if (isNotFound(status.error)) {
      this.queue.done(assumed.uid);
      return;
    }
    q.unschedulablePlugins = status.isRejected() && status.plugin ? new Set([status.plugin]) : new Set();
    this.#fail(q, status, status.message(), cycle, undefined);
  }

  /** A failed attempt: back to the queue, a FailedScheduling event, and PodScheduled=False. */
  #fail(q: QueuedPodInfo, status: Status, message: string, cycle: number, nominated: string | undefined): void {
    this.#failedAttempts++;
    const pod = q.podInfo;
    const rejected = status.isRejected();
    q.failedWithError = !rejected;
    if (!rejected) this.opts.log.warn('error scheduling pod; retrying', { pod: pod.key, error: message });
    if (nominated !== undefined) this.queue.nominate(pod, nominated);
    if (!this.#stillPending(pod)) {
      this.queue.done(pod.uid);
      return;
    }
    this.queue.requeue(q, cycle);
    this.events.record({ pod: pod.pod, type: 'Warning', reason: 'FailedScheduling', action: 'Scheduling', message, component: pod.schedulerName });
    const current = this.#pods?.indexer.getByName(pod.namespace, pod.name) ?? pod.pod;
    void this.#actions.markUnschedulable(current, rejected ? 'Unschedulable' : 'SchedulerError', message, nominated).catch((e: unknown) => {
      if (!isNotFound(e)) this.opts.log.debug('could not update the PodScheduled condition', { pod: pod.key, error: e instanceof Error ? e.message : String(e) });
    });
  }
}

function log(logger: Logger, e: unknown, q: QueuedPodInfo): void {
  logger.error('scheduling cycle failed', { pod: q.podInfo.key, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
