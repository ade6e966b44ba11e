// Lifecycle hooks and graceful stop of one container, as upstream's kuberuntime does: postStart
// runs right after StartContainer (a failure kills the container); stopping runs preStop first
// (bounded by the grace period), then StopContainer (SIGTERM, SIGKILL when the rest of the grace
// period is over — at least 2 s after a preStop hook).
import type { Clock } from '../client/clock';
import type { Logger } from '../log/logger';
import type { RuntimeService } from './cri/types';
import { messageOf } from './errors';
import type { ContainerSpec } from './pod-types';
import { runHandler, type HandlerOutcome } from './prober/run-handler';

const MIN_GRACE_AFTER_HOOK_SECONDS = 2;

export interface LifecycleDeps {
  readonly runtime: RuntimeService;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface StopRequest {
  readonly containerId: string;
  /** Undefined when the pod's spec is gone (no hooks run). */
  readonly spec: ContainerSpec | undefined;
  readonly podName: string;
  readonly podIP: string;
  readonly graceSeconds: number;
  /** Why (for the log line): Killing, Unhealthy, … */
  readonly reason: string;
}

/** Runs the postStart hook, if any. */
export async function runPostStart(deps: LifecycleDeps, spec: ContainerSpec, containerId: string, podIP: string, timeoutSeconds: number): Promise<HandlerOutcome | undefined> {
  const hook = spec.lifecycle?.postStart;
  if (!hook) return undefined;
  return runHandler(deps.runtime, hook, { containerId, podIP, container: spec }, timeoutSeconds);
}

/** preStop, then StopContainer with what is left of the grace period. */
export async function stopContainerGracefully(deps: LifecycleDeps, req: StopRequest): Promise<void> {
  const { runtime, clock, log } = deps;
  let grace = Math.max(0, req.graceSeconds);
  const hook = req.spec?.lifecycle?.preStop;
  if (hook && req.spec && grace > 0) {
    const t0 = clock.now();
    const r = await runHandler(runtime, hook, { containerId: req.containerId, podIP: req.podIP, container: req.spec }, grace);
    if (!r.ok) log.warn('FailedPreStopHook', { pod: req.podName, container: req.spec.name, message: r.message.slice(0, 200) });
    grace = Math.max(MIN_GRACE_AFTER_HOOK_SECONDS, Math.ceil(grace - (clock.now() - t0) / 1000));
  }
  log.info('Killing container with a grace period', { pod: req.podName, container: req.spec?.name ?? req.containerId.slice(0, 12), reason: req.reason, gracePeriod: grace });
  try {
    await runtime.stopContainer(req.containerId, grace);
  } catch (e) {
    log.warn('stopping a container failed', { id: req.containerId.slice(0, 12), error: messageOf(e) });
  }
}
