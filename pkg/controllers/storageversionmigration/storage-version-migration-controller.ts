// The storage version migrator: for each StorageVersionMigration it finds the served resource
// spec.resource names (built-in or custom; its group's preferred version when served there),
// records the resource version the migration starts from, marks it Running, and writes every
// object of the resource back unchanged through the API with the resourceVersion it was read at,
// so the server stores it again in the current storage version (and, for custom resources, with
// that version's schema defaults). An object written or deleted meanwhile needs nothing more (a
// conflict or NotFound); any other refusal fails the migration. Then Succeeded (or Failed), and for
// a custom resource the CRD's storedVersions are cut down to the storage version. One worker:
// migrations run one at a time.
import type { KubeObject } from '../../api/types';
import { discoverResources, type ServedResource } from '../../client/discovery';
import { isConflict, isNotFound } from '../../client/errors';
import { groupResourceName, type ResourceRef } from '../../client/resource-ref';
import type { RestClient } from '../../client/rest-client';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import { finishCrdMigration, markCrdMigrating } from './crd-storage-state';
import { isFinished, markFinished, markRunning } from './migration-status';

export const STORAGE_VERSION_MIGRATOR_CONTROLLER = 'storage-version-migrator-controller';

export const STORAGE_VERSION_MIGRATIONS: ResourceRef = Object.freeze({
  group: 'storagemigration.k8s.io',
  version: 'v1beta1',
  resource: 'storageversionmigrations',
  kind: 'StorageVersionMigration',
  namespaced: false,
});

/** Objects fetched per list page while migrating. */
const PAGE_SIZE = 500;

interface GroupResource {
  readonly group: string;
  readonly resource: string;
}

function targetOf(svm: KubeObject): GroupResource {
  const r = (svm.spec as { resource?: { group?: unknown; resource?: unknown } } | undefined)?.resource ?? {};
  return { group: typeof r.group === 'string' ? r.group : '', resource: typeof r.resource === 'string' ? r.resource : '' };
}

/** The group's preferred version, or (for kinds served only in older versions) the first, highest-priority one. */
function servedAs(resources: readonly ServedResource[], gr: GroupResource): ServedResource | undefined {
  const serving = resources.filter((r) => r.group === gr.group && r.resource === gr.resource);
  return serving.find((r) => r.preferred) ?? serving[0];
}

/** Outcome of rewriting every object: done, or the first refusal that was not a conflict or NotFound. */
async function rewriteAll(client: RestClient, ref: ServedResource, signal: AbortSignal): Promise<{ readonly rewritten: number; readonly error?: string }> {
  const objects = client.resource(ref);
  let rewritten = 0;
  let cont: string | undefined;
  do {
    const page = await objects.list(undefined, { limit: PAGE_SIZE, continue: cont, signal });
    for (const obj of page.items) {
      try {
        await objects.update(obj, { signal, fieldManager: STORAGE_VERSION_MIGRATOR_CONTROLLER });
        rewritten++;
      } catch (e) {
        // Written since it was listed (so already in the current storage version) or gone.
        if (isConflict(e) || isNotFound(e)) continue;
        const name = obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : String(obj.metadata.name);
        return { rewritten, error: `migration encountered unhandled error: ${groupResourceName(ref)} ${name}: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    cont = page.metadata.continue || undefined;
  } while (cont);
  return { rewritten };
}

export function storageVersionMigrator(ctx: ControllerContext): Controller {
  const informer = ctx.informers.informerFor(STORAGE_VERSION_MIGRATIONS);
  const migrations = ctx.client.resource(STORAGE_VERSION_MIGRATIONS);
  const controller = new QueueController({ name: STORAGE_VERSION_MIGRATOR_CONTROLLER, workers: 1, ctx, informers: [informer], reconcile });
  informer.addEventHandler({ add: (o) => controller.enqueue(o), update: (_old, o) => controller.enqueue(o) });

  const now = () => new Date(ctx.clock.now());

  async function resolve(gr: GroupResource, signal: AbortSignal): Promise<ServedResource | undefined> {
    // Discovery of the manager is refreshed every 30 s; a CRD established since is looked up afresh.
    return servedAs(ctx.resources, gr) ?? servedAs(await discoverResources(ctx.client, signal), gr);
  }

  async function reconcile(name: string, signal: AbortSignal): Promise<void> {
    const cached = informer.indexer.get(name);
    if (!cached || isFinished(cached)) return;
    const gr = targetOf(cached);
    const ref = await resolve(gr, signal);
    if (!ref || !ref.verbs.includes('list') || !ref.verbs.includes('update')) {
      const why = ref ? `${groupResourceName(gr)} cannot be listed and updated` : 'resource does not exist in discovery';
      await migrations.updateStatus(markFinished(cached, 'Failed', why, now()), { signal });
      ctx.log.info('storage version migration failed', { migration: name, resource: groupResourceName(gr), reason: why });
      return;
    }
    // The resource version the migration starts from: any object written after it is already
    // stored in the current version (upstream reads it from a one-item list).
    const startRv = (cached.status as { resourceVersion?: string } | undefined)?.resourceVersion || (await ctx.client.resource(ref).list(undefined, { limit: 1, signal })).metadata.resourceVersion || '0';
    const running = await migrations.updateStatus(markRunning(cached, startRv, now()), { signal });
    const isCustom = await markCrdMigrating(ctx.client, gr, name, now(), signal);
    const result = await rewriteAll(ctx.client, ref, signal);
    const outcome = result.error === undefined ? 'Succeeded' : 'Failed';
    if (isCustom) await finishCrdMigration(ctx.client, gr, outcome === 'Succeeded', now(), signal);
    await migrations.updateStatus(markFinished(running, outcome, result.error ?? '', now()), { signal });
    ctx.log.info('storage version migration finished', { migration: name, resource: groupResourceName(gr), outcome, rewritten: result.rewritten });
  }

  return controller;
}
