// ReplicaSets (and ReplicationControllers, the same loop over core/v1): keep spec.replicas active
// pods matching the selector. Missing or failed pods are replaced at once (creations in slow-start
// batches 1, 2, 4, … stopping at the first failure); surplus pods go, least useful first. Orphans
// that match the selector are adopted, owned pods that stop matching are released. Status counts
// replicas, fully labeled, ready and available pods.
import type { KubeObject } from '../../api/types';
import { fromLabelSelector, type LabelSelector, type LabelSelectorJson } from '../../api/selectors';
import { asArray, asObject } from '../../api/validation/json';
import { isConflict, isForbidden, isInvalid, isNotFound } from '../../client/errors';
import { NAMESPACE_INDEX, objectKey } from '../../client/indexer';
import { RESOURCES, type ResourceRef } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { Expectations } from '../../controller/expectations';
import { availableAt, compareForDeletion, controllerRef, controllerRefOf, int, isPodActive, isPodAvailable, isPodReady, podFromTemplate } from '../internal/pods';

export const REPLICASET_CONTROLLER = 'replicaset';
export const REPLICATIONCONTROLLER_CONTROLLER = 'replicationcontroller';
/** At most this many creations or deletions per reconcile (upstream's burstReplicas). */
const BURST = 500;

export interface ReplicatedKind {
  readonly controllerName: string;
  readonly ref: ResourceRef;
  readonly apiVersion: string;
  /** The pods an object selects. */
  selector(obj: KubeObject): LabelSelector;
}

export const REPLICA_SET_KIND: ReplicatedKind = Object.freeze({
  controllerName: REPLICASET_CONTROLLER,
  ref: RESOURCES.replicasets,
  apiVersion: 'apps/v1',
  selector: (rs: KubeObject) => fromLabelSelector(asObject(rs.spec)?.selector as LabelSelectorJson | undefined),
});

export const REPLICATION_CONTROLLER_KIND: ReplicatedKind = Object.freeze({
  controllerName: REPLICATIONCONTROLLER_CONTROLLER,
  ref: Object.freeze({ group: '', version: 'v1', resource: 'replicationcontrollers', kind: 'ReplicationController', namespaced: true }),
  apiVersion: 'v1',
  selector: (rc: KubeObject) => {
    const spec = asObject(rc.spec) ?? {};
    const labels = (asObject(spec.selector) ?? asObject(asObject(asObject(spec.template)?.metadata)?.labels) ?? {}) as Record<string, string>;
    return fromLabelSelector({ matchLabels: labels });
  },
});

function namespaceTerminating(e: unknown): boolean {
  return isForbidden(e) && ((e as { details?: { causes?: { reason?: string }[] } }).details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
}

/** Runs `fn` `count` times in batches of 1, 2, 4…; stops after the first batch with a failure. */
export async function slowStart(count: number, fn: () => Promise<void>): Promise<{ succeeded: number; error?: unknown }> {
  let succeeded = 0;
  let remaining = count;
  for (let batch = Math.min(1, remaining); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, fn));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    succeeded += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { succeeded, error: failed.reason };
    remaining -= batch;
  }
  return { succeeded };
}

