// NodeName: a pod that names its node (spec.nodeName) fits only that node.
import type { ClusterEvent, EnqueueExtensions, FilterPlugin, PreFilterPlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { Status } from '../../framework/status';

const OK = Status.SUCCESS;

export const NODE_NAME = 'NodeName';
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export class NodeName implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NODE_NAME;

  /** A pod that names no node fits every node as far as this plugin goes. */
  preFilter(_state: unknown, pod: PodInfo): Status {
    return pod.nodeName === '' ? Status.SKIP : OK;
  }

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status {
    if (pod.nodeName === '' || pod.nodeName === node.name) return OK;
    return Status.unresolvable(ERR_REASON_NODE_NAME);
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [{ resource: 'Node', action: 'Add' }];
  }
}
