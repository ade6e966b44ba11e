// One sync of one DaemonSet (upstream's syncDaemonSet): find or make the revision of the current
// template, then per node create the missing daemon pod, delete failed (with backoff), finished,
// surplus and misplaced ones; when nothing else is pending, roll old pods within maxUnavailable
// (delete, then the next sync creates) or maxSurge (create beside, delete the old once the new
// is available); then keep revisionHistoryLimit and write the status counts.
import type { KubeObject } from '../../api/types';
import { asObject } from '../../api/validation/json';
import type { Clock } from '../../client/clock';
import { isNotFound } from '../../client/errors';
import { objectKey } from '../../client/indexer';
import type { ResourceClient } from '../../client/rest-client';
import type { ReconcileResult } from '../../controller/controller-runner';
import type { Expectations } from '../../controller/expectations';
import type { Logger } from '../../log/logger';
import { availableAt, int, isPodAvailable, isPodReady, podPhase } from '../internal/pods';
import { slowStart } from '../replicaset/replica-set-controller';
import { CONTROLLER_REVISION_HASH, createRevision, equalRevision, nextRevision, renumberRevision, sortRevisions, templatePatch, type Revision } from '../workloads/controller-history';
import { allowsSurge, byCreationAndPhase, daemonPod, dsSpec, isPodUpdated, isRollingUpdate, minReadySeconds, rollingBudget, templateHash, templatePodSpec, updatedPodsOnNode, type DaemonSet } from './daemon-set-util';
import { nodeShouldRunDaemonPod, targetNodeName } from './node-fit';

export interface FailedPodBackoff {
  delayMs: number;
  at: number;
}

export interface DaemonSetSyncDeps {
  readonly daemonSets: ResourceClient<DaemonSet>;
  readonly pods: ResourceClient;
  readonly revisions: ResourceClient<Revision>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly expectations: Expectations;
  /** `<ds key>/<node>` → backoff before deleting the next failed pod there. */
  readonly failedBackoff: Map<string, FailedPodBackoff>;
  /** Set spec.nodeName on new pods (no scheduler needed) besides the node affinity. */
  readonly placeDirectly: boolean;
}

const FAILED_BACKOFF_INITIAL_MS = 1000;
const FAILED_BACKOFF_MAX_MS = 15 * 60_000;

/** The revision of the current template (renumbered when it is an old one come back) and its hash. */
async function currentRevision(d: DaemonSetSyncDeps, ds: DaemonSet, revisions: readonly Revision[], signal: AbortSignal): Promise<{ hash: string; collisionCount: number }> {
  const sorted = sortRevisions(revisions);
  const data = templatePatch(dsSpec(ds).template);
  const probe: Revision = { metadata: {}, data };
  const matching = sorted.filter((r) => equalRevision(r, probe));
  let collisionCount = int(asObject(ds.status)?.collisionCount, 0);
  let current = matching[matching.length - 1];
  if (current) {
    const next = nextRevision(sorted);
    if (current !== sorted[sorted.length - 1]) current = await renumberRevision(d.revisions, current, next, signal);
  } else {
    const labels = { ...((asObject(asObject(dsSpec(ds).template)?.metadata)?.labels as Record<string, string> | undefined) ?? {}) };
    const r = await createRevision(d.revisions, { owner: ds, ownerApiVersion: 'apps/v1', ownerKind: 'DaemonSet', data, labels, revision: nextRevision(sorted), hashLabel: CONTROLLER_REVISION_HASH, hash: (c) => templateHash(ds, c) }, collisionCount, signal);
    current = r.revision;
    collisionCount = r.collisionCount;
  }
  return { hash: current.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? templateHash(ds, collisionCount), collisionCount };
}

interface Plan {
  readonly create: string[];
  readonly remove: KubeObject[];
  requeueAfterMs?: number;
}

function later(plan: Plan, ms: number): void {
  plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, Math.max(1, ms));
}

