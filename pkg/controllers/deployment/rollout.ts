// One sync of one Deployment (upstream's deployment controller logic): find or create the new
// ReplicaSet for the current template (pod-template-hash, revision), then roll out — RollingUpdate
// within maxSurge/maxUnavailable, or Recreate — or only scale (paused, or replicas changed: spread
// proportionally), keep revisionHistoryLimit old ReplicaSets, and write status and conditions.
import type { KubeObject } from '../../api/types';
import { asObject } from '../../api/validation/json';
import type { Clock } from '../../client/clock';
import { isAlreadyExists, isForbidden, isNotFound } from '../../client/errors';
import type { ResourceClient } from '../../client/rest-client';
import type { Logger } from '../../log/logger';
import { controllerRef, controllerRefOf, int, podPhase } from '../internal/pods';
import {
  POD_TEMPLATE_HASH, REASON, REVISION, activeOf, annotatedInt, byCreation, byRevision, equalIgnoreHash, getCondition, isRollingUpdate, jsonEqual, maxRevision, maxSurge,
  maxUnavailable, newCondition, podTemplateHash, progressDeadlineSeconds, removeCondition, replicasOf, setCondition, setNewReplicaSetAnnotations,
  setReplicasAnnotations, spec, status, statusCount, sum, DESIRED_REPLICAS, MAX_REPLICAS, type Obj,
} from './deployment-util';
import { calculateStatus, isComplete, isProgressing, isTimedOut, stuckRequeue } from './rollout-status';

export interface RolloutDeps {
  readonly deployments: ResourceClient<Obj>;
  readonly replicaSets: ResourceClient<Obj>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

export interface SyncResult {
  /** Look again after this long (progress deadline). */
  readonly requeueAfterMs?: number;
}

export class DeploymentRollout {
  /** The deployment as last written by this sync. */
  d: Obj;

  constructor(d: Obj, private readonly deps: RolloutDeps, private rsList: Obj[], private readonly pods: readonly KubeObject[]) {
    this.d = structuredClone(d);
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private async writeStatus(st: Record<string, unknown>): Promise<void> {
    this.d = await this.deps.deployments.updateStatus({ ...this.d, status: st }, { signal: this.deps.signal });
  }

  // ---- the new ReplicaSet

  private findNew(): Obj | undefined {
    return [...this.rsList].sort(byCreation).find((rs) => equalIgnoreHash(spec(rs).template, spec(this.d).template));
  }

  /** [new ReplicaSet or undefined, old ones]; creates the new one when asked and missing. */
  async allReplicaSets(create: boolean): Promise<[Obj | undefined, Obj[]]> {
    const existing = this.findNew();
    const old = this.rsList.filter((rs) => rs !== existing);
    const revision = maxRevision(old) + 1;
    const d = this.d;
    const st = structuredClone(status(d));
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, revision, true);
      const minReady = int(spec(d).minReadySeconds, 0);
      let rs: Obj = existing;
      if (annotationsChanged || int(spec(copy).minReadySeconds, 0) !== minReady) {
        rs = await this.deps.replicaSets.update({ ...copy, spec: { ...spec(copy), minReadySeconds: minReady } }, { signal: this.deps.signal });
        this.replace(existing, rs);
      }
      const rev = rs.metadata.annotations?.[REVISION];
      let changed = false;
      const annotations = { ...(d.metadata.annotations ?? {}) };
      if (rev && annotations[REVISION] !== rev) {
        annotations[REVISION] = rev;
        changed = true;
      }
      if (!getCondition(st, 'Progressing') && progressDeadlineSeconds(d) !== undefined) {
        setCondition(st, newCondition('Progressing', 'True', REASON.foundNewRS, `Found new replica set "${rs.metadata.name}"`, this.now()));
        changed = true;
      }
      if (changed) this.d = await this.deps.deployments.updateStatus({ ...d, metadata: { ...d.metadata, annotations }, status: st }, { signal: this.deps.signal });
      return [rs, old];
    }
    if (!create) return [undefined, old];

