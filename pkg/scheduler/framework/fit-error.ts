// Why a pod fits no node, worded as upstream's FitError so `kubectl describe` reads the same:
//   0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.
// Reasons are counted over nodes ("<count> <reason>"), sorted as strings, joined with ", ".
import type { NodeToStatus } from './interfaces';
import { Status } from './status';

export const NO_NODE_AVAILABLE = (n: number) => `0/${n} nodes are available`;
/** Upstream's error when the cluster has no nodes at all (not a FitError). */
export const NO_NODES_AVAILABLE_MESSAGE = 'no nodes available to schedule pods';

export class Diagnosis {
  readonly statuses = new Map<string, Status>();
  /** Status of nodes not in `statuses` (a PreFilter rejection applies to all). */
  absent: Status = Status.SUCCESS;
  readonly unschedulablePlugins = new Set<string>();
  readonly pendingPlugins = new Set<string>();
  preFilterMsg = '';
  postFilterMsg = '';

  addPluginStatus(s: Status): void {
    if (!s.plugin) return;
    if (s.isRejected()) this.unschedulablePlugins.add(s.plugin);
    if (s.code === 'Pending') this.pendingPlugins.add(s.plugin);
  }

  toNodeToStatus(): NodeToStatus {
    return { statuses: this.statuses, absent: this.absent };
  }
}

/** "<n> <reason>" for every reason, counted over all nodes, sorted. */
export function reasonHistogram(numAllNodes: number, statuses: ReadonlyMap<string, Status>, absent: Status): string[] {
  const counts = new Map<string, number>();
  for (const s of statuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const missing = numAllNodes - statuses.size;
  if (missing > 0) for (const r of absent.reasons) counts.set(r, (counts.get(r) ?? 0) + missing);
  // Go's sort.Strings: byte order.
  return [...counts].map(([r, n]) => `${n} ${r}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export class FitError extends Error {
  constructor(
    readonly podKey: string,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super('');
    this.name = 'FitError';
    Object.defineProperty(this, 'message', { get: () => fitErrorMessage(this.numAllNodes, this.diagnosis) });
  }
}

/** "0/X nodes are available: <PreFilterMsg>. <FilterMsg>. <PostFilterMsg>" */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `${NO_NODE_AVAILABLE(numAllNodes)}:`;
  if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
  else {
    const reasons = reasonHistogram(numAllNodes, d.statuses, d.absent);
    if (reasons.length > 0) msg += ` ${reasons.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}`;
  return msg;
}
