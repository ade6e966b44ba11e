// ControllerRevisions, the history StatefulSets and DaemonSets keep (upstream's controller/history):
// a revision stores the pod template as a strategic-merge patch `{"spec":{"template":{…,
// "$patch":"replace"}}}`, numbered by `revision`, named `<owner>-<hash>`. Creating one whose name
// is taken by different data bumps the owner's collisionCount and tries the next hash.
import type { KubeObject } from '../../api/types';
import { asNumber, asObject } from '../../api/validation/json';
import { isAlreadyExists } from '../../client/errors';
import type { ResourceRef } from '../../client/resource-ref';
import type { ResourceClient } from '../../client/rest-client';
import { controllerRef } from '../internal/pods';

export const CONTROLLER_REVISIONS: ResourceRef = Object.freeze({ group: 'apps', version: 'v1', resource: 'controllerrevisions', kind: 'ControllerRevision', namespaced: true });
/** Label of a StatefulSet's revisions carrying their hash. */
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';
/** Pod (and DaemonSet revision) label naming the revision a pod was made from. */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

export type Revision = KubeObject & { data?: unknown; revision?: number };

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** FNV-1 (32 bit) of the data and the collision count, spelled without vowels (upstream's HashControllerRevision). */
export function revisionHash(data: unknown, collisionCount: number): string {
  let h = 0x811c9dc5;
  const feed = (s: string) => {
    for (const b of new TextEncoder().encode(s)) h = (Math.imul(h, 0x01000193) ^ b) >>> 0;
  };
  feed(canonicalJson(data));
  if (collisionCount > 0) feed(String(collisionCount));
  return [...String(h >>> 0)].map((c) => SAFE_ALPHABET[Number(c)]!).join('');
}

/** `<prefix>-<hash>` with the prefix cut so the name stays within 253 characters. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.slice(0, 223)}-${hash}`;
}

/** The revision data for a pod template. */
export function templatePatch(template: unknown): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(asObject(template) ?? {}), $patch: 'replace' } } };
}

/** The pod template a revision stores. */
export function templateOf(rev: Revision): Record<string, unknown> {
  const t = structuredClone(asObject(asObject(asObject(rev.data)?.spec)?.template) ?? {});
  delete t.$patch;
  return t;
}

export const revisionNumber = (r: Revision): number => asNumber(r.revision) ?? 0;

/** By revision number, then creation time, then name (upstream's SortControllerRevisions). */
export function sortRevisions<T extends Revision>(list: readonly T[]): T[] {
  const created = (o: KubeObject) => Date.parse(String(o.metadata.creationTimestamp ?? '')) || 0;
  return [...list].sort((a, b) => revisionNumber(a) - revisionNumber(b) || created(a) - created(b) || String(a.metadata.name).localeCompare(String(b.metadata.name)));
}

export function nextRevision(sorted: readonly Revision[]): number {
  return sorted.length ? revisionNumber(sorted[sorted.length - 1]!) + 1 : 1;
}

export function equalRevision(a: Revision, b: Revision): boolean {
  return canonicalJson(a.data) === canonicalJson(b.data);
}

export interface NewRevision {
  readonly owner: KubeObject;
  readonly ownerApiVersion: string;
  readonly ownerKind: string;
  readonly data: Record<string, unknown>;
  readonly labels: Record<string, string>;
  readonly revision: number;
  /** The label (besides the name) that carries the hash. */
  readonly hashLabel: string;
  /** How the hash is computed (default: revisionHash of the data). */
  readonly hash?: (collisionCount: number) => string;
}

/** The revision object (not yet created) for `collisionCount`. */
export function buildRevision(n: NewRevision, collisionCount: number): Revision {
  const hash = n.hash ? n.hash(collisionCount) : revisionHash(n.data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(String(n.owner.metadata.name), hash),
      namespace: n.owner.metadata.namespace,
      labels: { ...n.labels, [n.hashLabel]: hash },
      ...(n.owner.metadata.annotations && Object.keys(n.owner.metadata.annotations).length ? { annotations: { ...n.owner.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(n.owner, n.ownerApiVersion, n.ownerKind)],
    },
    data: n.data,
    revision: n.revision,
  };
}

/** Creates the revision, stepping the collision count past names taken by other data. */
export async function createRevision(api: ResourceClient<Revision>, n: NewRevision, collisionCount: number, signal: AbortSignal): Promise<{ revision: Revision; collisionCount: number }> {
  for (let count = collisionCount; ; count++) {
    const rev = buildRevision(n, count);
    try {
      return { revision: await api.create(rev, { signal }), collisionCount: count };
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = await api.get(rev.metadata.namespace, String(rev.metadata.name), { signal });
      if (equalRevision(existing, rev)) return { revision: existing, collisionCount: count };
    }
  }
}

/** Gives an existing revision a new number (a rollback to it makes it the newest). */
export async function renumberRevision(api: ResourceClient<Revision>, rev: Revision, revision: number, signal: AbortSignal): Promise<Revision> {
  if (revisionNumber(rev) === revision) return rev;
  return api.patch(rev.metadata.namespace, String(rev.metadata.name), 'merge', { revision }, { signal });
}
