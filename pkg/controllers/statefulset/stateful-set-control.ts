// One sync of one StatefulSet (upstream's defaultStatefulSetControl): find or make the update
// revision, then walk the ordinals — create missing pods (their claims first), replace finished
// ones, scale down from the highest ordinal, and roll pods below the update revision from the
// highest ordinal down to the partition. OrderedReady waits for each pod to be Running and Ready
// before the next step; Parallel does all it can at once. Status counts replicas, ready,
// available, current and updated pods.
import type { KubeObject } from '../../api/types';
import { asObject, asString } from '../../api/validation/json';
import type { Clock } from '../../client/clock';
import { isAlreadyExists, isNotFound } from '../../client/errors';
import type { ResourceClient } from '../../client/rest-client';
import type { ReconcileResult } from '../../controller/controller-runner';
import type { Logger } from '../../log/logger';
import { availableAt, int } from '../internal/pods';
import { CONTROLLER_REVISION_HASH, REVISION_HASH_LABEL, createRevision, equalRevision, nextRevision, renumberRevision, sortRevisions, templateOf, templatePatch, type NewRevision, type Revision } from '../workloads/controller-history';
import {
  POD_INDEX_LABEL,
  POD_NAME_LABEL,
  collisionCountOf,
  identityMatches,
  isFinished,
  isHealthy,
  isParallel,
  isRunningAndAvailable,
  isRunningAndReady,
  isTerminating,
  minReadySeconds,
  ordinalOf,
  ordinalStart,
  ownerRefTo,
  partitionOf,
  podRevision,
  replicasOf,
  retention,
  setSpec,
  statefulClaims,
  statefulPod,
  updateStrategyType,
  type StatefulSet,
} from './stateful-set-util';

export interface StatefulSetControlDeps {
  readonly sets: ResourceClient<StatefulSet>;
  readonly pods: ResourceClient;
  readonly claims: ResourceClient;
  readonly revisions: ResourceClient<Revision>;
  /** The claim of that name from the cache, if any. */
  readonly cachedClaim: (namespace: string, name: string) => KubeObject | undefined;
  readonly clock: Clock;
  readonly log: Logger;
}

interface Revisions {
  readonly current: Revision;
  readonly update: Revision;
  readonly collisionCount: number;
}

/** The current and update revisions, creating or renumbering the update revision as needed. */
async function revisionsOf(d: StatefulSetControlDeps, set: StatefulSet, revisions: readonly Revision[], signal: AbortSignal): Promise<Revisions> {
  const sorted = sortRevisions(revisions);
  const labels = { ...((asObject(asObject(asObject(setSpec(set).template)?.metadata)?.labels) as Record<string, string> | undefined) ?? {}) };
  const n: NewRevision = { owner: set, ownerApiVersion: 'apps/v1', ownerKind: 'StatefulSet', data: templatePatch(setSpec(set).template), labels, revision: nextRevision(sorted), hashLabel: REVISION_HASH_LABEL };
  let collisionCount = collisionCountOf(set);
  const probe: Revision = { metadata: {}, data: n.data };
  const equal = sorted.filter((r) => equalRevision(r, probe));
  let update: Revision;
  if (equal.length && sorted[sorted.length - 1] === equal[equal.length - 1]) update = equal[equal.length - 1]!;
  else if (equal.length) update = await renumberRevision(d.revisions, equal[equal.length - 1]!, n.revision, signal);
  else ({ revision: update, collisionCount } = await createRevision(d.revisions, n, collisionCount, signal));
  const currentName = asString(asObject(set.status)?.currentRevision);
  const current = sorted.find((r) => r.metadata.name === currentName) ?? update;
  return { current, update, collisionCount };
}

export async function syncStatefulSet(d: StatefulSetControlDeps, set: StatefulSet, pods: readonly KubeObject[], revisions: readonly Revision[], signal: AbortSignal): Promise<ReconcileResult | void> {
  const rev = await revisionsOf(d, set, revisions, signal);
  let result: ReconcileResult | void = undefined;
  let error: unknown;
  if (!set.metadata.deletionTimestamp) {
    try {
      result = await updatePods(d, set, pods, rev, signal);
    } catch (e) {
      error = e;
    }
  }
  await writeStatus(d, set, pods, rev, signal);
  await truncateHistory(d, set, pods, revisions, rev, signal);
  if (error) throw error;
  return result;
}