    const collisionCount = int(st.collisionCount, 0);
    const template = structuredClone(asObject(spec(d).template) ?? {});
    const hash = podTemplateHash(template, collisionCount);
    const meta = (template.metadata = asObject(template.metadata) ?? {});
    meta.labels = { ...(asObject(meta.labels) ?? {}), [POD_TEMPLATE_HASH]: hash };
    const selector = structuredClone(asObject(spec(d).selector) ?? {});
    selector.matchLabels = { ...(asObject(selector.matchLabels) ?? {}), [POD_TEMPLATE_HASH]: hash };
    const fresh: Obj = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace, labels: { ...(meta.labels as Record<string, string>) }, ownerReferences: [controllerRef(d, 'apps/v1', 'Deployment')] },
      spec: { replicas: 0, minReadySeconds: int(spec(d).minReadySeconds, 0), selector, template },
    };
    fresh.spec!.replicas = this.newReplicas([...old, fresh], fresh);
    setNewReplicaSetAnnotations(d, fresh, revision, false);
    let rs: Obj;
    let alreadyExisted = false;
    try {
      rs = await this.deps.replicaSets.create(fresh, { signal: this.deps.signal });
    } catch (e) {
      if (isAlreadyExists(e)) {
        const other = await this.deps.replicaSets.get(d.metadata.namespace, String(fresh.metadata.name), { signal: this.deps.signal });
        if (controllerRefOf(other)?.uid === d.metadata.uid && equalIgnoreHash(spec(other).template, spec(d).template)) {
          // Our own, not yet in the cache.
          rs = other;
          alreadyExisted = true;
        } else {
          // A different ReplicaSet has this name: hash again with a higher collision count.
          st.collisionCount = collisionCount + 1;
          await this.writeStatus(st);
          throw new Error(`pod-template-hash collision for ${d.metadata.name} (${fresh.metadata.name}); retrying with collisionCount ${collisionCount + 1}`);
        }
      } else {
        if (isForbidden(e)) throw e;
        if (progressDeadlineSeconds(d) !== undefined) {
          setCondition(st, newCondition('Progressing', 'False', REASON.failedRSCreate, `Failed to create new replica set "${fresh.metadata.name}": ${e instanceof Error ? e.message : String(e)}`, this.now()));
          await this.writeStatus(st);
        }
        throw e;
      }
    }
    this.rsList = [...this.rsList, rs];
    const annotations = { ...(d.metadata.annotations ?? {}), [REVISION]: String(revision) };
    if (!alreadyExisted && progressDeadlineSeconds(d) !== undefined) {
      setCondition(st, newCondition('Progressing', 'True', REASON.newRSCreated, `Created new replica set "${rs.metadata.name}"`, this.now()));
    }
    this.d = await this.deps.deployments.updateStatus({ ...d, metadata: { ...d.metadata, annotations }, status: st }, { signal: this.deps.signal });
    this.deps.log.info('created replica set', { deployment: `${d.metadata.namespace}/${d.metadata.name}`, replicaSet: rs.metadata.name, revision });
    return [rs, old];
  }

  private replace(old: Obj, next: Obj): void {
    this.rsList = this.rsList.map((rs) => (rs === old ? next : rs));
  }

  /** How many replicas the new ReplicaSet may have now. */
  private newReplicas(all: readonly Obj[], rs: Obj): number {
    const want = replicasOf(this.d);
    if (!isRollingUpdate(this.d)) return want;
    const current = sum(all, replicasOf);
    const maxTotal = want + maxSurge(this.d);
    if (current >= maxTotal) return replicasOf(rs);
    return replicasOf(rs) + Math.min(maxTotal - current, want - replicasOf(rs));
  }

  /** Sets `rs` to `size` replicas (and the desired/max annotations); true when the size changed. */
  private async scaleTo(rs: Obj, size: number): Promise<boolean> {
    const copy = structuredClone(rs);
    const sized = replicasOf(rs) !== size;
    const annotated = setReplicasAnnotations(copy, replicasOf(this.d), replicasOf(this.d) + maxSurge(this.d));
    if (!sized && !annotated) return false;
    const next = await this.deps.replicaSets.update({ ...copy, spec: { ...spec(copy), replicas: size } }, { signal: this.deps.signal });
    this.replace(rs, next);
    if (sized) this.deps.log.info(`scaled ${size > replicasOf(rs) ? 'up' : 'down'} replica set`, { replicaSet: `${rs.metadata.namespace}/${rs.metadata.name}`, from: replicasOf(rs), to: size });
    return sized;
  }

  private current(rs: Obj | undefined): Obj | undefined {
    return rs && this.rsList.find((x) => x.metadata.uid === rs.metadata.uid);
  }

  // ---- strategies

  async rolling(): Promise<SyncResult> {
    let [newRS, old] = await this.allReplicaSets(true);
    if (await this.reconcileNew(newRS!, old)) return this.syncRolloutStatus();
    newRS = this.current(newRS);
    old = old.map((o) => this.current(o)!).filter(Boolean);
    if (await this.reconcileOld(newRS!, activeOf(old))) return this.syncRolloutStatus();
    const result = await this.syncRolloutStatus();
    if (isComplete(this.d, status(this.d))) await this.cleanup(old.map((o) => this.current(o)!).filter(Boolean));
    return result;
  }

  private async reconcileNew(newRS: Obj, old: Obj[]): Promise<boolean> {
    const want = replicasOf(this.d);
    if (replicasOf(newRS) === want) return false;
    if (replicasOf(newRS) > want) return this.scaleTo(newRS, want);
    return this.scaleTo(newRS, this.newReplicas([...old, newRS], newRS));
  }

  private async reconcileOld(newRS: Obj, oldActive: Obj[]): Promise<boolean> {
    if (sum(oldActive, replicasOf) === 0) return false;
    const all = [...oldActive, newRS];
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const newUnavailable = replicasOf(newRS) - statusCount(newRS, 'availableReplicas');
    const maxScaledDown = sum(all, replicasOf) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // First the old pods that are not available anyway, then the available ones within maxUnavailable.
    let cleaned = 0;
    for (const rs of [...oldActive].sort(byCreation)) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = replicasOf(rs) - statusCount(rs, 'availableReplicas');
      if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
      const n = Math.min(maxScaledDown - cleaned, unhealthy);
      await this.scaleTo(rs, replicasOf(rs) - n);
      cleaned += n;
    }
    const olds = oldActive.map((o) => this.current(o)!);
    const available = sum([...olds, this.current(newRS)!], (rs) => statusCount(rs, 'availableReplicas'));
    let scaled = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of [...olds].sort(byCreation)) {
        if (scaled >= total) break;
        if (replicasOf(rs) === 0) continue;
        const n = Math.min(replicasOf(rs), total - scaled);
        await this.scaleTo(rs, replicasOf(rs) - n);
        scaled += n;
      }
    }
    return cleaned + scaled > 0;
  }

  async recreate(): Promise<SyncResult> {
    let [newRS, old] = await this.allReplicaSets(false);
    let scaledDown = false;
    for (const rs of activeOf(old)) if (await this.scaleTo(rs, 0)) scaledDown = true;
    if (scaledDown) return this.syncRolloutStatus();
    if (this.oldPodsRunning(newRS)) return this.syncRolloutStatus();
    if (!newRS) [newRS, old] = await this.allReplicaSets(true);
    await this.scaleTo(newRS!, replicasOf(this.d));
    const result = await this.syncRolloutStatus();
    if (isComplete(this.d, status(this.d))) await this.cleanup(old.map((o) => this.current(o)!).filter(Boolean));
    return result;
  }

  /** Whether pods of old ReplicaSets may still run (Recreate waits for them to be gone). */
  private oldPodsRunning(newRS: Obj | undefined): boolean {
    const old = this.rsList.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
    if (old.some((rs) => statusCount(rs, 'replicas') > 0)) return true;
    const oldUids = new Set(old.map((rs) => rs.metadata.uid));
    return this.pods.some((p) => oldUids.has(controllerRefOf(p)?.uid) && podPhase(p) !== 'Failed' && podPhase(p) !== 'Succeeded');
  }

  // ---- scaling without a rollout

  /** Whether spec.replicas changed since the active ReplicaSets were sized. */
  async isScalingEvent(): Promise<boolean> {
    const [newRS, old] = await this.allReplicaSets(false);
    return activeOf([...old, ...(newRS ? [newRS] : [])]).some((rs) => {
      const desired = annotatedInt(rs, DESIRED_REPLICAS);
      return desired !== undefined && desired !== replicasOf(this.d);
    });
  }

  /** Paused deployments and scaling events: resize without rolling out. */
  async sync(): Promise<SyncResult> {
    const [newRS, old] = await this.allReplicaSets(false);
    await this.scale(newRS, old);
    const newNow = this.current(newRS);
    const oldNow = old.map((o) => this.current(o)!).filter(Boolean);
    if (spec(this.d).paused === true && isComplete(this.d, status(this.d))) await this.cleanup(oldNow);
    await this.syncStatusOnly(newNow, oldNow);
    return {};
  }

  private async scale(newRS: Obj | undefined, old: Obj[]): Promise<void> {
    const want = replicasOf(this.d);
    const newestOld = [...old].sort((a, b) => byCreation(b, a));
    const active = activeOf([...newestOld, ...(newRS ? [newRS] : [])]);
    const single = active.length === 1 ? active[0] : active.length === 0 ? (newRS ?? newestOld[0]) : undefined;
    if (single) {
      if (replicasOf(single) !== want) await this.scaleTo(single, want);
      return;
    }
    // The new ReplicaSet is complete: old ones go.
    if (newRS && replicasOf(newRS) === want && annotatedInt(newRS, DESIRED_REPLICAS) === want && statusCount(newRS, 'availableReplicas') === want) {
      for (const rs of activeOf(old)) await this.scaleTo(rs, 0);
      return;
    }
    if (!isRollingUpdate(this.d)) return;
    // Spread the difference over the active ReplicaSets in proportion to their size.
    const allowed = want > 0 ? want + maxSurge(this.d) : 0;
    const toAdd = allowed - sum(active, replicasOf);
    const sorted = [...active].sort((a, b) => replicasOf(b) - replicasOf(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
    const sizes = new Map<Obj, number>();
    let added = 0;
    for (const rs of sorted) {
      let proportion = 0;
      if (toAdd !== 0 && replicasOf(rs) > 0 && toAdd !== added) {
        const fraction = this.fraction(rs);
        proportion = toAdd > 0 ? Math.min(fraction, toAdd - added) : Math.max(fraction, toAdd - added);
      }
      sizes.set(rs, replicasOf(rs) + proportion);
      added += proportion;
    }
    if (toAdd !== 0 && sorted.length) sizes.set(sorted[0]!, Math.max(0, sizes.get(sorted[0]!)! + toAdd - added));
    for (const rs of sorted) await this.scaleTo(rs, sizes.get(rs)!);
  }

  private fraction(rs: Obj): number {
    const want = replicasOf(this.d);
    if (want === 0) return -replicasOf(rs);
    const deploymentReplicas = want + maxSurge(this.d);
    const annotated = annotatedInt(rs, MAX_REPLICAS) ?? statusCount(this.d, 'replicas');
    if (!annotated) return 0;
    return Math.round((replicasOf(rs) * deploymentReplicas) / annotated) - replicasOf(rs);
  }

  // ---- history

  private async cleanup(old: Obj[]): Promise<void> {
    const limit = spec(this.d).revisionHistoryLimit;
    if (typeof limit !== 'number') return;
    const cleanable = old.filter((rs) => !rs.metadata.deletionTimestamp).sort(byRevision);
    const excess = cleanable.length - limit;
    for (let i = 0; i < excess; i++) {
      const rs = cleanable[i]!;
      if (statusCount(rs, 'replicas') !== 0 || replicasOf(rs) !== 0 || int(rs.metadata.generation, 0) > statusCount(rs, 'observedGeneration')) continue;
      await this.deps.replicaSets.delete(rs.metadata.namespace, String(rs.metadata.name), { preconditions: { uid: rs.metadata.uid }, signal: this.deps.signal }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
      this.deps.log.info('deleted old replica set beyond revisionHistoryLimit', { replicaSet: `${rs.metadata.namespace}/${rs.metadata.name}`, revision: rs.metadata.annotations?.[REVISION] });
    }
  }

  // ---- status

  private async syncStatusOnly(newRS: Obj | undefined, old: Obj[]): Promise<void> {
    const st = calculateStatus(this.d, [...old, ...(newRS ? [newRS] : [])], newRS, this.now());
    if (!jsonEqual(st, status(this.d))) await this.writeStatus(st);
  }

  async statusOnly(): Promise<SyncResult> {
    const [newRS, old] = await this.allReplicaSets(false);
    await this.syncStatusOnly(newRS, old);
    return {};
  }

  private async syncRolloutStatus(): Promise<SyncResult> {
    const newRS = this.findNew();
    const st = calculateStatus(this.d, this.rsList, newRS, this.now());
    const deadline = progressDeadlineSeconds(this.d);
    if (deadline === undefined) removeCondition(st, 'Progressing');
    const cur = getCondition(st, 'Progressing');
    const done = int(st.replicas, 0) === int(st.updatedReplicas, 0) && cur?.reason === REASON.newRSAvailable;
    if (deadline !== undefined && !done) {
      if (isComplete(this.d, st)) {
        setCondition(st, newCondition('Progressing', 'True', REASON.newRSAvailable, `ReplicaSet "${newRS?.metadata.name}" has successfully progressed.`, this.now()));
      } else if (isProgressing(this.d, st)) {
        const c = newCondition('Progressing', 'True', REASON.rsUpdated, newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : 'Deployment is progressing.', this.now());
        if (cur?.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
        removeCondition(st, 'Progressing');
        setCondition(st, c);
      } else if (isTimedOut(this.d, st, this.now())) {
        setCondition(st, newCondition('Progressing', 'False', REASON.timedOut, `ReplicaSet "${newRS?.metadata.name}" has timed out progressing.`, this.now()));
      }
    }
    const failed = this.rsList.map((rs) => getCondition(status(rs), 'ReplicaFailure')).find((c) => c?.status === 'True');
    if (failed) setCondition(st, { ...failed, lastUpdateTime: failed.lastUpdateTime ?? failed.lastTransitionTime });
    else removeCondition(st, 'ReplicaFailure');
    if (!jsonEqual(st, status(this.d))) await this.writeStatus(st);
    return stuckRequeue(this.d, st, this.now());
  }

  /** Progressing=Unknown DeploymentPaused / DeploymentResumed as spec.paused changes. */
  async checkPaused(): Promise<void> {
    if (progressDeadlineSeconds(this.d) === undefined) return;
    const st = structuredClone(status(this.d));
    const c = getCondition(st, 'Progressing');
    if (c?.reason === REASON.timedOut) return;
    const pausedCond = c?.reason === REASON.paused;
    const paused = spec(this.d).paused === true;
    if (paused && !pausedCond) setCondition(st, newCondition('Progressing', 'Unknown', REASON.paused, 'Deployment is paused', this.now()));
    else if (!paused && pausedCond) setCondition(st, newCondition('Progressing', 'Unknown', REASON.resumed, 'Deployment is resumed', this.now()));
    else return;
    await this.writeStatus(st);
  }
}

