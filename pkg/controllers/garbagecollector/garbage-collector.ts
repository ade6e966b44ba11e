// The garbage collector: deletes objects whose owners are gone (background), finishes foreground
// deletions (an owner with the foregroundDeletion finalizer loses it once no dependent with
// blockOwnerDeletion is left, deleting those dependents first) and orphaning (the orphan finalizer:
// dependents lose their reference to the owner, then the finalizer goes). The graph comes from
// metadata-only informers over every served resource; every decision to delete or rewrite an object
// is checked against the API first, never made from the cache alone.
import type { KubeObject, OwnerReference } from '../../api/types';
import { resourceForKind, type ServedResource } from '../../client/discovery';
import { isConflict, isInvalid, isNotFound } from '../../client/errors';
import { groupResourceName } from '../../client/resource-ref';
import type { DeleteOptions } from '../../client/rest-client';
import { waitForCaches, type Controller, type ControllerContext } from '../../controller/controller';
import { runController } from '../../controller/controller-runner';
import { defaultControllerRateLimiter } from '../../controller/rate-limiter';
import { WorkQueue } from '../../controller/work-queue';
import { DependencyGraph, FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type GraphChanges, type GraphNode, type ObjectIdentity } from './graph';

export const GARBAGE_COLLECTOR = 'garbage-collector';

/** Never owners or dependents worth tracking (upstream ignores events too). */
const IGNORED = new Set(['events', 'events.events.k8s.io']);
const ABSENT_CACHE_SIZE = 500;

export function monitoredResources(resources: readonly ServedResource[]): ServedResource[] {
  return resources.filter((r) => r.preferred && !IGNORED.has(groupResourceName(r)) && ['list', 'watch', 'get', 'delete'].every((v) => r.verbs.includes(v)));
}

