// The scheduling queue (upstream's PriorityQueue): an active heap (QueueSort order) the scheduler
// pops from, a backoff heap for pods that failed recently (1 s doubling to 10 s per attempt), and
// the unschedulable pods waiting for a cluster event that may help them (a node added, a pod
// deleted…), flushed anyway after 5 minutes. Pods with scheduling gates wait aside until the gates
// are removed. It also remembers which pods preemption nominated to which node.
import type { KubeObject } from '../../api/types';
import type { Clock } from '../../client/clock';
import { sleep } from '../../client/clock';
import type { ClusterEvent, Nominator, QueuedPodInfo } from '../framework/interfaces';
import type { PodInfo } from '../framework/pod-info';
import { Heap } from './heap';

export interface SchedulingQueueConfig {
  readonly clock: Clock;
  /** QueueSort of the (first) profile. */
  readonly less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** How long a pod may sit unschedulable without any event before it is retried (default 5 min). */
  readonly maxInUnschedulableMs?: number;
  /** Whether `event` may help a pod that `plugins` rejected. */
  readonly eventMayHelp: (event: ClusterEvent, plugins: ReadonlySet<string>) => boolean;
}

const keyOf = (q: QueuedPodInfo) => q.podInfo.uid;

/** Whether an update of an unscheduled pod changed anything scheduling looks at (not just status). */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  if (a === b) return false;
  const sa = JSON.stringify([a.spec, a.metadata.labels ?? null, a.metadata.annotations ?? null]);
  const sb = JSON.stringify([b.spec, b.metadata.labels ?? null, b.metadata.annotations ?? null]);
  return sa !== sb;
}

export class SchedulingQueue implements Nominator {
  readonly #active: Heap<QueuedPodInfo>;
  readonly #backoff: Heap<QueuedPodInfo>;
  readonly #unschedulable = new Map<string, QueuedPodInfo>();
  readonly #gated = new Map<string, QueuedPodInfo>();
  /** Pods handed out by pop() and not yet done (their cycle or binding is under way). */
  readonly #inFlight = new Map<string, QueuedPodInfo>();
  readonly #nominated = new Map<string, Map<string, PodInfo>>();
  readonly #nominatedNodeOf = new Map<string, string>();
  #waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  #closed = false;
  #schedulingCycle = 0;
  #moveRequestCycle = -1;

  constructor(private readonly cfg: SchedulingQueueConfig) {
    this.#active = new Heap(keyOf, cfg.less);
    this.#backoff = new Heap(keyOf, (a, b) => this.#backoffExpiry(a) < this.#backoffExpiry(b));
  }

  get schedulingCycle(): number {
    return this.#schedulingCycle;
  }

  /** Pending pods: active, backoff, unschedulable, gated. */
  counts(): { active: number; backoff: number; unschedulable: number; gated: number } {
    return { active: this.#active.size, backoff: this.#backoff.size, unschedulable: this.#unschedulable.size, gated: this.#gated.size };
  }

  #newQueued(p: PodInfo): QueuedPodInfo {
    return { podInfo: p, timestamp: this.cfg.clock.now(), initialAttemptTimestamp: undefined, attempts: 0, unschedulablePlugins: new Set(), failedWithError: false };
  }

