// The scheduler's view of nodes and the pods counted on them (upstream's cache): bound pods from
// the informer, plus "assumed" pods — placed by this scheduler, binding under way — so the next
// cycles count them before the API confirms. The informer's copy replaces an assumed pod when it
// arrives; a failed binding forgets it. The scheduling cycle is synchronous, so the cache is the
// cycle's snapshot as is.
import type { KubeObject } from '../../api/types';
import { SchedulerError } from '../errors';
import type { Snapshot } from '../framework/interfaces';
import { NodeInfo } from '../framework/node-info';
import { PodInfo } from '../framework/pod-info';

interface PodState {
  pod: PodInfo;
  assumed: boolean;
  bindingFinished: boolean;
}

/** A copy of `p` placed on `nodeName` (what the cache counts while binding). */
export function assumedOn(p: PodInfo, nodeName: string): PodInfo {
  const copy = Object.create(PodInfo.prototype) as PodInfo;
  Object.assign(copy, p, { nodeName });
  return copy;
}

export class SchedulerCache implements Snapshot {
  /** Includes placeholder entries (no Node object) for pods bound to nodes not seen yet. */
  readonly #nodes = new Map<string, NodeInfo>();
  #list: NodeInfo[] | undefined;
  readonly #pods = new Map<string, PodState>();
  readonly #images = new Map<string, number>();
  #withAffinity = 0;
  #withRequiredAnti = 0;
  #hardTainted = 0;
  #softTainted = 0;
  #unschedulable = 0;

  // Snapshot

  nodes(): readonly NodeInfo[] {
    this.#list ??= [...this.#nodes.values()].filter((n) => n.node !== undefined);
    return this.#list;
  }

  get(name: string): NodeInfo | undefined {
    const n = this.#nodes.get(name);
    return n?.node ? n : undefined;
  }

  imageNodeCount(image: string): number {
    return this.#images.get(image) ?? 0;
  }

  podsWithRequiredAntiAffinity(): number {
    return this.#withRequiredAnti;
  }

  podsWithAffinity(): number {
    return this.#withAffinity;
  }

  nodesWithHardTaints(): number {
    return this.#hardTainted;
  }

  nodesWithSoftTaints(): number {
    return this.#softTainted;
  }

  unschedulableNodes(): number {
    return this.#unschedulable;
  }

  /** Keeps the per-node counters (images, taints, cordons) as a node comes (1) or goes (-1). */
  #countNode(n: NodeInfo, delta: 1 | -1): void {
    for (const image of n.images.keys()) {
      const c = (this.#images.get(image) ?? 0) + delta;
      if (c <= 0) this.#images.delete(image);
      else this.#images.set(image, c);
    }
    if (n.taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) this.#hardTainted += delta;
    if (n.taints.some((t) => t.effect === 'PreferNoSchedule')) this.#softTainted += delta;
    if (n.unschedulable) this.#unschedulable += delta;
  }

  // Nodes

  addNode(node: KubeObject): NodeInfo {
    const name = String(node.metadata.name ?? '');
    let n = this.#nodes.get(name);
    if (n?.node) this.#countNode(n, -1);
    if (!n) this.#nodes.set(name, (n = new NodeInfo(name)));
    const wasListed = n.node !== undefined;
    n.setNode(node);
    this.#countNode(n, 1);
    if (!wasListed) this.#list = undefined;
    return n;
  }

  updateNode(node: KubeObject): NodeInfo {
    return this.addNode(node);
  }

  removeNode(name: string): void {
    const n = this.#nodes.get(name);
    if (!n?.node) return;
    this.#countNode(n, -1);
    this.#list = undefined;
    // Pods still bound there keep a placeholder until they are deleted too.
    if (n.pods.size > 0) n.node = undefined;
    else this.#nodes.delete(name);
  }

  nodeCount(): number {
    return this.nodes().length;
  }

  // Pods

  #place(p: PodInfo): void {
    let n = this.#nodes.get(p.nodeName);
    if (!n) this.#nodes.set(p.nodeName, (n = new NodeInfo(p.nodeName)));
    n.addPod(p);
    if (p.hasAffinity) this.#withAffinity++;
    if (p.requiredAntiAffinity.length > 0) this.#withRequiredAnti++;
  }

  #unplace(p: PodInfo): void {
    const n = this.#nodes.get(p.nodeName);
    if (!n || !n.removePod(p.uid)) return;
    if (p.hasAffinity) this.#withAffinity--;
    if (p.requiredAntiAffinity.length > 0) this.#withRequiredAnti--;
    if (!n.node && n.pods.size === 0) this.#nodes.delete(p.nodeName);
  }

  /** Counts `p` (with nodeName set) on its node before the API confirms the binding. */
  assume(p: PodInfo): void {
    if (this.#pods.has(p.uid)) throw new SchedulerError('cache-invariant', `pod ${p.key} (${p.uid}) is already in the scheduler cache; it cannot be assumed`);
    this.#place(p);
    this.#pods.set(p.uid, { pod: p, assumed: true, bindingFinished: false });
  }

  finishBinding(uid: string): void {
    const s = this.#pods.get(uid);
    if (s?.assumed) s.bindingFinished = true;
  }

  /** Drops an assumed pod (its binding failed). */
  forget(uid: string): void {
    const s = this.#pods.get(uid);
    if (!s) return;
    if (!s.assumed) throw new SchedulerError('cache-invariant', `pod ${s.pod.key} is bound, not assumed; only assumed pods can be forgotten`);
    this.#unplace(s.pod);
    this.#pods.delete(uid);
  }

  isAssumed(uid: string): boolean {
    return this.#pods.get(uid)?.assumed === true;
  }

  /** An assigned pod from the informer (confirms an assumed one). */
  addPod(p: PodInfo): void {
    const s = this.#pods.get(p.uid);
    if (s) this.#unplace(s.pod);
    this.#place(p);
    this.#pods.set(p.uid, { pod: p, assumed: false, bindingFinished: true });
  }

  updatePod(p: PodInfo): void {
    this.addPod(p);
  }

  removePod(uid: string): void {
    const s = this.#pods.get(uid);
    if (!s) return;
    this.#unplace(s.pod);
    this.#pods.delete(uid);
  }

  podCount(): number {
    return this.#pods.size;
  }

  podInfo(uid: string): PodInfo | undefined {
    return this.#pods.get(uid)?.pod;
  }
}
