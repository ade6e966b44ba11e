// Builders for scheduler unit tests (fakes, product code): pods and nodes as the scheduler sees
// them, a snapshot over a list of NodeInfos, and a Handle whose API actions are recorded.
import type { KubeObject } from '../../api/types';
import { FakeClock } from '../../client/clock';
import { silentLogger } from '../../log/logger';
import { SchedulerCache } from '../cache/scheduler-cache';
import { defaultSchedulerConfig, parseSchedulerConfig } from '../config/scheduler-config';
import { Framework } from '../framework/framework';
import { builtinRegistry, pluginFactories, pluginPoints } from '../plugins/registry';
import type { ClusterActions, FrameworkRunner, Handle, Nominator } from '../framework/interfaces';
import { NodeInfo } from '../framework/node-info';
import { PodInfo } from '../framework/pod-info';
import { simulatedNode, type SimulatedNodeSpec } from './simulated-nodes';

type Json = Record<string, unknown>;

export interface PodOptions {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly labels?: Record<string, string>;
  /** Requests of one container, e.g. { cpu: '1', memory: '1Gi' }. */
  readonly requests?: Record<string, string>;
  readonly containers?: Json[];
  readonly initContainers?: Json[];
  readonly overhead?: Record<string, string>;
  readonly nodeName?: string;
  readonly nodeSelector?: Record<string, string>;
  readonly affinity?: Json;
  readonly tolerations?: Json[];
  readonly topologySpreadConstraints?: Json[];
  readonly hostPorts?: readonly number[];
  readonly priority?: number;
  readonly preemptionPolicy?: string;
  readonly schedulerName?: string;
  readonly image?: string;
  readonly startTime?: string;
  readonly deleting?: boolean;
}



export function podObject(o: PodOptions = {}): KubeObject {
  const name = o.name ?? `pod-${Math.random().toString(36).slice(2, 10)}`;
  const container: Json = {
    name: 'c',
    image: o.image ?? 'registry.k8s.io/pause:3.10',
    ...(o.requests ? { resources: { requests: o.requests } } : {}),
    ...(o.hostPorts ? { ports: o.hostPorts.map((p) => ({ containerPort: p, hostPort: p, protocol: 'TCP' })) } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? `uid-${name}`,
      labels: o.labels ?? {},
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}),
    },
    spec: {
      containers: o.containers ?? [container],
      ...(o.initContainers ? { initContainers: o.initContainers } : {}),
      ...(o.overhead ? { overhead: o.overhead } : {}),
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.topologySpreadConstraints ? { topologySpreadConstraints: o.topologySpreadConstraints } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.preemptionPolicy ? { preemptionPolicy: o.preemptionPolicy } : {}),
      schedulerName: o.schedulerName ?? 'default-scheduler',
    },
    status: { phase: 'Pending', ...(o.startTime ? { startTime: o.startTime } : {}) },
  };
}

export function pod(o: PodOptions = {}): PodInfo {
  return new PodInfo(podObject(o));
}

export function node(spec: SimulatedNodeSpec, pods: readonly PodOptions[] = []): NodeInfo {
  const n = new NodeInfo(spec.name, simulatedNode(spec));
  for (const p of pods) n.addPod(pod({ ...p, nodeName: spec.name }));
  return n;
}

/** A cache holding these nodes (and their pods). */
export function snapshotOf(nodes: readonly NodeInfo[]): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) {
    c.addNode(n.node!);
    for (const p of n.pods.values()) c.addPod(p);
  }
  return c;
}

export interface RecordedActions extends ClusterActions {
  readonly preempted: { victim: string; preemptor: string; node: string }[];
  readonly nominated: { pod: string; node: string }[];
  readonly bound: { pod: string; node: string }[];
}

export function recordingActions(): RecordedActions {
  const preempted: RecordedActions['preempted'] = [];
  const nominated: RecordedActions['nominated'] = [];
  const bound: RecordedActions['bound'] = [];
  return {
    preempted,
    nominated,
    bound,
    async bind(p, nodeName) {
      bound.push({ pod: p.key, node: nodeName });
    },
    preemptVictim(victim, preemptor, nodeName) {
      preempted.push({ victim: victim.key, preemptor: preemptor.key, node: nodeName });
    },
    setNominatedNodeName(p, nodeName) {
      nominated.push({ pod: p.key, node: nodeName });
    },
  };
}

const noNominations: Nominator = { nominatedPodsForNode: () => [] };

/** A Handle over `snapshot`; `framework` may be filled in later (preemption tests). */
export function fakeHandle(snapshot: SchedulerCache, overrides: Partial<Handle> = {}): Handle & { framework: FrameworkRunner } {
  return {
    snapshot,
    clock: new FakeClock(),
    log: silentLogger(),
    nominator: noNominations,
    actions: recordingActions(),
    namespaceLabels: () => ({}),
    random: () => 0,
    framework: undefined as unknown as FrameworkRunner,
    ...overrides,
  } as Handle & { framework: FrameworkRunner };
}

/** The default profile (or one parsed from `configYaml`) as a Framework over `snapshot`. */
export function frameworkOver(snapshot: SchedulerCache, configYaml?: string, handle: Partial<Handle> = {}): { framework: Framework; handle: Handle & { actions: RecordedActions } } {
  const registry = builtinRegistry();
  const cfg = configYaml ? parseSchedulerConfig(configYaml, pluginPoints(registry)) : defaultSchedulerConfig(pluginPoints(registry));
  const actions = recordingActions();
  const h = { ...fakeHandle(snapshot), actions, ...handle };
  const framework = new Framework(cfg.profiles[0]!, pluginFactories(registry), h);
  return { framework, handle: framework.handle as Handle & { actions: RecordedActions } };
}
