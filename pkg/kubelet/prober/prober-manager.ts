// Liveness, readiness and startup probes of running containers (upstream's prober manager): one
// worker per (container id, probe kind) that waits initialDelaySeconds after the container started,
// then probes every periodSeconds with timeoutSeconds, and flips its result only after
// successThreshold successes or failureThreshold failures in a row. Liveness and readiness wait
// until the startup probe (if any) succeeded. Every flip calls `onChange(podUid)` so the pod is
// synced: readiness drives the container's `ready`; a liveness or startup failure has the pod
// syncer kill and restart the container. Workers of a container stop when it is gone.
import { sleep, type Clock } from '../../client/clock';
import type { Logger } from '../../log/logger';
import type { ContainerStatus, RuntimeService } from '../cri/types';
import { CONTAINER_ID_PREFIX } from '../pod-status';
import { podFullName, type ContainerSpec, type Pod, type ProbeSpec } from '../pod-types';
import { runHandler, type HandlerOutcome } from './run-handler';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** A running container as the prober sees it. */
export interface ProbedContainer {
  readonly podUid: string;
  /** For log lines: `name_namespace(uid)`. */
  readonly podName: string;
  readonly id: string;
  readonly spec: ContainerSpec;
  readonly startedAtMs: number;
  readonly podIP: string;
  /**
   * What the pod's API status last said of this very container (same id): a container re-adopted
   * after an agent restart keeps its ready/started state until a probe says otherwise, so its
   * endpoints do not flap.
   */
  readonly reported?: { readonly ready: boolean; readonly started: boolean };
}

export interface ProberDeps {
  readonly runtime: RuntimeService;
  readonly clock: Clock;
  readonly log: Logger;
  /** A probe result of a container of this pod changed. */
  readonly onChange: (podUid: string) => void;
  /** Runs one probe; defaults to runHandler (tests replace it). */
  readonly run?: (probe: ProbeSpec, c: ProbedContainer) => Promise<HandlerOutcome>;
}

interface Worker {
  readonly container: ProbedContainer;
  readonly abort: AbortController;
  /** undefined until the first result that counts. */
  ready?: boolean;
  started: boolean;
  /** Set when liveness or startup failed for good: why. */
  failed?: string;
}

export function probeDefaults(p: ProbeSpec): Required<Pick<ProbeSpec, 'initialDelaySeconds' | 'periodSeconds' | 'timeoutSeconds' | 'successThreshold' | 'failureThreshold'>> {
  return {
    initialDelaySeconds: Math.max(0, p.initialDelaySeconds ?? 0),
    periodSeconds: Math.max(1, p.periodSeconds ?? 10),
    timeoutSeconds: Math.max(1, p.timeoutSeconds ?? 1),
    successThreshold: Math.max(1, p.successThreshold ?? 1),
    failureThreshold: Math.max(1, p.failureThreshold ?? 3),
  };
}

/** The running containers of `pod` that have probes (latest status per container name first in `byName`). */
export function probedContainers(pod: Pod, byName: ReadonlyMap<string, readonly ContainerStatus[]>, podIP: string): ProbedContainer[] {
  const out: ProbedContainer[] = [];
  for (const c of pod.spec.containers) {
    const latest = byName.get(c.name)?.[0];
    if (!latest || latest.state !== 'CONTAINER_RUNNING' || !(c.livenessProbe || c.readinessProbe || c.startupProbe)) continue;
    const was = pod.status?.containerStatuses?.find((x) => x.name === c.name && x.containerID === `${CONTAINER_ID_PREFIX}${latest.id}`);
    const reported = was && { ready: was.ready, started: was.started === true };
    out.push({ podUid: String(pod.metadata.uid), podName: podFullName(pod), id: latest.id, spec: c, startedAtMs: Number(BigInt(latest.started_at || '0') / 1_000_000n), podIP, reported });
  }
  return out;
}

const KIND_NAMES: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

export class ProberManager {
  readonly #workers = new Map<string, Worker>();
  #stopped = false;

  constructor(private readonly deps: ProberDeps) {}

