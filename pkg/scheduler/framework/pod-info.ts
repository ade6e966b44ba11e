// What the scheduler needs from a pod, read once per pod version: its requests (with upstream's
// rules for init containers, sidecars, pod-level resources and overhead), priority, ports,
// tolerations, node selection, inter-pod (anti-)affinity terms and images.
import type { KubeObject } from '../../api/types';
import { fromLabelSelector, type LabelSelector, type LabelSelectorJson } from '../../api/selectors';
import { CPU, DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, MEMORY, Resource, scaledValue } from './resources';

type Json = Record<string, unknown>;

export interface Toleration {
  readonly key: string;
  readonly operator: string;
  readonly value: string;
  readonly effect: string;
}

export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values: readonly string[];
}

export interface NodeSelectorTerm {
  readonly matchExpressions: readonly NodeSelectorRequirement[];
  readonly matchFields: readonly NodeSelectorRequirement[];
}

export interface PreferredNodeTerm {
  readonly weight: number;
  readonly term: NodeSelectorTerm;
}

export interface AffinityTerm {
  /** Namespaces the term looks in; with a namespaceSelector, these are added to the selected ones. */
  readonly namespaces: ReadonlySet<string>;
  readonly namespaceSelector?: LabelSelector;
  readonly selector: LabelSelector;
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: string;
  readonly selector: LabelSelector;
  readonly minDomains: number;
  readonly nodeAffinityPolicy: string;
  readonly nodeTaintsPolicy: string;
}

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function arr(v: unknown): Json[] {
  return Array.isArray(v) ? (v.filter((x) => obj(x)) as Json[]) : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function selectorOf(v: unknown): LabelSelector {
  try {
    return fromLabelSelector((obj(v) as LabelSelectorJson | undefined) ?? null);
  } catch {
    return fromLabelSelector(null);
  }
}

function requirements(v: unknown): NodeSelectorRequirement[] {
  return arr(v).map((r) => ({ key: str(r.key), operator: str(r.operator), values: strings(r.values) }));
}

export function nodeSelectorTerms(v: unknown): NodeSelectorTerm[] {
  return arr(v).map((t) => ({ matchExpressions: requirements(t.matchExpressions), matchFields: requirements(t.matchFields) }));
}

function affinityTerms(pod: { namespace: string }, v: unknown): AffinityTerm[] {
  return arr(v).map((t) => affinityTerm(pod, t));
}

function affinityTerm(pod: { namespace: string }, t: Json): AffinityTerm {
  const namespaces = strings(t.namespaces);
  const nsSel = obj(t.namespaceSelector);
  return {
    namespaces: new Set(namespaces.length === 0 && !nsSel ? [pod.namespace] : namespaces),
    ...(nsSel ? { namespaceSelector: selectorOf(nsSel) } : {}),
    selector: selectorOf(t.labelSelector),
    topologyKey: str(t.topologyKey),
  };
}

function weightedTerms(pod: { namespace: string }, v: unknown): WeightedAffinityTerm[] {
  return arr(v).map((w) => ({ ...affinityTerm(pod, obj(w.podAffinityTerm) ?? {}), weight: typeof w.weight === 'number' ? w.weight : 0 }));
}

/** `nginx` → `nginx:latest`: image names as nodes report them. */
export function normalizedImageName(name: string): string {
  if (name.lastIndexOf(':') <= name.lastIndexOf('/')) return `${name}:latest`;
  return name;
}

export class PodInfo {
  readonly key: string;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly nodeName: string;
  readonly nominatedNodeName: string;
  readonly schedulerName: string;
  readonly priority: number;
  readonly preemptionPolicy: string;
  readonly phase: string;
  readonly terminating: boolean;
  readonly gated: boolean;
  /** Milliseconds since the epoch the pod started (or was created): preemption prefers younger victims. */
  readonly startMs: number;
  /** Requests as NodeResourcesFit checks them. */
  readonly requests: Resource;
  /** CPU / memory with defaults for containers that request none (what scoring counts). */
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  readonly tolerations: readonly Toleration[];
  readonly nodeSelector: Readonly<Record<string, string>> | undefined;
  /** Required node affinity terms (ORed); undefined when none. */
  readonly requiredNodeTerms: readonly NodeSelectorTerm[] | undefined;
  readonly preferredNodeTerms: readonly PreferredNodeTerm[];
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedAffinityTerm[];
  readonly topologySpread: readonly TopologySpreadConstraint[];
  /** Has any inter-pod affinity or anti-affinity (required or preferred). */
  readonly hasAffinity: boolean;
  /** Normalized images of init and regular containers. */
  readonly images: readonly string[];
  readonly containerCount: number;

  constructor(readonly pod: KubeObject) {
    const meta = pod.metadata;
    const spec = obj(pod.spec) ?? {};
    const status = obj(pod.status) ?? {};
    this.namespace = str(meta.namespace);
    this.name = str(meta.name);
    this.key = `${this.namespace}/${this.name}`;
    this.uid = str(meta.uid);
    this.labels = meta.labels ?? {};
    this.nodeName = str(spec.nodeName);
    this.nominatedNodeName = str(status.nominatedNodeName);
    this.schedulerName = str(spec.schedulerName) || 'default-scheduler';
    this.priority = typeof spec.priority === 'number' ? spec.priority : 0;
    this.preemptionPolicy = str(spec.preemptionPolicy) || 'PreemptLowerPriority';
    this.phase = str(status.phase);
    this.terminating = Boolean(meta.deletionTimestamp);
    this.gated = arr(spec.schedulingGates).length > 0;
    const started = Date.parse(str(status.startTime) || str(meta.creationTimestamp));
    this.startMs = Number.isFinite(started) ? started : 0;

    const containers = arr(spec.containers);
    const inits = arr(spec.initContainers);
    this.containerCount = containers.length + inits.length;
    const { requests, nonZeroMilliCPU, nonZeroMemory } = podRequests(spec, containers, inits);
    this.requests = requests;
    this.nonZeroMilliCPU = nonZeroMilliCPU;
    this.nonZeroMemory = nonZeroMemory;

    const ports: HostPort[] = [];
    for (const c of [...inits, ...containers]) {
      for (const p of arr(c.ports)) {
        const port = typeof p.hostPort === 'number' ? p.hostPort : 0;
        if (port > 0) ports.push({ ip: str(p.hostIP) || '0.0.0.0', protocol: str(p.protocol) || 'TCP', port });
      }
    }
    this.hostPorts = ports;
    this.tolerations = arr(spec.tolerations).map((t) => ({ key: str(t.key), operator: str(t.operator), value: str(t.value), effect: str(t.effect) }));
    const nodeSelector = obj(spec.nodeSelector) as Record<string, string> | undefined;
    this.nodeSelector = nodeSelector && Object.keys(nodeSelector).length > 0 ? nodeSelector : undefined;

    const affinity = obj(spec.affinity) ?? {};
    const nodeAffinity = obj(affinity.nodeAffinity) ?? {};
    const required = obj(nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution);
    this.requiredNodeTerms = required ? nodeSelectorTerms(required.nodeSelectorTerms) : undefined;
    this.preferredNodeTerms = arr(nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution).map((p) => ({
      weight: typeof p.weight === 'number' ? p.weight : 0,
      term: nodeSelectorTerms([p.preference ?? {}])[0]!,
    }));
    const podAffinity = obj(affinity.podAffinity) ?? {};
    const podAnti = obj(affinity.podAntiAffinity) ?? {};
    this.requiredAffinity = affinityTerms(this, podAffinity.requiredDuringSchedulingIgnoredDuringExecution);
    this.requiredAntiAffinity = affinityTerms(this, podAnti.requiredDuringSchedulingIgnoredDuringExecution);
    this.preferredAffinity = weightedTerms(this, podAffinity.preferredDuringSchedulingIgnoredDuringExecution);
    this.preferredAntiAffinity = weightedTerms(this, podAnti.preferredDuringSchedulingIgnoredDuringExecution);
    this.hasAffinity = this.requiredAffinity.length + this.requiredAntiAffinity.length + this.preferredAffinity.length + this.preferredAntiAffinity.length > 0;

    this.topologySpread = arr(spec.topologySpreadConstraints).map((c) => {
      // matchLabelKeys: the pod's own values for those keys join the selector.
      const base = obj(c.labelSelector) ?? {};
      const matchLabels = { ...((obj(base.matchLabels) as Record<string, string> | undefined) ?? {}) };
      for (const k of strings(c.matchLabelKeys)) if (this.labels[k] !== undefined) matchLabels[k] = this.labels[k]!;
      const sel = obj(c.labelSelector) ? selectorOf({ ...base, matchLabels }) : fromLabelSelector(null);
      return {
        maxSkew: typeof c.maxSkew === 'number' ? c.maxSkew : 1,
        topologyKey: str(c.topologyKey),
        whenUnsatisfiable: str(c.whenUnsatisfiable) || 'DoNotSchedule',
        selector: sel,
        minDomains: typeof c.minDomains === 'number' ? c.minDomains : 1,
        nodeAffinityPolicy: str(c.nodeAffinityPolicy) || 'Honor',
        nodeTaintsPolicy: str(c.nodeTaintsPolicy) || 'Ignore',
      };
    });
    this.images = [...inits, ...containers].map((c) => str(c.image)).filter(Boolean).map(normalizedImageName);
  }

}

/**
 * Pod requests as upstream's resource helpers compute them: the sum of the containers plus the
 * restartable (sidecar) init containers, raised to the largest one-at-a-time init container (plus
 * the sidecars started before it), pod-level requests replacing cpu/memory when given, plus overhead.
 */
function podRequests(spec: Json, containers: Json[], inits: Json[]): { requests: Resource; nonZeroMilliCPU: number; nonZeroMemory: number } {
  const reqs = new Resource();
  let nzCPU = 0;
  let nzMem = 0;
  for (const c of containers) {
    const r = obj(obj(c.resources)?.requests);
    reqs.addList(r);
    nzCPU += r && r[CPU] !== undefined ? scaledValue(r[CPU], 1000) : DEFAULT_MILLI_CPU_REQUEST;
    nzMem += r && r[MEMORY] !== undefined ? scaledValue(r[MEMORY], 1) : DEFAULT_MEMORY_REQUEST;
  }
  if (inits.length > 0) {
    const sidecars = new Resource();
    let sideCPU = 0;
    let sideMem = 0;
    const initMax = new Resource();
    let initCPU = 0;
    let initMem = 0;
    for (const c of inits) {
      const r = obj(obj(c.resources)?.requests);
      const cpu = r && r[CPU] !== undefined ? scaledValue(r[CPU], 1000) : DEFAULT_MILLI_CPU_REQUEST;
      const mem = r && r[MEMORY] !== undefined ? scaledValue(r[MEMORY], 1) : DEFAULT_MEMORY_REQUEST;
      const own = Resource.fromList(r);
      if (c.restartPolicy === 'Always') {
        reqs.add(own);
        sidecars.add(own);
        nzCPU += cpu;
        nzMem += mem;
        sideCPU += cpu;
        sideMem += mem;
        maxInto(initMax, sidecars);
        initCPU = Math.max(initCPU, sideCPU);
        initMem = Math.max(initMem, sideMem);
      } else {
        own.add(sidecars);
        maxInto(initMax, own);
        initCPU = Math.max(initCPU, cpu + sideCPU);
        initMem = Math.max(initMem, mem + sideMem);
      }
    }
    maxInto(reqs, initMax);
    nzCPU = Math.max(nzCPU, initCPU);
    nzMem = Math.max(nzMem, initMem);
  }
  const podLevel = obj(obj(spec.resources)?.requests);
  if (podLevel) {
    for (const name of [CPU, MEMORY]) {
      if (podLevel[name] === undefined) continue;
      const v = scaledValue(podLevel[name], name === CPU ? 1000 : 1);
      reqs.set(name, v);
      if (name === CPU) nzCPU = v;
      else nzMem = v;
    }
  }
  const overhead = obj(spec.overhead);
  if (overhead) {
    const o = Resource.fromList(overhead);
    reqs.add(o);
    nzCPU += o.milliCPU;
    nzMem += o.memory;
  }
  return { requests: reqs, nonZeroMilliCPU: nzCPU, nonZeroMemory: nzMem };
}

function maxInto(target: Resource, other: Resource): void {
  target.milliCPU = Math.max(target.milliCPU, other.milliCPU);
  target.memory = Math.max(target.memory, other.memory);
  target.ephemeralStorage = Math.max(target.ephemeralStorage, other.ephemeralStorage);
  if (other.scalars) for (const [k, v] of other.scalars) if (v > target.get(k)) target.set(k, v);
}
