// NodePorts: a pod's host ports must be free on the node (same protocol and port, on the same
// address or where either side binds 0.0.0.0).
import type { CycleState } from '../../framework/cycle-state';
import type { ClusterEvent, EnqueueExtensions, FilterPlugin, PreFilterPlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { Status } from '../../framework/status';

export const NODE_PORTS = 'NodePorts';
export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";

export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NODE_PORTS;

  preFilter(_state: CycleState, pod: PodInfo): Status {
    return pod.hostPorts.length === 0 ? Status.SKIP : Status.SUCCESS;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    for (const p of pod.hostPorts) if (node.usedPorts.conflicts(p)) return Status.unschedulable(ERR_REASON_PORTS);
    return Status.SUCCESS;
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'AssignedPod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
    ];
  }
}