  /**
   * The running containers of one pod, as the last sync saw them: starts workers for new ones
   * that have probes, stops those of containers no longer running.
   */
  update(podUid: string, running: readonly ProbedContainer[]): void {
    if (this.#stopped) return;
    const ids = new Set(running.map((c) => c.id));
    for (const [id, w] of this.#workers) if (w.container.podUid === podUid && !ids.has(id)) this.#stop(id, w);
    for (const c of running) {
      if (this.#workers.has(c.id)) continue;
      const { livenessProbe, readinessProbe, startupProbe } = c.spec;
      if (!livenessProbe && !readinessProbe && !startupProbe) continue;
      const started = !startupProbe || c.reported?.started === true;
      const w: Worker = { container: c, abort: new AbortController(), started, ready: readinessProbe ? started && c.reported?.ready === true : undefined };
      this.#workers.set(c.id, w);
      if (startupProbe) void this.#loop(w, 'startup', startupProbe);
      if (livenessProbe) void this.#loop(w, 'liveness', livenessProbe);
      if (readinessProbe) void this.#loop(w, 'readiness', readinessProbe);
    }
  }

  /** False while a readiness probe has not (yet) succeeded or a startup probe has not passed. */
  ready(containerId: string): boolean {
    const w = this.#workers.get(containerId);
    if (!w) return true;
    return w.started && w.ready !== false && w.failed === undefined;
  }

  /** False until the container's startup probe succeeded. */
  started(containerId: string): boolean {
    return this.#workers.get(containerId)?.started ?? true;
  }

  /** Why the container must be restarted (liveness or startup probe failed), or undefined. */
  failure(containerId: string): string | undefined {
    return this.#workers.get(containerId)?.failed;
  }

  removePod(podUid: string): void {
    for (const [id, w] of this.#workers) if (w.container.podUid === podUid) this.#stop(id, w);
  }

  /** Stops every worker for good (later updates start none). */
  stopAll(): void {
    this.#stopped = true;
    for (const [id, w] of this.#workers) this.#stop(id, w);
  }

  /** Number of containers being probed. */
  get size(): number {
    return this.#workers.size;
  }

  #stop(id: string, w: Worker): void {
    w.abort.abort();
    this.#workers.delete(id);
  }

  async #loop(w: Worker, kind: ProbeKind, probe: ProbeSpec): Promise<void> {
    const { clock, log } = this.deps;
    const signal = w.abort.signal;
    const p = probeDefaults(probe);
    const c = w.container;
    const delay = c.startedAtMs + p.initialDelaySeconds * 1000 - clock.now();
    if (delay > 0 && !(await sleep(clock, delay, signal))) return;
    let successes = 0;
    let failures = 0;
    const run = this.deps.run ?? ((pr: ProbeSpec, pc: ProbedContainer) => runHandler(this.deps.runtime, pr, { containerId: pc.id, podIP: pc.podIP, container: pc.spec }, probeDefaults(pr).timeoutSeconds));
    while (!signal.aborted) {
      if (kind === 'startup' && w.started) return;
      if (kind === 'startup' || w.started) {
        const outcome = await run(probe, c);
        if (signal.aborted) return;
        if (outcome.ok) {
          successes++;
          failures = 0;
        } else {
          failures++;
          successes = 0;
          log.info(`${KIND_NAMES[kind]} probe failed`, { pod: c.podName, container: c.spec.name, reason: 'Unhealthy', output: outcome.message.slice(0, 200) });
        }
        const threshold = kind === 'readiness' ? p.successThreshold : 1;
        if (kind === 'readiness') {
          const before = w.ready;
          if (successes >= threshold) w.ready = true;
          if (failures >= p.failureThreshold) w.ready = false;
          if (before !== w.ready) this.deps.onChange(c.podUid);
        } else if (kind === 'startup' && successes >= 1) {
          w.started = true;
          this.deps.onChange(c.podUid);
          return;
        } else if (failures >= p.failureThreshold) {
          w.failed = `Container ${c.spec.name} failed ${kind} probe, will be restarted`;
          log.info('Killing container', { pod: c.podName, container: c.spec.name, reason: kind === 'liveness' ? 'Unhealthy' : 'StartupProbeFailed', message: w.failed });
          this.deps.onChange(c.podUid);
          return;
        }
      }
      if (!(await sleep(clock, p.periodSeconds * 1000, signal))) return;
    }
  }
}
