// `kubectl get pods`: NAME READY STATUS RESTARTS AGE (+ IP NODE NOMINATED NODE READINESS GATES).
// STATUS is the summary upstream's printer computes: the pod's phase or reason, overridden by the
// first init container still initializing ("Init:0/2", "Init:CrashLoopBackOff"), then by the first
// (in spec order) container waiting or terminated with a reason ("ContainerCreating", "Completed",
// "ExitCode:1"), then by "Terminating" while a non-terminal pod is being deleted.
import type { TableDef } from '../resource-def';
import type { KubeObject } from '../types';
import { humanDuration, parseTimestamp } from './human-duration';
import { age, ageColumn, col, int, isDeleting, list, name, nameColumn, record, str, wide } from './internal/read';

interface Summary {
  ready: number;
  total: number;
  reason: string;
  restarts: number;
  /** When the most recent counted restart happened (ms), if known. */
  lastRestart?: number;
}

function later(current: number | undefined, candidate: number | undefined): number | undefined {
  if (candidate === undefined) return current;
  return current === undefined || current < candidate ? candidate : current;
}

function conditionTrue(status: unknown, type: string): boolean {
  const c = list(status, 'conditions').find((x) => str(x, 'type') === type);
  return c !== undefined && str(c, 'status') === 'True';
}

/** Reason for a terminated container without one: the signal, else the exit code. */
function exitReason(terminated: unknown, prefix: string): string {
  const signal = int(terminated, 'signal');
  return signal !== 0 ? `${prefix}Signal:${signal}` : `${prefix}ExitCode:${int(terminated, 'exitCode')}`;
}

export function summarizePod(pod: KubeObject): Summary {
  const spec = record(pod, 'spec');
  const status = record(pod, 'status');
  const phase = str(status, 'phase');
  let reason = str(status, 'reason') || phase;
  if (list(status, 'conditions').some((c) => str(c, 'type') === 'PodScheduled' && str(c, 'reason') === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  const initContainers = list(spec, 'initContainers');
  // Sidecars (init containers with restartPolicy Always) count as regular containers.
  const sidecars = new Set(initContainers.filter((c) => str(c, 'restartPolicy') === 'Always').map((c) => str(c, 'name')));
  const total = list(spec, 'containers').length + sidecars.size;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;

  let initializing = false;
  const initStatuses = list(status, 'initContainerStatuses');
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const finished = parseTimestamp(record(c, 'lastState', 'terminated').finishedAt);
    restarts += int(c, 'restartCount');
    lastRestart = later(lastRestart, finished);
    const isSidecar = sidecars.has(str(c, 'name'));
    if (isSidecar) {
      sidecarRestarts += int(c, 'restartCount');
      lastSidecarRestart = later(lastSidecarRestart, finished);
    }
    const terminated = record(c, 'state').terminated;
    const waiting = record(c, 'state').waiting;
    if (terminated !== undefined && terminated !== null && int(terminated, 'exitCode') === 0) continue;
    if (isSidecar && record(c).started === true) {
      if (record(c).ready === true) ready++;
      continue;
    }
    if (terminated !== undefined && terminated !== null) {
      const r = str(terminated, 'reason');
      reason = r !== '' ? `Init:${r}` : exitReason(terminated, 'Init:');
    } else if (str(waiting, 'reason') !== '' && str(waiting, 'reason') !== 'PodInitializing') {
      reason = `Init:${str(waiting, 'reason')}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = list(status, 'containerStatuses');
    // Walk backwards so the first container in spec order has the last word on the reason.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += int(c, 'restartCount');
      lastRestart = later(lastRestart, parseTimestamp(record(c, 'lastState', 'terminated').finishedAt));
      const state = record(c, 'state');
      const terminated = state.terminated;
      if (str(state, 'waiting', 'reason') !== '') {
        reason = str(state, 'waiting', 'reason');
      } else if (terminated !== undefined && terminated !== null) {
        reason = str(terminated, 'reason') || exitReason(terminated, '');
      } else if (record(c).ready === true && state.running !== undefined && state.running !== null) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(status, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  if (isDeleting(pod) && str(status, 'reason') === 'NodeLost') {
    reason = 'Unknown';
  } else if (isDeleting(pod) && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }
  return { ready, total, reason, restarts, lastRestart };
}

function restartsCell(s: Summary, now: Date): string {
  if (s.restarts !== 0 && s.lastRestart !== undefined) {
    return `${s.restarts} (${humanDuration(now.getTime() - s.lastRestart)} ago)`;
  }
  return String(s.restarts);
}

function readinessGates(pod: KubeObject): string {
  const gates = list(pod, 'spec', 'readinessGates');
  if (gates.length === 0) return '<none>';
  const conditions = list(pod, 'status', 'conditions');
  const passed = gates.filter((g) => {
    const c = conditions.find((x) => str(x, 'type') === str(g, 'conditionType'));
    return c !== undefined && str(c, 'status') === 'True';
  }).length;
  return `${passed}/${gates.length}`;
}

export const podTable: TableDef = {
  columns: [
    nameColumn,
    col('Ready'),
    col('Status'),
    col('Restarts'),
    ageColumn,
    wide('IP'),
    wide('Node'),
    wide('Nominated Node'),
    wide('Readiness Gates'),
  ],
  row(pod, now) {
    const s = summarizePod(pod);
    const podIP = str(pod, 'status', 'podIPs', 0, 'ip') || str(pod, 'status', 'podIP');
    return [
      name(pod),
      `${s.ready}/${s.total}`,
      s.reason,
      restartsCell(s, now),
      age(pod, now),
      podIP || '<none>',
      str(pod, 'spec', 'nodeName') || '<none>',
      str(pod, 'status', 'nominatedNodeName') || '<none>',
      readinessGates(pod),
    ];
  },
};
