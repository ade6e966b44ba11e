// One manifest file → the cluster: record the Addon (spec.source, spec.checksum), server-side
// apply every object (field manager k3ts-deploy, forced: the file is the source of truth), delete
// the objects an earlier version of the file had and this one has not (from the Addon's
// status.objects), then record what is applied. And the reverse for a disabled addon.
import type { KubeObject } from '../api/types';
import type { ServedResource } from '../client/discovery';
import { isNotFound } from '../client/errors';
import type { RestClient } from '../client/rest-client';
import type { Logger } from '../log/logger';
import type { AddonEvents } from './addon-events';
import { ADDONS, ADDON_NAMESPACE, DEPLOY_FIELD_MANAGER, addonObject, appliedObjectsOf, refKey, refString, type AppliedObjectRef } from './addon-resource';
import type { KindResolver } from './kind-resolver';
import { parseManifest } from './manifest-file';

export interface ApplyDeps {
  readonly client: RestClient;
  readonly resolve: KindResolver;
  readonly events: AddonEvents;
  readonly log: Logger;
}

export interface ManifestInput {
  readonly addon: string;
  readonly file: string;
  readonly text: string;
  readonly checksum: string;
}

export interface ApplyOutcome {
  readonly ok: boolean;
  readonly applied: readonly AppliedObjectRef[];
  readonly pruned: readonly AppliedObjectRef[];
  readonly error?: string;
}

/** Namespaces and CustomResourceDefinitions before the objects that need them; otherwise file order. */
function applyOrder(objects: readonly KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject) => (o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition' ? 0 : 1);
  return objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map((x) => x.o);
}

async function applyObject(deps: ApplyDeps, obj: KubeObject, signal: AbortSignal): Promise<AppliedObjectRef> {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  const res = await deps.resolve(apiVersion, kind, signal);
  const namespace = res.namespaced ? obj.metadata.namespace || 'default' : undefined;
  const body: KubeObject = { ...obj, metadata: { ...obj.metadata } };
  if (namespace) body.metadata.namespace = namespace;
  else delete body.metadata.namespace;
  const name = String(obj.metadata.name);
  await deps.client.resource(res).patch(namespace, name, 'apply', body, { fieldManager: DEPLOY_FIELD_MANAGER, force: true, signal });
  return { apiVersion, kind, name, ...(namespace ? { namespace } : {}) };
}