export function replicatedController(kind: ReplicatedKind): (ctx: ControllerContext) => Controller {
  return (ctx) => {
    const owners = ctx.informers.informerFor(kind.ref);
    const podInformer = ctx.informers.informerFor(RESOURCES.pods);
    const ownersApi = ctx.client.resource(kind.ref);
    const podsApi = ctx.client.resource(RESOURCES.pods);
    const expectations = new Expectations(ctx.clock);
    const controller = new QueueController({ name: kind.controllerName, workers: 5, ctx, informers: [owners, podInformer], reconcile });
    const minReady = (o: KubeObject) => int(asObject(o.spec)?.minReadySeconds, 0);

    /** The owner a controller reference points at, if it is one of ours and still the same object. */
    const resolve = (namespace: string, pod: KubeObject) => {
      const ref = controllerRefOf(pod);
      if (!ref || ref.kind !== kind.ref.kind) return undefined;
      const o = owners.indexer.getByName(namespace, ref.name);
      return o && o.metadata.uid === ref.uid ? o : undefined;
    };
    const selecting = (pod: KubeObject) =>
      owners.indexer.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '').filter((o) => {
        try {
          return kind.selector(o).matches(pod.metadata.labels);
        } catch {
          return false;
        }
      });
    const podDeleted = (pod: KubeObject) => {
      const o = resolve(pod.metadata.namespace ?? '', pod);
      if (!o) return;
      expectations.deletionObserved(objectKey(o), objectKey(pod));
      controller.enqueue(o);
    };

    owners.addEventHandler({ add: (o) => controller.enqueue(o), update: (_old, o) => controller.enqueue(o), delete: (o) => controller.enqueue(o) });
    podInformer.addEventHandler({
      add(pod) {
        if (pod.metadata.deletionTimestamp) return podDeleted(pod);
        const o = resolve(pod.metadata.namespace ?? '', pod);
        if (o) {
          expectations.creationObserved(objectKey(o));
          return controller.enqueue(o);
        }
        if (!controllerRefOf(pod)) for (const m of selecting(pod)) controller.enqueue(m);
      },
      update(old, pod) {
        if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {});
        if (pod.metadata.deletionTimestamp) {
          podDeleted(pod);
          if (labelsChanged) podDeleted(old);
          return;
        }
        const ns = pod.metadata.namespace ?? '';
        const oldRef = controllerRefOf(old);
        const ref = controllerRefOf(pod);
        const refChanged = JSON.stringify(oldRef) !== JSON.stringify(ref);
        if (refChanged && oldRef) {
          const o = resolve(ns, old);
          if (o) controller.enqueue(o);
        }
        const o = resolve(ns, pod);
        if (o) {
          controller.enqueue(o);
          const mr = minReady(o);
          if (mr > 0 && !isPodReady(old) && isPodReady(pod)) controller.queue.addAfter(objectKey(o), mr * 1000);
          return;
        }
        if (!ref && (labelsChanged || refChanged)) for (const m of selecting(pod)) controller.enqueue(m);
      },
      delete: podDeleted,
    });

    async function patchPod(pod: KubeObject, ops: unknown[], signal: AbortSignal): Promise<KubeObject | undefined> {
      try {
        return await podsApi.patch(pod.metadata.namespace, String(pod.metadata.name), 'json', ops, { signal });
      } catch (e) {
        // Gone, or changed since the cache saw it (the test op failed): the next event decides.
        if (isNotFound(e) || isInvalid(e) || isConflict(e)) return undefined;
        throw e;
      }
    }

    /** Pods this owner controls after adopting matching orphans and releasing owned pods that no longer match. */
    async function claim(owner: KubeObject, selector: LabelSelector, pods: readonly KubeObject[], signal: AbortSignal): Promise<KubeObject[]> {
      const uid = owner.metadata.uid;
      const owned: KubeObject[] = [];
      let mayAdopt: boolean | undefined;
      for (const pod of pods) {
        const ref = controllerRefOf(pod);
        const rv = { op: 'test', path: '/metadata/resourceVersion', value: pod.metadata.resourceVersion };
        if (ref) {
          if (ref.uid !== uid) continue;
          if (selector.matches(pod.metadata.labels)) owned.push(pod);
          else if (!owner.metadata.deletionTimestamp && !pod.metadata.deletionTimestamp) {
            const rest = (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
            await patchPod(pod, [rv, rest.length ? { op: 'replace', path: '/metadata/ownerReferences', value: rest } : { op: 'remove', path: '/metadata/ownerReferences' }], signal);
          }
          continue;
        }
        if (owner.metadata.deletionTimestamp || pod.metadata.deletionTimestamp || !selector.matches(pod.metadata.labels)) continue;
        // Adopt only if the owner, read fresh, is still this object and not being deleted.
        mayAdopt ??= await ownersApi.get(owner.metadata.namespace, String(owner.metadata.name), { signal }).then(
          (fresh) => fresh.metadata.uid === uid && !fresh.metadata.deletionTimestamp,
          (e: unknown) => (isNotFound(e) ? false : Promise.reject(e)),
        );
        if (!mayAdopt) continue;
        const ownerRef = controllerRef(owner, kind.apiVersion, kind.ref.kind);
        const add = pod.metadata.ownerReferences?.length ? { op: 'add', path: '/metadata/ownerReferences/-', value: ownerRef } : { op: 'add', path: '/metadata/ownerReferences', value: [ownerRef] };
        const adopted = await patchPod(pod, [rv, add], signal);
        if (adopted) owned.push(adopted);
      }
      return owned;
    }

    async function manage(owner: KubeObject, key: string, active: KubeObject[], signal: AbortSignal): Promise<void> {
      const want = int(asObject(owner.spec)?.replicas, 1);
      const diff = active.length - want;
      if (diff < 0) {
        const n = Math.min(-diff, BURST);
        expectations.expect(key, n);
        const ref = controllerRef(owner, kind.apiVersion, kind.ref.kind);
        const template = asObject(owner.spec)?.template;
        const r = await slowStart(n, async () => {
          try {
            await podsApi.create(podFromTemplate(template, owner, ref), { signal });
          } catch (e) {
            if (namespaceTerminating(e)) return;
            throw e;
          }
        });
        if (r.succeeded < n) expectations.lowerCreations(key, n - r.succeeded);
        if (r.error) throw r.error;
        ctx.log.debug('created pods', { [kind.ref.kind]: key, count: r.succeeded });
      } else if (diff > 0) {
        const victims = [...active].sort(compareForDeletion).slice(0, Math.min(diff, BURST));
        expectations.expect(key, 0, victims.map(objectKey));
        const results = await Promise.allSettled(victims.map((p) => podsApi.delete(p.metadata.namespace, String(p.metadata.name), { preconditions: { uid: p.metadata.uid }, signal })));
        let error: unknown;
        results.forEach((r, i) => {
          if (r.status === 'fulfilled' || isNotFound(r.reason)) return;
          expectations.deletionObserved(key, objectKey(victims[i]!));
          error ??= r.reason;
        });
        if (error) throw error;
        ctx.log.debug('deleted pods', { [kind.ref.kind]: key, count: victims.length });
      }
    }

    function status(owner: KubeObject, active: KubeObject[], failure: unknown): Record<string, unknown> {
      const now = ctx.clock.now();
      const mr = minReady(owner);
      const templateLabels = (asObject(asObject(asObject(owner.spec)?.template)?.metadata)?.labels ?? {}) as Record<string, string>;
      const prev = asObject(owner.status) ?? {};
      const conditions = (asArray(prev.conditions) ?? []).filter((c) => asObject(c)?.type !== 'ReplicaFailure');
      if (failure && !namespaceTerminating(failure)) {
        const old = (asArray(prev.conditions) ?? []).find((c) => asObject(c)?.type === 'ReplicaFailure') as Record<string, unknown> | undefined;
        conditions.push(old ?? { type: 'ReplicaFailure', status: 'True', lastTransitionTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), reason: 'FailedCreate', message: failure instanceof Error ? failure.message : String(failure) });
      }
      const s: Record<string, unknown> = {
        replicas: active.length,
        fullyLabeledReplicas: active.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
        readyReplicas: active.filter(isPodReady).length,
        availableReplicas: active.filter((p) => isPodAvailable(p, mr, now)).length,
        observedGeneration: owner.metadata.generation ?? 0,
      };
      if (conditions.length) s.conditions = conditions;
      return s;
    }

    async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
      const owner = owners.indexer.get(key);
      if (!owner) {
        expectations.delete(key);
        return;
      }
      const selector = kind.selector(owner);
      const needsSync = expectations.satisfied(key) && !owner.metadata.deletionTimestamp;
      const pods = podInformer.indexer.byIndex(NAMESPACE_INDEX, owner.metadata.namespace ?? '');
      const owned = await claim(owner, selector, pods, signal);
      const active = owned.filter(isPodActive);
      let failure: unknown;
      if (needsSync) await manage(owner, key, active, signal).catch((e: unknown) => (failure = e));
      const next = status(owner, active, failure);
      const prev = asObject(owner.status) ?? {};
      const merged: Record<string, unknown> = { ...prev, ...next };
      if (!next.conditions) delete merged.conditions;
      if (JSON.stringify(merged) !== JSON.stringify(prev)) {
        try {
          await ownersApi.updateStatus({ ...owner, status: merged }, { signal });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      if (failure) throw failure;
      // Pods that are ready but not yet available become available later: look again then.
      const mr = minReady(owner);
      if (mr > 0) {
        const now = ctx.clock.now();
        const pending = active.map((p) => availableAt(p, mr)).filter((t): t is number => t !== undefined && t > now);
        if (pending.length) return { requeueAfterMs: Math.min(...pending) - now + 1 };
      }
    }

    return controller;
  };
}