async function deletePod(d: StatefulSetControlDeps, pod: KubeObject, signal: AbortSignal): Promise<void> {
  try {
    await d.pods.delete(pod.metadata.namespace, String(pod.metadata.name), { preconditions: { uid: pod.metadata.uid }, signal });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Creates the claims of `ordinal` the cache does not have, then the pod. */
async function createPod(d: StatefulSetControlDeps, set: StatefulSet, pod: KubeObject, ordinal: number, signal: AbortSignal): Promise<void> {
  for (const claim of statefulClaims(set, ordinal)) {
    if (d.cachedClaim(String(set.metadata.namespace), String(claim.metadata.name))) continue;
    try {
      await d.claims.create(claim, { signal });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
  try {
    await d.pods.create(pod, { signal });
  } catch (e) {
    // Still terminating under the same name, or created by a sync the cache has not shown yet.
    if (!isAlreadyExists(e)) throw e;
  }
}

async function updatePods(d: StatefulSetControlDeps, set: StatefulSet, pods: readonly KubeObject[], rev: Revisions, signal: AbortSignal): Promise<ReconcileResult | void> {
  const start = ordinalStart(set);
  const count = replicasOf(set);
  const monotonic = !isParallel(set);
  const byOrdinal = new Map<number, KubeObject>();
  const condemned: KubeObject[] = [];
  for (const p of pods) {
    const ord = ordinalOf(set, p);
    if (ord < 0) continue;
    if (ord >= start && ord < start + count) byOrdinal.set(ord, p);
    else condemned.push(p);
  }
  condemned.sort((a, b) => ordinalOf(set, b) - ordinalOf(set, a));
  const rolling = updateStrategyType(set) === 'RollingUpdate';
  const partition = partitionOf(set);
  const currentTemplate = templateOf(rev.current);
  const updateTemplate = templateOf(rev.update);
  /** Below the partition new pods keep the current revision; OnDelete and the rest get the update. */
  const newPod = (ord: number) => (rolling && ord - start < partition ? statefulPod(set, currentTemplate, String(rev.current.metadata.name), ord) : statefulPod(set, updateTemplate, String(rev.update.metadata.name), ord));
  const minReady = minReadySeconds(set);
  const now = d.clock.now();
  let requeueAfterMs: number | undefined;
  const waitAvailable = (p: KubeObject) => {
    if (minReady <= 0 || isRunningAndAvailable(p, minReady, now)) return false;
    const at = availableAt(p, minReady);
    if (at !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, Math.max(1, at - now + 1));
    return true;
  };
  const done = (): ReconcileResult | void => (requeueAfterMs !== undefined ? { requeueAfterMs } : undefined);

  // Pods of the wanted ordinals, lowest first.
  for (let ord = start; ord < start + count; ord++) {
    const pod = byOrdinal.get(ord);
    if (pod && isFinished(pod)) {
      if (!isTerminating(pod)) {
        d.log.info('recreating a finished stateful pod', { statefulset: set.metadata.name, pod: pod.metadata.name });
        await deletePod(d, pod, signal);
      }
      if (monotonic) return done();
      continue;
    }
    if (!pod) {
      await createPod(d, set, newPod(ord), ord, signal);
      if (monotonic) return done();
      continue;
    }
    if (isTerminating(pod)) {
      if (monotonic) return done();
      continue;
    }
    if (!isRunningAndReady(pod) || waitAvailable(pod)) {
      if (monotonic) return done();
      continue;
    }
    if (!identityMatches(set, pod, ord)) {
      await d.pods.patch(pod.metadata.namespace, String(pod.metadata.name), 'merge', { metadata: { labels: { [POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ord) } } }, { signal });
    }
  }

  // Scale down, highest ordinal first.
  const firstUnhealthy = [...[...byOrdinal.values()].sort((a, b) => ordinalOf(set, a) - ordinalOf(set, b)), ...[...condemned].reverse()].find((p) => !isHealthy(p));
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return done();
      continue;
    }
    if (monotonic && !isRunningAndReady(pod) && pod !== firstUnhealthy) return done();
    if (retention(set).whenScaled === 'Delete') await ownClaimsByPod(d, set, pod, signal);
    d.log.debug('deleting a stateful pod for scale down', { statefulset: set.metadata.name, pod: pod.metadata.name });
    await deletePod(d, pod, signal);
    if (monotonic) return done();
  }

  if (!rolling) return done();
  // Rolling update: the highest ordinal not at the update revision goes first, down to the partition.
  for (let ord = start + count - 1; ord >= start + partition; ord--) {
    const pod = byOrdinal.get(ord);
    if (!pod) continue;
    if (podRevision(pod) !== rev.update.metadata.name && !isTerminating(pod)) {
      d.log.debug('deleting a stateful pod for update', { statefulset: set.metadata.name, pod: pod.metadata.name });
      await deletePod(d, pod, signal);
      return done();
    }
    if (!isHealthy(pod) || waitAvailable(pod)) return done();
  }
  return done();
}

/** whenScaled: Delete — the claims of a pod about to go get the pod as owner, so they go with it. */
async function ownClaimsByPod(d: StatefulSetControlDeps, set: StatefulSet, pod: KubeObject, signal: AbortSignal): Promise<void> {
  const ord = ordinalOf(set, pod);
  for (const claim of statefulClaims(set, ord)) {
    const cached = d.cachedClaim(String(set.metadata.namespace), String(claim.metadata.name));
    if (!cached || (cached.metadata.ownerReferences ?? []).some((r) => r.uid === pod.metadata.uid)) continue;
    const refs = [...(cached.metadata.ownerReferences ?? []), ownerRefTo(pod, 'v1', 'Pod')];
    try {
      // An update (the controller's role may not patch claims), conditional on the cached version.
      await d.claims.update({ ...cached, metadata: { ...cached.metadata, ownerReferences: refs } }, { signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

async function writeStatus(d: StatefulSetControlDeps, set: StatefulSet, pods: readonly KubeObject[], rev: Revisions, signal: AbortSignal): Promise<void> {
  const now = d.clock.now();
  const minReady = minReadySeconds(set);
  const live = pods.filter((p) => !isTerminating(p));
  const st: Record<string, unknown> = {
    ...(asObject(set.status) ?? {}),
    observedGeneration: int(set.metadata.generation, 0),
    replicas: pods.length,
    readyReplicas: pods.filter(isRunningAndReady).length,
    availableReplicas: pods.filter((p) => isRunningAndAvailable(p, minReady, now)).length,
    currentReplicas: live.filter((p) => podRevision(p) === rev.current.metadata.name).length,
    updatedReplicas: live.filter((p) => podRevision(p) === rev.update.metadata.name).length,
    currentRevision: rev.current.metadata.name,
    updateRevision: rev.update.metadata.name,
    collisionCount: rev.collisionCount,
  };
  // A finished rolling update: the update revision becomes the current one.
  if (updateStrategyType(set) === 'RollingUpdate' && st.updatedReplicas === st.replicas && st.readyReplicas === st.replicas) {
    st.currentReplicas = st.updatedReplicas;
    st.currentRevision = st.updateRevision;
  }
  for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas']) if (st[k] === 0) delete st[k];
  if (JSON.stringify(st) === JSON.stringify(asObject(set.status) ?? {})) return;
  try {
    await d.sets.updateStatus({ ...set, status: st }, { signal });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Deletes the oldest revisions no pod uses beyond revisionHistoryLimit. */
async function truncateHistory(d: StatefulSetControlDeps, set: StatefulSet, pods: readonly KubeObject[], revisions: readonly Revision[], rev: Revisions, signal: AbortSignal): Promise<void> {
  const live = new Set([rev.current.metadata.name, rev.update.metadata.name, ...pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH])]);
  const old = sortRevisions(revisions).filter((r) => !live.has(r.metadata.name));
  const limit = int(setSpec(set).revisionHistoryLimit, 10);
  for (const r of old.slice(0, Math.max(0, old.length - limit))) {
    try {
      await d.revisions.delete(r.metadata.namespace, String(r.metadata.name), { signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