/** Deletes one recorded object; an object already gone, or of a kind no longer served, counts as deleted. */
async function deleteObject(deps: ApplyDeps, ref: AppliedObjectRef, signal: AbortSignal): Promise<void> {
  let res: ServedResource;
  try {
    res = await deps.resolve(ref.apiVersion, ref.kind, signal);
  } catch (e) {
    deps.log.warn('cannot delete an object of a kind the server does not serve', { object: refString(ref), error: (e as Error).message });
    return;
  }
  try {
    await deps.client.resource(res).delete(res.namespaced ? ref.namespace : undefined, ref.name, { propagationPolicy: 'Background', signal });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

async function applyAddon(deps: ApplyDeps, m: ManifestInput, signal: AbortSignal, objects?: readonly AppliedObjectRef[]): Promise<KubeObject> {
  return deps.client.resource(ADDONS).patch(ADDON_NAMESPACE, m.addon, 'apply', addonObject(m.addon, m.file, m.checksum, objects), { fieldManager: DEPLOY_FIELD_MANAGER, force: true, signal });
}

export async function applyManifest(deps: ApplyDeps, m: ManifestInput, signal: AbortSignal): Promise<ApplyOutcome> {
  let existing: KubeObject | undefined;
  try {
    existing = await deps.client.resource(ADDONS).get(ADDON_NAMESPACE, m.addon, { signal });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const before = appliedObjectsOf(existing);
  const addon = await applyAddon(deps, m, signal, before);
  await deps.events.record(addon, 'Normal', 'ApplyingManifest', `Applying manifest at "${m.file}"`);
  const fail = async (error: string, applied: readonly AppliedObjectRef[]): Promise<ApplyOutcome> => {
    // Keep every object the Addon ever had on record, so a later successful apply can prune them.
    const keep = new Map([...before, ...applied].map((r) => [refKey(r), r]));
    await applyAddon(deps, m, signal, [...keep.values()]).catch((e: unknown) => deps.log.warn('could not record the applied objects', { addon: m.addon, error: (e as Error).message }));
    await deps.events.record(addon, 'Warning', 'ApplyManifestFailed', `Failed to apply manifest at "${m.file}": ${error}`);
    return { ok: false, applied, pruned: [], error };
  };
  let objects: KubeObject[];
  try {
    objects = parseManifest(m.text, m.file);
  } catch (e) {
    return fail((e as Error).message, []);
  }
  const applied: AppliedObjectRef[] = [];
  const errors: string[] = [];
  for (const obj of applyOrder(objects)) {
    try {
      applied.push(await applyObject(deps, obj, signal));
    } catch (e) {
      if (signal.aborted) throw e;
      errors.push(`${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}: ${(e as Error).message}`);
    }
  }
  if (errors.length > 0) return fail(errors.join('; '), applied);
  const now = new Set(applied.map(refKey));
  const stale = before.filter((r) => !now.has(refKey(r)));
  const pruned: AppliedObjectRef[] = [];
  const pruneErrors: string[] = [];
  for (const ref of stale) {
    try {
      await deleteObject(deps, ref, signal);
      pruned.push(ref);
    } catch (e) {
      pruneErrors.push(`${refString(ref)}: ${(e as Error).message}`);
    }
  }
  const stillThere = stale.filter((r) => !pruned.includes(r));
  const recorded = await applyAddon(deps, m, signal, [...applied, ...stillThere]);
  if (pruned.length > 0) await deps.events.record(recorded, 'Normal', 'PrunedObjects', `Deleted objects no longer in "${m.file}": ${pruned.map(refString).join(', ')}`);
  if (pruneErrors.length > 0) {
    const error = `could not delete objects no longer in the manifest: ${pruneErrors.join('; ')}`;
    await deps.events.record(recorded, 'Warning', 'PruneFailed', error);
    return { ok: false, applied, pruned, error };
  }
  await deps.events.record(recorded, 'Normal', 'AppliedManifest', `Applied manifest at "${m.file}"`);
  return { ok: true, applied, pruned };
}

/** A disabled addon: delete what its Addon recorded, then the Addon. False when something remains (retried later). */
export async function undeployAddon(deps: ApplyDeps, name: string, signal: AbortSignal): Promise<boolean> {
  let addon: KubeObject;
  try {
    addon = await deps.client.resource(ADDONS).get(ADDON_NAMESPACE, name, { signal });
  } catch (e) {
    if (isNotFound(e)) return true;
    throw e;
  }
  const source = typeof addon.spec === 'object' && addon.spec !== null ? String((addon.spec as Record<string, unknown>).source ?? '') : '';
  await deps.events.record(addon, 'Normal', 'DeletingManifest', `Deleting manifest at "${source}": the addon is disabled`);
  const errors: string[] = [];
  for (const ref of appliedObjectsOf(addon)) {
    try {
      await deleteObject(deps, ref, signal);
    } catch (e) {
      errors.push(`${refString(ref)}: ${(e as Error).message}`);
    }
  }
  if (errors.length > 0) {
    await deps.events.record(addon, 'Warning', 'DeleteManifestFailed', `Failed to delete the objects of "${source}": ${errors.join('; ')}`);
    return false;
  }
  try {
    await deps.client.resource(ADDONS).delete(ADDON_NAMESPACE, name, { signal });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  deps.log.info('deleted a disabled addon', { addon: name, objects: appliedObjectsOf(addon).length });
  return true;
}
