// PrioritySort: the active queue pops higher-priority pods first, then the longest waiting.
import type { QueuedPodInfo, QueueSortPlugin } from '../../framework/interfaces';

export const PRIORITY_SORT = 'PrioritySort';

export class PrioritySort implements QueueSortPlugin {
  readonly name = PRIORITY_SORT;

  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const pa = a.podInfo.priority;
    const pb = b.podInfo.priority;
    return pa > pb || (pa === pb && a.timestamp < b.timestamp);
  }
}
