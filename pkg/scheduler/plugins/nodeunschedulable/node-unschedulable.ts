// NodeUnschedulable: cordoned nodes (spec.unschedulable) take only pods tolerating the
// node.kubernetes.io/unschedulable:NoSchedule taint.
import type { ClusterEvent, EnqueueExtensions, FilterPlugin, Handle, PreFilterPlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { Status } from '../../framework/status';

const OK = Status.SUCCESS;
import { tolerated } from '../internal/taints';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

const UNSCHEDULABLE_TAINT = Object.freeze({ key: TAINT_NODE_UNSCHEDULABLE, value: '', effect: 'NoSchedule' });

export class NodeUnschedulable implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NODE_UNSCHEDULABLE;

  constructor(private readonly handle: Pick<Handle, 'snapshot'>) {}

  /** Nothing to check while no node is cordoned. */
  preFilter(): Status {
    return this.handle.snapshot.unschedulableNodes() === 0 ? Status.SKIP : OK;
  }

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status {
    if (!node.unschedulable || tolerated(pod.tolerations, UNSCHEDULABLE_TAINT)) return OK;
    return Status.unresolvable(ERR_REASON_UNSCHEDULABLE);
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
    ];
  }
}
