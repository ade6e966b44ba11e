// Pod endings for controller tests (a fake kubelet's last word, product code): report a pod
// Succeeded or Failed with its containers terminated (exit code, finish time), as a kubelet
// would, reading the pod fresh and retrying on conflicts.
import type { KubeObject } from '../../api/types';
import { asArray, asObject } from '../../api/validation/json';
import { isConflict } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import type { RestClient } from '../../client/rest-client';

export interface PodEnding {
  readonly phase: 'Succeeded' | 'Failed';
  /** Exit code of every container (default 0 when Succeeded, 1 when Failed). */
  readonly exitCode?: number;
  readonly finishedAtMs?: number;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Marks a pod finished through pods/status; returns the stored pod. */
export async function finishPod(client: RestClient, namespace: string, name: string, ending: PodEnding): Promise<KubeObject> {
  const api = client.resource(RESOURCES.pods);
  for (let attempt = 0; ; attempt++) {
    const pod = await api.get(namespace, name);
    const at = rfc3339(ending.finishedAtMs ?? Date.now());
    const exitCode = ending.exitCode ?? (ending.phase === 'Succeeded' ? 0 : 1);
    const containers = (asArray(asObject(pod.spec)?.containers) ?? []).map((c) => String(asObject(c)?.name ?? ''));
    const status = {
      ...(asObject(pod.status) ?? {}),
      phase: ending.phase,
      conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: type === 'PodScheduled' || type === 'Initialized' ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: at, ...(type === 'Ready' || type === 'ContainersReady' ? { reason: 'PodCompleted' } : {}) })),
      containerStatuses: containers.map((c) => ({ name: c, ready: false, restartCount: 0, image: 'busybox', imageID: '', started: false, state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: at, finishedAt: at } } })),
    };
    try {
      return await api.updateStatus({ ...pod, status });
    } catch (e) {
      if (!isConflict(e) || attempt > 20) throw e;
    }
  }
}

/** Marks a pod Running and Ready through pods/status (what the simulated kubelet does for every pod it accepts). */
export async function markPodReady(client: RestClient, namespace: string, name: string, nowMs = Date.now()): Promise<KubeObject> {
  const api = client.resource(RESOURCES.pods);
  for (let attempt = 0; ; attempt++) {
    const pod = await api.get(namespace, name);
    const at = rfc3339(nowMs);
    const status = { ...(asObject(pod.status) ?? {}), phase: 'Running', startTime: at, podIP: '10.42.0.11', conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: at })) };
    try {
      return await api.updateStatus({ ...pod, status });
    } catch (e) {
      if (!isConflict(e) || attempt > 20) throw e;
    }
  }
}