  #backoffDuration(q: QueuedPodInfo): number {
    let d = this.cfg.initialBackoffMs;
    for (let i = 1; i < q.attempts && d < this.cfg.maxBackoffMs; i++) d *= 2;
    return Math.min(d, this.cfg.maxBackoffMs);
  }

  #backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + (q.attempts === 0 ? 0 : this.#backoffDuration(q));
  }

  #isBackingOff(q: QueuedPodInfo): boolean {
    return q.attempts > 0 && this.#backoffExpiry(q) > this.cfg.clock.now();
  }

  #toActive(q: QueuedPodInfo): void {
    const w = this.#waiters.shift();
    if (w) {
      this.#handOut(q);
      w(q);
      return;
    }
    this.#active.push(q);
  }

  #handOut(q: QueuedPodInfo): void {
    this.#schedulingCycle++;
    q.attempts++;
    q.initialAttemptTimestamp ??= this.cfg.clock.now();
    this.#inFlight.set(q.podInfo.uid, q);
  }

  #contains(uid: string): boolean {
    return this.#active.has(uid) || this.#backoff.has(uid) || this.#unschedulable.has(uid) || this.#gated.has(uid) || this.#inFlight.has(uid);
  }

  /** A new unscheduled pod. */
  add(p: PodInfo): void {
    if (this.#closed || this.#contains(p.uid)) return;
    this.#refreshNomination(p);
    const q = this.#newQueued(p);
    if (p.gated) this.#gated.set(p.uid, q);
    else this.#toActive(q);
  }

  /** An unscheduled pod changed; it may be worth another try. */
  update(old: KubeObject, p: PodInfo): void {
    if (this.#closed) return;
    this.#refreshNomination(p);
    const uid = p.uid;
    const inFlight = this.#inFlight.get(uid);
    if (inFlight) {
      inFlight.podInfo = p;
      return;
    }
    for (const heap of [this.#active, this.#backoff]) {
      const q = heap.get(uid);
      if (q) {
        q.podInfo = p;
        heap.push(q);
        return;
      }
    }
    const gated = this.#gated.get(uid);
    if (gated) {
      gated.podInfo = p;
      if (!p.gated) {
        this.#gated.delete(uid);
        this.#toActive(gated);
      }
      return;
    }
    const u = this.#unschedulable.get(uid);
    if (u) {
      u.podInfo = p;
      if (specChanged(old, p.pod)) {
        this.#unschedulable.delete(uid);
        if (this.#isBackingOff(u)) this.#backoff.push(u);
        else this.#toActive(u);
      }
      return;
    }
    this.add(p);
  }

  /** The pod is gone or was bound by someone else. */
  delete(uid: string): void {
    this.#active.delete(uid);
    this.#backoff.delete(uid);
    this.#unschedulable.delete(uid);
    this.#gated.delete(uid);
    this.#nominate(undefined, '', uid);
  }

  /** Called when a popped pod's attempt is over (bound, requeued or dropped). */
  done(uid: string): void {
    this.#inFlight.delete(uid);
  }

  isInFlight(uid: string): boolean {
    return this.#inFlight.has(uid);
  }

  /**
   * A failed attempt goes back: to backoff when it failed with an error or when an event arrived
   * while it was being scheduled, else among the unschedulable pods.
   */
  requeue(q: QueuedPodInfo, podSchedulingCycle: number): void {
    this.#inFlight.delete(q.podInfo.uid);
    if (this.#closed || this.#contains(q.podInfo.uid)) return;
    q.timestamp = this.cfg.clock.now();
    if (q.failedWithError || q.unschedulablePlugins.size === 0 || this.#moveRequestCycle >= podSchedulingCycle) this.#backoff.push(q);
    else this.#unschedulable.set(q.podInfo.uid, q);
  }

  /** Something changed in the cluster: retry the unschedulable pods it may help. */
  onEvent(event: ClusterEvent): void {
    this.#moveRequestCycle = this.#schedulingCycle;
    if (this.#unschedulable.size === 0) return;
    for (const [uid, q] of this.#unschedulable) {
      if (!this.cfg.eventMayHelp(event, q.unschedulablePlugins)) continue;
      this.#unschedulable.delete(uid);
      if (this.#isBackingOff(q)) this.#backoff.push(q);
      else this.#toActive(q);
    }
  }

  /** The next pod to schedule; undefined once closed. */
  pop(signal?: AbortSignal): Promise<QueuedPodInfo | undefined> {
    const q = this.#active.pop();
    if (q) {
      this.#handOut(q);
      return Promise.resolve(q);
    }
    if (this.#closed || signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = (v: QueuedPodInfo | undefined) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Moves pods whose backoff ended to active, and long-unschedulable pods on. */
  flush(): void {
    const now = this.cfg.clock.now();
    for (;;) {
      const top = this.#backoff.peek();
      if (!top || this.#backoffExpiry(top) > now) break;
      this.#backoff.pop();
      this.#toActive(top);
    }
    const limit = this.cfg.maxInUnschedulableMs ?? 5 * 60_000;
    for (const [uid, q] of this.#unschedulable) {
      if (now - q.timestamp < limit) continue;
      this.#unschedulable.delete(uid);
      if (this.#isBackingOff(q)) this.#backoff.push(q);
      else this.#toActive(q);
    }
  }

  /** Flushes every second until `signal` aborts, then closes the queue. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.cfg.clock, 1000, signal);
      if (!signal.aborted) this.flush();
    }
    this.close();
  }

  close(): void {
    this.#closed = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(undefined);
  }

  // Nominator: pods preemption nominated to nodes (status.nominatedNodeName, or set by this scheduler).

  /** Records (or with '' clears) the pod's nominated node. */
  nominate(p: PodInfo, nodeName: string): void {
    this.#nominate(p, nodeName);
  }

  #nominate(p: PodInfo | undefined, nodeName: string, uidIfGone?: string): void {
    const uid = p?.uid ?? uidIfGone!;
    const prev = this.#nominatedNodeOf.get(uid);
    if (prev !== undefined && prev !== nodeName) {
      const m = this.#nominated.get(prev);
      m?.delete(uid);
      if (m && m.size === 0) this.#nominated.delete(prev);
      this.#nominatedNodeOf.delete(uid);
    }
    if (!p || nodeName === '') return;
    let m = this.#nominated.get(nodeName);
    if (!m) this.#nominated.set(nodeName, (m = new Map()));
    m.set(uid, p);
    this.#nominatedNodeOf.set(uid, nodeName);
  }

  /** A newer copy of the pod: a nomination in its status wins; one only this scheduler knows is kept. */
  #refreshNomination(p: PodInfo): void {
    const node = p.nominatedNodeName || this.#nominatedNodeOf.get(p.uid);
    if (node) this.#nominate(p, node);
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    const m = this.#nominated.get(nodeName);
    return m ? [...m.values()] : [];
  }

  /** Whether any pod is nominated anywhere (a fast path for the filter loop). */
  hasNominatedPods(): boolean {
    return this.#nominated.size > 0;
  }
}