/** uids known not to exist (a small LRU), so many dependents of one missing owner cost one GET. */
class AbsentOwners {
  readonly #uids = new Map<string, true>();
  has(uid: string): boolean {
    if (!this.#uids.has(uid)) return false;
    this.#uids.delete(uid);
    this.#uids.set(uid, true);
    return true;
  }
  add(uid: string): void {
    this.#uids.delete(uid);
    this.#uids.set(uid, true);
    if (this.#uids.size > ABSENT_CACHE_SIZE) this.#uids.delete(this.#uids.keys().next().value!);
  }
}

type Policy = NonNullable<DeleteOptions['propagationPolicy']>;

export function garbageCollector(ctx: ControllerContext): Controller {
  const graph = new DependencyGraph(() => ctx.resources);
  const toDelete = new WorkQueue<string>(ctx.clock, defaultControllerRateLimiter<string>(ctx.clock));
  const toOrphan = new WorkQueue<string>(ctx.clock, defaultControllerRateLimiter<string>(ctx.clock));
  const absent = new AbsentOwners();
  const apply = (ch: GraphChanges) => {
    for (const uid of ch.attemptToDelete) toDelete.add(uid);
    for (const uid of ch.attemptToOrphan) toOrphan.add(uid);
  };
  const informers = monitoredResources(ctx.resources).map((r) => {
    const inf = ctx.informers.informerFor(r, { metadataOnly: true });
    inf.addEventHandler({
      add: (o) => apply(graph.observe(r, o)),
      update: (_old, o) => apply(graph.observe(r, o)),
      delete: (o) => o.metadata.uid && apply(graph.remove(o.metadata.uid)),
    });
    return inf;
  });

  // The kind may have become served since the object was observed (a CRD created later).
  const resourceOf = (id: ObjectIdentity) => id.resource ?? resourceForKind(ctx.resources, id.apiVersion, id.kind);
  const clientFor = (id: ObjectIdentity) => {
    const resource = resourceOf(id);
    if (!resource) throw new Error(`the API serves no resource for ${id.apiVersion} ${id.kind} (object ${id.namespace ? `${id.namespace}/` : ''}${id.name}); retrying until it does`);
    return ctx.client.resource(resource);
  };
  // An owner resolved late may be cluster-scoped although it was assumed to live in its dependent's namespace.
  const ns = (id: ObjectIdentity) => (resourceOf(id)?.namespaced === false ? undefined : id.namespace || undefined);

  /** The object as the API has it now, or undefined when gone or replaced by another uid. */
  async function live(id: ObjectIdentity, signal: AbortSignal): Promise<KubeObject | undefined> {
    try {
      const o = await clientFor(id).get(ns(id), id.name, { metadataOnly: true, signal });
      return o.metadata.uid === id.uid ? o : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async function jsonPatch(id: ObjectIdentity, ops: unknown[], signal: AbortSignal): Promise<void> {
    try {
      await clientFor(id).patch(ns(id), id.name, 'json', ops, { signal });
    } catch (e) {
      if (isNotFound(e)) return;
      // A failed `test` op means the object changed since we read it: read again and retry.
      if (isInvalid(e) || isConflict(e)) throw new Error(`${id.kind} ${id.name} changed while being updated; retrying`);
      throw e;
    }
  }

  async function removeFinalizer(id: ObjectIdentity, finalizer: string, signal: AbortSignal): Promise<void> {
    const o = await live(id, signal);
    const list = o?.metadata.finalizers ?? [];
    if (!o || !list.includes(finalizer)) return;
    await jsonPatch(id, [{ op: 'test', path: '/metadata/finalizers', value: list }, { op: 'replace', path: '/metadata/finalizers', value: list.filter((f) => f !== finalizer) }], signal);
    ctx.log.debug('removed finalizer', { finalizer, kind: id.kind, namespace: id.namespace, name: id.name });
  }

  async function rewriteOwners(id: ObjectIdentity, change: (refs: readonly OwnerReference[]) => OwnerReference[], signal: AbortSignal): Promise<void> {
    const o = await live(id, signal);
    if (!o) return;
    const refs = o.metadata.ownerReferences ?? [];
    const next = change(refs);
    if (JSON.stringify(next) === JSON.stringify(refs)) return;
    const test = { op: 'test', path: '/metadata/ownerReferences', value: refs };
    await jsonPatch(id, next.length ? [test, { op: 'replace', path: '/metadata/ownerReferences', value: next }] : [test, { op: 'remove', path: '/metadata/ownerReferences' }], signal);
  }

  async function deleteObject(id: ObjectIdentity, policy: Policy, signal: AbortSignal): Promise<void> {
    try {
      await clientFor(id).delete(ns(id), id.name, { propagationPolicy: policy, preconditions: { uid: id.uid }, signal });
      ctx.log.info('deleting dependent whose owners are gone', { kind: id.kind, namespace: id.namespace, name: id.name, propagationPolicy: policy });
    } catch (e) {
      // Gone already, or another object with the same name: nothing of ours to delete.
      if (isNotFound(e) || isConflict(e)) return;
      throw e;
    }
  }

  const deletingDependents = (o: KubeObject) => Boolean(o.metadata.deletionTimestamp) && (o.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER);

  /** Sorts `item`'s owners into existing (solid), gone (dangling) and deleting in the foreground (waiting). */
  async function classify(item: GraphNode, refs: readonly OwnerReference[], signal: AbortSignal) {
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      let waits: boolean;
      const known = graph.get(ref.uid);
      if (absent.has(ref.uid)) {
        dangling.push(ref);
        continue;
      } else if (known && !known.virtual) {
        waits = known.deletingDependents;
      } else {
        const owner = await live(graph.ownerIdentity(ref, item.identity.namespace), signal);
        if (!owner) {
          absent.add(ref.uid);
          dangling.push(ref);
          continue;
        }
        waits = deletingDependents(owner);
      }
      (waits ? waiting : solid).push(ref);
    }
    return { solid, dangling, waiting };
  }

  async function attemptToDelete(uid: string, signal: AbortSignal): Promise<void> {
    const item = graph.get(uid);
    if (!item) return;
    const id = item.identity;
    const latest = await live(id, signal);
    if (!latest) {
      // A virtual node for an owner that does not exist: drop it and let its dependents notice.
      if (item.virtual) {
        absent.add(uid);
        apply(graph.remove(uid));
      }
      return;
    }
    if (deletingDependents(latest)) return processDeletingDependents(item, signal);
    if (latest.metadata.deletionTimestamp) return;
    const refs = latest.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const { solid, dangling, waiting } = await classify(item, refs, signal);
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      await rewriteOwners(id, (rs) => rs.filter((r) => !drop.has(r.uid)), signal);
      return;
    }
    if (waiting.length > 0 && item.dependents.size > 0) {
      // A dependent of ours is itself deleting in the foreground: stop blocking our owners to avoid a cycle.
      if ([...item.dependents].some((d) => d.deletingDependents)) {
        await rewriteOwners(id, (rs) => rs.map((r) => (r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r)), signal);
      }
      return deleteObject(id, 'Foreground', signal);
    }
    const finalizers = latest.metadata.finalizers ?? [];
    const policy: Policy = finalizers.includes(ORPHAN_FINALIZER) ? 'Orphan' : finalizers.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    await deleteObject(id, policy, signal);
  }

  async function processDeletingDependents(item: GraphNode, signal: AbortSignal): Promise<void> {
    const blocking = item.blockingDependents();
    if (blocking.length === 0) {
      await removeFinalizer(item.identity, FOREGROUND_FINALIZER, signal);
      return;
    }
    // Their removal re-queues this owner.
    for (const d of blocking) if (!d.deletingDependents) toDelete.add(d.identity.uid);
  }

  async function attemptToOrphan(uid: string, signal: AbortSignal): Promise<void> {
    const owner = graph.get(uid);
    if (!owner || !owner.orphaning) return;
    for (const d of [...owner.dependents]) {
      await rewriteOwners(d.identity, (rs) => rs.filter((r) => r.uid !== uid), signal);
    }
    await removeFinalizer(owner.identity, ORPHAN_FINALIZER, signal);
    ctx.log.info('orphaned dependents', { kind: owner.identity.kind, namespace: owner.identity.namespace, name: owner.identity.name, dependents: owner.dependents.size });
  }

  return {
    name: GARBAGE_COLLECTOR,
    async run(signal: AbortSignal) {
      if (!(await waitForCaches(signal, informers))) return;
      ctx.log.info('garbage collector synced', { resources: informers.length, objects: graph.size });
      await Promise.all([
        runController({ name: `${GARBAGE_COLLECTOR}/delete`, queue: toDelete, reconcile: (k, s) => attemptToDelete(k, s), workers: 10, log: ctx.log }, signal),
        runController({ name: `${GARBAGE_COLLECTOR}/orphan`, queue: toOrphan, reconcile: (k, s) => attemptToOrphan(k, s), workers: 5, log: ctx.log }, signal),
      ]);
    },
  };
}
