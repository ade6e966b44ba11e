// The pod status the kubelet reports, computed from what the runtime says (as upstream's
// generateAPIPodStatus / getPhase): container states, last states and restart counts, the pod
// phase, the PodReadyToStartContainers / Initialized / ContainersReady / Ready conditions with
// stable transition times, pod and host IPs.
import type { ContainerStatus } from './cri/types';
import type { ContainerSpec, ContainerStateApi, ContainerStatusApi, Pod, PodCondition, PodStatus } from './pod-types';
import { ANNOTATION_RESTART_COUNT } from './sandbox-config';

export interface Waiting {
  readonly reason: string;
  readonly message?: string;
}

export interface ObservedPod {
  readonly sandboxReady: boolean;
  readonly podIPs: readonly string[];
  readonly hostIPs: readonly string[];
  /** Detailed statuses per container name, newest attempt first. */
  readonly containers: ReadonlyMap<string, readonly ContainerStatus[]>;
  /** Why a container is not running when the runtime cannot say (back-off, config error…). */
  readonly waiting: ReadonlyMap<string, Waiting>;
  /** Termination messages by container id. */
  readonly messages?: ReadonlyMap<string, string>;
  readonly nowMs: number;
  readonly terminating?: boolean;
  /** Probe results by container id (no probes: ready and started once running). */
  readonly probes?: { ready(containerId: string): boolean; started(containerId: string): boolean };
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function nsToRfc3339(ns: string): string | undefined {
  if (!ns || ns === '0') return undefined;
  return rfc3339(Number(BigInt(ns) / 1_000_000n));
}

export function restartCountOf(s: ContainerStatus): number {
  const n = Number(s.annotations[ANNOTATION_RESTART_COUNT] ?? s.metadata?.attempt ?? 0);
  return Number.isFinite(n) ? n : 0;
}

export const CONTAINER_ID_PREFIX = 'containerd://';

function terminated(s: ContainerStatus, messages?: ReadonlyMap<string, string>): ContainerStateApi {
  const message = messages?.get(s.id) ?? (s.message || undefined);
  return {
    terminated: {
      exitCode: s.exit_code,
      reason: s.reason || (s.exit_code === 0 ? 'Completed' : 'Error'),
      ...(message ? { message } : {}),
      ...(nsToRfc3339(s.started_at) ? { startedAt: nsToRfc3339(s.started_at) } : {}),
      ...(nsToRfc3339(s.finished_at) ? { finishedAt: nsToRfc3339(s.finished_at) } : {}),
      containerID: `${CONTAINER_ID_PREFIX}${s.id}`,
    },
  };
}

function containerStatus(c: ContainerSpec, observed: ObservedPod): ContainerStatusApi {
  const history = observed.containers.get(c.name) ?? [];
  const latest = history[0];
  const previous = history[1];
  const waiting = observed.waiting.get(c.name);
  const base = { name: c.name, image: c.image ?? '', imageID: '' };
  if (!latest) {
    return { ...base, state: { waiting: { reason: waiting?.reason ?? 'ContainerCreating', ...(waiting?.message ? { message: waiting.message } : {}) } }, lastState: {}, ready: false, restartCount: 0, started: false };
  }
  let state: ContainerStateApi;
  let lastState: ContainerStateApi = previous && previous.state === 'CONTAINER_EXITED' ? terminated(previous, observed.messages) : {};
  if (latest.state === 'CONTAINER_RUNNING') state = { running: { startedAt: nsToRfc3339(latest.started_at) ?? rfc3339(observed.nowMs) } };
  else if (latest.state === 'CONTAINER_EXITED') {
    if (waiting && !observed.terminating) {
      state = { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } };
      lastState = terminated(latest, observed.messages);
    } else state = terminated(latest, observed.messages);
  } else if (latest.state === 'CONTAINER_CREATED') state = { waiting: { reason: waiting?.reason ?? 'ContainerCreating' } };
  else state = { waiting: { reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' } };
  const running = latest.state === 'CONTAINER_RUNNING';
  return {
    ...base,
    imageID: latest.image_ref,
    containerID: `${CONTAINER_ID_PREFIX}${latest.id}`,
    state,
    lastState,
    ready: running && !observed.terminating && (observed.probes?.ready(latest.id) ?? true),
    restartCount: restartCountOf(latest),
    started: running && (observed.probes?.started(latest.id) ?? true),
  };
}

/** Upstream's getPhase for the regular containers, given init containers' progress. */
export function podPhase(pod: Pod, statuses: readonly ContainerStatusApi[], initDone: boolean, initFailed: boolean): string {
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (initFailed && policy === 'Never') return 'Failed';
  if (!initDone) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) stopped++;
      else waiting++;
    }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (policy === 'OnFailure') return stopped === succeeded ? 'Succeeded' : 'Running';
    return stopped === succeeded ? 'Succeeded' : 'Failed';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, old: readonly PodCondition[], nowMs: number, reason?: string, message?: string): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old.find((c) => c.type === type);
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(nowMs),
    ...(!ok && reason ? { reason } : {}),
    ...(!ok && message ? { message } : {}),
  };
}

const OWN_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled']);

export function generatePodStatus(pod: Pod, observed: ObservedPod): PodStatus {
  const old = pod.status ?? {};
  const oldConditions = old.conditions ?? [];
  const init = (pod.spec.initContainers ?? []).map((c) => containerStatus(c, observed));
  const initSucceeded = init.every((s) => s.state.terminated?.exitCode === 0);
  const initFailed = init.some((s) => (s.state.terminated && s.state.terminated.exitCode !== 0) || (s.state.waiting && s.lastState.terminated));
  const containers = pod.spec.containers.map((c) => containerStatus(c, observed));
  const phase = podPhase(pod, containers, initSucceeded, initFailed);
  const allReady = containers.length > 0 && containers.every((s) => s.ready);
  const readyReason = phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
  const now = observed.nowMs;
  const unready = containers.filter((s) => !s.ready).map((s) => s.name);
  const unreadyMessage = readyReason === 'ContainersNotReady' && unready.length > 0 ? `containers with unready status: [${unready.join(' ')}]` : undefined;
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', observed.sandboxReady, oldConditions, now),
    condition('Initialized', initSucceeded, oldConditions, now, 'ContainersNotInitialized'),
    condition('Ready', allReady, oldConditions, now, readyReason, unreadyMessage),
    condition('ContainersReady', allReady, oldConditions, now, readyReason, unreadyMessage),
    oldConditions.find((c) => c.type === 'PodScheduled') ?? condition('PodScheduled', true, oldConditions, now),
    ...oldConditions.filter((c) => !OWN_CONDITIONS.has(c.type)),
  ];
  return {
    ...old,
    phase,
    conditions,
    hostIP: observed.hostIPs[0],
    hostIPs: observed.hostIPs.map((ip) => ({ ip })),
    ...(observed.podIPs.length > 0 ? { podIP: observed.podIPs[0], podIPs: observed.podIPs.map((ip) => ({ ip })) } : {}),
    startTime: old.startTime ?? rfc3339(now),
    ...(init.length > 0 ? { initContainerStatuses: init } : {}),
    containerStatuses: containers,
  };
}
