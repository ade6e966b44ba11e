// Upstream's controller ref manager, for any owned kind: of the candidates, keep those this owner
// controls and its selector matches, release owned ones that stopped matching, and adopt matching
// orphans (after reading the owner fresh, so a deleted or replaced owner adopts nothing). All
// writes are JSON patches guarded by the cached resourceVersion; a lost race is left to the next
// event.
import type { LabelSelector } from '../../api/selectors';
import type { KubeObject, OwnerReference } from '../../api/types';
import { isConflict, isInvalid, isNotFound } from '../../client/errors';
import type { ResourceClient } from '../../client/rest-client';
import { controllerRefOf } from '../internal/pods';

export interface ClaimConfig<T extends KubeObject> {
  readonly owner: KubeObject;
  /** The controller reference adopted objects get. */
  readonly ownerRef: OwnerReference;
  readonly selector: LabelSelector;
  readonly api: ResourceClient<T>;
  /** Reads the owner fresh: true when it is still this object and not being deleted. */
  readonly canAdopt: () => Promise<boolean>;
  /** Finalizers an adopted object gets (the Job's tracking finalizer). */
  readonly adoptFinalizers?: readonly string[];
  /** Candidates that may be adopted at all (default: any). */
  readonly adoptable?: (obj: T) => boolean;
  readonly signal: AbortSignal;
}

async function patch<T extends KubeObject>(api: ResourceClient<T>, obj: T, ops: unknown[], signal: AbortSignal): Promise<T | undefined> {
  try {
    return await api.patch(obj.metadata.namespace, String(obj.metadata.name), 'json', ops, { signal });
  } catch (e) {
    // Gone, or changed since the cache saw it (the test op failed): the next event decides.
    if (isNotFound(e) || isInvalid(e) || isConflict(e)) return undefined;
    throw e;
  }
}

/** The candidates `owner` controls after adoption and release. */
export async function claimOwned<T extends KubeObject>(cfg: ClaimConfig<T>, candidates: readonly T[]): Promise<T[]> {
  const uid = cfg.owner.metadata.uid;
  const owned: T[] = [];
  let mayAdopt: boolean | undefined;
  for (const obj of candidates) {
    const ref = controllerRefOf(obj);
    const rv = { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion };
    if (ref) {
      if (ref.uid !== uid) continue;
      if (cfg.selector.matches(obj.metadata.labels)) owned.push(obj);
      else if (!cfg.owner.metadata.deletionTimestamp && !obj.metadata.deletionTimestamp) {
        const rest = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        await patch(cfg.api, obj, [rv, rest.length ? { op: 'replace', path: '/metadata/ownerReferences', value: rest } : { op: 'remove', path: '/metadata/ownerReferences' }], cfg.signal);
      }
      continue;
    }
    if (cfg.owner.metadata.deletionTimestamp || obj.metadata.deletionTimestamp || !cfg.selector.matches(obj.metadata.labels)) continue;
    if (cfg.adoptable && !cfg.adoptable(obj)) continue;
    mayAdopt ??= await cfg.canAdopt();
    if (!mayAdopt) continue;
    const ops: unknown[] = [rv, obj.metadata.ownerReferences?.length ? { op: 'add', path: '/metadata/ownerReferences/-', value: cfg.ownerRef } : { op: 'add', path: '/metadata/ownerReferences', value: [cfg.ownerRef] }];
    const missing = (cfg.adoptFinalizers ?? []).filter((f) => !(obj.metadata.finalizers ?? []).includes(f));
    if (missing.length) ops.push(obj.metadata.finalizers?.length ? { op: 'replace', path: '/metadata/finalizers', value: [...obj.metadata.finalizers, ...missing] } : { op: 'add', path: '/metadata/finalizers', value: missing });
    const adopted = await patch(cfg.api, obj, ops, cfg.signal);
    if (adopted) owned.push(adopted);
  }
  return owned;
}

/** canAdopt for `claimOwned`: the owner read fresh is the same object and not being deleted. */
export function freshOwnerCheck(api: ResourceClient, owner: KubeObject, signal: AbortSignal): () => Promise<boolean> {
  return () =>
    api.get(owner.metadata.namespace, String(owner.metadata.name), { signal }).then(
      (fresh) => fresh.metadata.uid === owner.metadata.uid && !fresh.metadata.deletionTimestamp,
      (e: unknown) => (isNotFound(e) ? false : Promise.reject(e)),
    );
}