/** What the node-by-node pass wants created and deleted. */
function manage(d: DaemonSetSyncDeps, key: string, ds: DaemonSet, nodes: readonly KubeObject[], byNode: ReadonlyMap<string, KubeObject[]>, hash: string): Plan {
  const plan: Plan = { create: [], remove: [] };
  const now = d.clock.now();
  const podSpec = templatePodSpec(ds);
  const known = new Set<string>();
  for (const node of nodes) {
    const name = String(node.metadata.name);
    known.add(name);
    const fit = nodeShouldRunDaemonPod(podSpec, node);
    const pods = byNode.get(name) ?? [];
    if (fit.shouldRun && pods.length === 0) plan.create.push(name);
    else if (fit.shouldContinueRunning) {
      const running: KubeObject[] = [];
      for (const p of pods) {
        if (p.metadata.deletionTimestamp) continue;
        const phase = podPhase(p);
        if (phase === 'Failed') {
          // A kubelet that keeps refusing the pod must not make us hot-loop: back off per node.
          const bk = `${key}/${name}`;
          const b = d.failedBackoff.get(bk);
          if (b && now - b.at < b.delayMs) {
            later(plan, b.at + b.delayMs - now);
            continue;
          }
          d.failedBackoff.set(bk, { delayMs: b ? Math.min(b.delayMs * 2, FAILED_BACKOFF_MAX_MS) : FAILED_BACKOFF_INITIAL_MS, at: now });
          plan.remove.push(p);
        } else if (phase === 'Succeeded') plan.remove.push(p);
        else running.push(p);
      }
      running.sort(byCreationAndPhase);
      if (!allowsSurge(ds)) plan.remove.push(...running.slice(1));
      else if (running.length > 1) {
        // With surge one old and one new pod may share a node while the new one becomes available.
        const newest = running.filter((p) => isPodUpdated(p, hash));
        const old = running.filter((p) => !isPodUpdated(p, hash));
        plan.remove.push(...newest.slice(1), ...old.slice(1));
        if (newest[0] && old[0] && (!isPodReady(old[0]) || isPodAvailable(newest[0], minReadySeconds(ds), now))) plan.remove.push(old[0]);
      }
    } else plan.remove.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
  }
  // Pods for nodes that no longer exist.
  for (const [name, pods] of byNode) if (!known.has(name)) plan.remove.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
  return plan;
}

/** The rolling update step (upstream's rollingUpdate), when the manage pass had nothing to do. */
function rollingUpdate(ds: DaemonSet, nodes: readonly KubeObject[], byNode: ReadonlyMap<string, KubeObject[]>, hash: string, nowMs: number): Plan {
  const podSpec = templatePodSpec(ds);
  const desired = nodes.filter((n) => nodeShouldRunDaemonPod(podSpec, n).shouldRun).length;
  const [maxSurge, maxUnavailable] = rollingBudget(ds, desired);
  const minReady = minReadySeconds(ds);
  const available = (p: KubeObject) => isPodAvailable(p, minReady, nowMs);
  const plan: Plan = { create: [], remove: [] };
  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: KubeObject[] = [];
    const candidates: KubeObject[] = [];
    for (const pods of byNode.values()) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(pods, hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (!available(oldPod!)) replace.push(oldPod!);
      else if (unavailable < maxUnavailable) candidates.push(oldPod!);
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    plan.remove.push(...replace, ...candidates.slice(0, room));
    return plan;
  }
  let surging = 0;
  const allowed: string[] = [];
  const candidates: string[] = [];
  for (const [node, pods] of byNode) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(pods, hash);
    if (!ok) {
      surging++;
      continue;
    }
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) allowed.push(node);
      else if (surging < maxSurge) candidates.push(node);
    } else if (!available(newPod)) surging++;
    else plan.remove.push(oldPod);
  }
  const room = Math.min(Math.max(0, maxSurge - surging), candidates.length);
  plan.create.push(...allowed, ...candidates.slice(0, room));
  return plan;
}

async function execute(d: DaemonSetSyncDeps, key: string, ds: DaemonSet, plan: Plan, hash: string, signal: AbortSignal): Promise<void> {
  d.expectations.expect(key, plan.create.length, plan.remove.map(objectKey));
  let error: unknown;
  const queue = [...plan.create];
  const created = await slowStart(plan.create.length, async () => {
    await d.pods.create(daemonPod(ds, hash, queue.shift()!, d.placeDirectly), { signal });
  });
  if (created.succeeded < plan.create.length) d.expectations.lowerCreations(key, plan.create.length - created.succeeded);
  error = created.error;
  await Promise.all(
    plan.remove.map(async (p) => {
      try {
        await d.pods.delete(p.metadata.namespace, String(p.metadata.name), { preconditions: { uid: p.metadata.uid }, signal });
      } catch (e) {
        d.expectations.deletionObserved(key, objectKey(p));
        if (!isNotFound(e)) error ??= e;
      }
    }),
  );
  if (plan.create.length || plan.remove.length) d.log.debug('synced daemon pods', { daemonset: key, created: created.succeeded, deleted: plan.remove.length });
  if (error) throw error;
}

