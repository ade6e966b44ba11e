// The garbage collector's picture of ownership: one node per object uid (from metadata-only
// informers over every resource), edges from owner to dependents from ownerReferences. An owner
// referenced before (or without) being seen is a "virtual" node, to be verified against the API.
// Updating the graph returns which uids need attention; it never talks to the API itself.
import type { KubeObject, OwnerReference } from '../../api/types';
import { resourceForKind, type ServedResource } from '../../client/discovery';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

export interface ObjectIdentity {
  readonly uid: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  /** Undefined when the API serves no resource for this kind. */
  readonly resource: ServedResource | undefined;
}

export class GraphNode {
  owners: readonly OwnerReference[] = [];
  readonly dependents = new Set<GraphNode>();
  deletionTimestamp = false;
  finalizers: readonly string[] = [];

  constructor(public identity: ObjectIdentity, public virtual: boolean) {}

  get beingDeleted(): boolean {
    return this.deletionTimestamp;
  }

  /** Deleted in the foreground: waits for its blocking dependents. */
  get deletingDependents(): boolean {
    return this.deletionTimestamp && this.finalizers.includes(FOREGROUND_FINALIZER);
  }

  get orphaning(): boolean {
    return this.deletionTimestamp && this.finalizers.includes(ORPHAN_FINALIZER);
  }

  /** Dependents whose reference to this node has blockOwnerDeletion. */
  blockingDependents(): GraphNode[] {
    return [...this.dependents].filter((d) => d.owners.some((o) => o.uid === this.identity.uid && o.blockOwnerDeletion === true));
  }
}

export interface GraphChanges {
  /** uids for the attempt-to-delete queue. */
  readonly attemptToDelete: Set<string>;
  /** uids for the orphan queue. */
  readonly attemptToOrphan: Set<string>;
}

function ownersEqual(a: OwnerReference, b: OwnerReference): boolean {
  return a.uid === b.uid && a.apiVersion === b.apiVersion && a.kind === b.kind && a.name === b.name && Boolean(a.controller) === Boolean(b.controller) && Boolean(a.blockOwnerDeletion) === Boolean(b.blockOwnerDeletion);
}

export class DependencyGraph {
  readonly #nodes = new Map<string, GraphNode>();

  constructor(private readonly resources: () => readonly ServedResource[]) {}

  get size(): number {
    return this.#nodes.size;
  }

  get(uid: string): GraphNode | undefined {
    return this.#nodes.get(uid);
  }

  /** Identity of an owner as a dependent references it (namespaced owners live in the dependent's namespace). */
  ownerIdentity(ref: OwnerReference, dependentNamespace: string): ObjectIdentity {
    const resource = resourceForKind(this.resources(), ref.apiVersion, ref.kind);
    return { uid: ref.uid, apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, namespace: resource && !resource.namespaced ? '' : dependentNamespace, resource };
  }

  /** An object was added or changed in `resource`. */
  observe(resource: ServedResource, obj: KubeObject): GraphChanges {
    const changes: GraphChanges = { attemptToDelete: new Set(), attemptToOrphan: new Set() };
    const uid = obj.metadata.uid;
    if (!uid) return changes;
    const identity: ObjectIdentity = {
      uid,
      apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version,
      kind: resource.kind,
      namespace: obj.metadata.namespace ?? '',
      name: String(obj.metadata.name ?? ''),
      resource,
    };
    const owners = (obj.metadata.ownerReferences ?? []).filter((o) => o && typeof o.uid === 'string' && o.uid !== '');
    let node = this.#nodes.get(uid);
    if (!node) {
      node = new GraphNode(identity, false);
      this.#nodes.set(uid, node);
    } else {
      node.identity = identity;
      node.virtual = false;
    }
    const before = node.owners;
    // Owners no longer referenced: unlink; a foreground-deleting owner may now be unblocked.
    for (const old of before) {
      const still = owners.find((o) => o.uid === old.uid);
      if (still && ownersEqual(still, old)) continue;
      const ownerNode = this.#nodes.get(old.uid);
      if (!still) ownerNode?.dependents.delete(node);
      if (ownerNode?.deletingDependents) changes.attemptToDelete.add(old.uid);
    }
    for (const ref of owners) {
      let ownerNode = this.#nodes.get(ref.uid);
      if (!ownerNode) {
        ownerNode = new GraphNode(this.ownerIdentity(ref, identity.namespace), true);
        this.#nodes.set(ref.uid, ownerNode);
        changes.attemptToDelete.add(ref.uid);
      }
      ownerNode.dependents.add(node);
    }
    node.owners = owners;
    node.deletionTimestamp = Boolean(obj.metadata.deletionTimestamp);
    node.finalizers = [...(obj.metadata.finalizers ?? [])];
    // Level-triggered: an object deleted in the foreground gets itself and its dependents checked;
    // one deleted with orphan goes to the orphan queue.
    if (node.deletingDependents) {
      changes.attemptToDelete.add(uid);
      for (const d of node.dependents) changes.attemptToDelete.add(d.identity.uid);
    }
    if (node.orphaning) changes.attemptToOrphan.add(uid);
    return changes;
  }

  /** An object is gone: drop its node; its dependents must check their owners, and deleting owners may be unblocked. */
  remove(uid: string): GraphChanges {
    const changes: GraphChanges = { attemptToDelete: new Set(), attemptToOrphan: new Set() };
    const node = this.#nodes.get(uid);
    if (!node) return changes;
    this.#nodes.delete(uid);
    for (const ref of node.owners) {
      const ownerNode = this.#nodes.get(ref.uid);
      if (!ownerNode) continue;
      ownerNode.dependents.delete(node);
      if (ownerNode.deletingDependents) changes.attemptToDelete.add(ref.uid);
      if (ownerNode.virtual && ownerNode.dependents.size === 0) this.#nodes.delete(ref.uid);
    }
    for (const d of node.dependents) changes.attemptToDelete.add(d.identity.uid);
    if (node.dependents.size > 0) {
      // Dependents still point at this uid: keep a virtual node so they stay linked until they go.
      const ghost = new GraphNode(node.identity, true);
      for (const d of node.dependents) ghost.dependents.add(d);
      this.#nodes.set(uid, ghost);
    }
    return changes;
  }
}
