// A node as the scheduler sees it: the Node object's allocatable, labels, taints and images, plus
// the pods counted on it (bound, and assumed ones whose binding is still under way) with their
// summed requests and host ports (upstream's NodeInfo).
import type { KubeObject } from '../../api/types';
import type { HostPort, PodInfo } from './pod-info';
import { normalizedImageName } from './pod-info';
import { Resource } from './resources';

type Json = Record<string, unknown>;

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: string;
}

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Host ports in use on a node: `protocol/port` → IPs (0.0.0.0 means every address). */
export class HostPortUsage {
  readonly #used = new Map<string, Map<string, number>>();

  add(p: HostPort): void {
    const k = `${p.protocol}/${p.port}`;
    let ips = this.#used.get(k);
    if (!ips) this.#used.set(k, (ips = new Map()));
    ips.set(p.ip, (ips.get(p.ip) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const k = `${p.protocol}/${p.port}`;
    const ips = this.#used.get(k);
    const n = ips?.get(p.ip);
    if (!ips || n === undefined) return;
    if (n <= 1) ips.delete(p.ip);
    else ips.set(p.ip, n - 1);
    if (ips.size === 0) this.#used.delete(k);
  }

  /** True when `p` clashes: same protocol and port, and either side binds 0.0.0.0 or both the same IP. */
  conflicts(p: HostPort): boolean {
    const ips = this.#used.get(`${p.protocol}/${p.port}`);
    if (!ips) return false;
    if (p.ip === '0.0.0.0') return ips.size > 0;
    return ips.has(p.ip) || ips.has('0.0.0.0');
  }

  clone(): HostPortUsage {
    const c = new HostPortUsage();
    for (const [k, ips] of this.#used) c.#used.set(k, new Map(ips));
    return c;
  }
}

export class NodeInfo {
  /**
   * Room left (allocatable − requested; pods: allowed − counted), kept by setNode and the pod
   * accounting. First among the fields so the filter's common check reads one place per node.
   */
  roomMilliCPU = 0;
  roomMemory = 0;
  roomEphemeral = 0;
  roomPods = 0;
  node: KubeObject | undefined;
  name: string;
  labels: Readonly<Record<string, string>> = {};
  allocatable = new Resource();
  taints: readonly Taint[] = [];
  unschedulable = false;
  /** Image name → size in bytes, from status.images. */
  images: ReadonlyMap<string, number> = new Map();
  /** Pods counted here, by uid (insertion order). */
  readonly pods = new Map<string, PodInfo>();
  /** Sum of the pods' requests (NodeResourcesFit). */
  requested = new Resource();
  /** Sum with per-container defaults for missing cpu/memory (scoring). */
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  usedPorts = new HostPortUsage();
  /** Pods with any inter-pod (anti-)affinity, and those with required anti-affinity. */
  podsWithAffinity = 0;
  podsWithRequiredAntiAffinity = 0;
  /** Bumped on every change: lets caches tell whether they are stale. */
  generation = 0;

  constructor(name: string, node?: KubeObject) {
    this.name = name;
    if (node) this.setNode(node);
  }

  setNode(node: KubeObject): void {
    this.node = node;
    this.name = str(node.metadata.name);
    this.labels = node.metadata.labels ?? {};
    const spec = obj(node.spec) ?? {};
    const status = obj(node.status) ?? {};
    this.allocatable = Resource.fromList(obj(status.allocatable) ?? obj(status.capacity));
    this.taints = (Array.isArray(spec.taints) ? spec.taints : []).map((t: unknown) => {
      const o = obj(t) ?? {};
      return { key: str(o.key), value: str(o.value), effect: str(o.effect) };
    });
    this.unschedulable = spec.unschedulable === true;
    const images = new Map<string, number>();
    for (const img of Array.isArray(status.images) ? status.images : []) {
      const o = obj(img) ?? {};
      const size = typeof o.sizeBytes === 'number' ? o.sizeBytes : 0;
      for (const n of Array.isArray(o.names) ? o.names : []) if (typeof n === 'string') images.set(normalizedImageName(n), size);
    }
    this.images = images;
    this.#updateRoom();
    this.generation++;
  }

  #updateRoom(): void {
    this.roomMilliCPU = this.allocatable.milliCPU - this.requested.milliCPU;
    this.roomMemory = this.allocatable.memory - this.requested.memory;
    this.roomEphemeral = this.allocatable.ephemeralStorage - this.requested.ephemeralStorage;
    this.roomPods = this.allocatable.allowedPodNumber - this.pods.size;
  }

  addPod(p: PodInfo): void {
    this.pods.set(p.uid, p);
    this.#account(p, 1);
  }

  /** Removes the pod with this uid; returns it when it was here. */
  removePod(uid: string): PodInfo | undefined {
    const p = this.pods.get(uid);
    if (!p) return undefined;
    this.pods.delete(uid);
    this.#account(p, -1);
    return p;
  }

  #account(p: PodInfo, sign: 1 | -1): void {
    this.requested.add(p.requests, sign);
    this.nonZeroMilliCPU += sign * p.nonZeroMilliCPU;
    this.nonZeroMemory += sign * p.nonZeroMemory;
    for (const hp of p.hostPorts) {
      if (sign > 0) this.usedPorts.add(hp);
      else this.usedPorts.remove(hp);
    }
    if (p.hasAffinity) this.podsWithAffinity += sign;
    if (p.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinity += sign;
    this.#updateRoom();
    this.generation++;
  }

  /** A copy whose pods can be added and removed without touching this one (preemption's simulation). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.labels = this.labels;
    c.allocatable = this.allocatable;
    c.taints = this.taints;
    c.unschedulable = this.unschedulable;
    c.images = this.images;
    for (const [k, v] of this.pods) c.pods.set(k, v);
    c.requested = this.requested.clone();
    c.nonZeroMilliCPU = this.nonZeroMilliCPU;
    c.nonZeroMemory = this.nonZeroMemory;
    c.usedPorts = this.usedPorts.clone();
    c.podsWithAffinity = this.podsWithAffinity;
    c.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity;
    c.generation = this.generation;
    c.#updateRoom();
    return c;
  }
}