export async function syncDaemonSet(d: DaemonSetSyncDeps, key: string, ds: DaemonSet, nodes: readonly KubeObject[], pods: readonly KubeObject[], revisions: readonly Revision[], satisfied: boolean, signal: AbortSignal): Promise<ReconcileResult | void> {
  const { hash, collisionCount } = await currentRevision(d, ds, revisions, signal);
  const byNode = new Map<string, KubeObject[]>();
  for (const p of pods) {
    // Finished pods already being removed are no business of ours.
    if (p.metadata.deletionTimestamp && ['Succeeded', 'Failed'].includes(podPhase(p))) continue;
    const node = targetNodeName(p) ?? '';
    byNode.set(node, [...(byNode.get(node) ?? []), p]);
  }
  let requeueAfterMs: number | undefined;
  let error: unknown;
  if (!ds.metadata.deletionTimestamp && satisfied) {
    try {
      let plan = manage(d, key, ds, nodes, byNode, hash);
      requeueAfterMs = plan.requeueAfterMs;
      if (!plan.create.length && !plan.remove.length && isRollingUpdate(ds)) plan = rollingUpdate(ds, nodes, byNode, hash, d.clock.now());
      await execute(d, key, ds, plan, hash, signal);
    } catch (e) {
      error = e;
    }
  }
  await truncateHistory(d, ds, pods, revisions, hash, signal);
  const pending = await writeStatus(d, ds, nodes, byNode, hash, collisionCount, signal);
  if (error) throw error;
  const wait = Math.min(requeueAfterMs ?? Infinity, pending ?? Infinity);
  return Number.isFinite(wait) ? { requeueAfterMs: wait } : undefined;
}

/** Writes the status; returns when a ready pod becomes available (ms from now), if one will. */
async function writeStatus(d: DaemonSetSyncDeps, ds: DaemonSet, nodes: readonly KubeObject[], byNode: ReadonlyMap<string, KubeObject[]>, hash: string, collisionCount: number, signal: AbortSignal): Promise<number | undefined> {
  const now = d.clock.now();
  const minReady = minReadySeconds(ds);
  const podSpec = templatePodSpec(ds);
  let desired = 0;
  let scheduled = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  let pending: number | undefined;
  for (const node of nodes) {
    const pods = [...(byNode.get(String(node.metadata.name)) ?? [])].sort(byCreationAndPhase);
    if (!nodeShouldRunDaemonPod(podSpec, node).shouldRun) {
      if (pods.length) misscheduled++;
      continue;
    }
    desired++;
    const pod = pods[0];
    if (!pod) continue;
    scheduled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
      else {
        const at = availableAt(pod, minReady);
        if (at !== undefined) pending = Math.min(pending ?? Infinity, at - now + 1);
      }
    }
    if (isPodUpdated(pod, hash)) updated++;
  }
  const st: Record<string, unknown> = {
    ...(asObject(ds.status) ?? {}),
    currentNumberScheduled: scheduled,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    observedGeneration: int(ds.metadata.generation, 0),
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
  if (collisionCount > 0) st.collisionCount = collisionCount;
  for (const k of ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable']) if (st[k] === 0) delete st[k];
  if (JSON.stringify(st) !== JSON.stringify(asObject(ds.status) ?? {})) {
    try {
      await d.daemonSets.updateStatus({ ...ds, status: st }, { signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  return pending;
}

/** Deletes the oldest revisions no pod uses beyond revisionHistoryLimit. */
async function truncateHistory(d: DaemonSetSyncDeps, ds: DaemonSet, pods: readonly KubeObject[], revisions: readonly Revision[], hash: string, signal: AbortSignal): Promise<void> {
  const live = new Set([hash, ...pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH])]);
  const old = sortRevisions(revisions).filter((r) => !live.has(r.metadata.labels?.[CONTROLLER_REVISION_HASH]));
  const limit = int(dsSpec(ds).revisionHistoryLimit, 10);
  for (const r of old.slice(0, Math.max(0, old.length - limit))) {
    try {
      await d.revisions.delete(r.metadata.namespace, String(r.metadata.name), { signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
