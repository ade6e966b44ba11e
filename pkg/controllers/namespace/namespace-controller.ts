// Namespace deletion: a namespace with a deletionTimestamp is marked Terminating, emptied of every
// namespaced resource the API serves (deletecollection, or list + delete where that is all a
// resource allows), and once nothing is left its `kubernetes` finalizer is removed through
// namespaces/finalize, which completes the deletion. Objects still going away (graceful pods,
// finalizers) make it check again later.
import type { KubeObject } from '../../api/types';
import { asArray, asObject, asString } from '../../api/validation/json';
import type { ServedResource } from '../../client/discovery';
import { isConflict, isNotFound, StatusError } from '../../client/errors';
import { RESOURCES, groupResourceName } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';

export const NAMESPACE_CONTROLLER = 'namespace';
export const KUBERNETES_FINALIZER = 'kubernetes';

/** How often to look again while content is still terminating without a known deadline. */
const RECHECK_MS = 1000;

function finalizersOf(ns: KubeObject): string[] {
  return (asArray(asObject(ns.spec)?.finalizers) ?? []).filter((f): f is string => typeof f === 'string');
}

/** Namespaced resources whose objects a namespace deletion must remove. */
export function deletableNamespacedResources(resources: readonly ServedResource[]): ServedResource[] {
  return resources.filter((r) => r.namespaced && r.preferred && r.verbs.includes('list') && (r.verbs.includes('deletecollection') || r.verbs.includes('delete')));
}

export function namespaceController(ctx: ControllerContext): Controller {
  const informer = ctx.informers.informerFor(RESOURCES.namespaces);
  const namespaces = ctx.client.resource(RESOURCES.namespaces);
  const controller = new QueueController({ name: NAMESPACE_CONTROLLER, workers: 5, ctx, informers: [informer], reconcile });
  const onChange = (ns: KubeObject) => {
    if (ns.metadata.deletionTimestamp) controller.enqueue(ns);
  };
  informer.addEventHandler({ add: onChange, update: (_old, ns) => onChange(ns) });

  /** Deletes what is left of one resource in `namespace`; returns how many objects remain and a wait hint. */
  async function empty(r: ServedResource, namespace: string, signal: AbortSignal): Promise<{ remaining: number; waitMs: number }> {
    const rc = ctx.client.resource(r);
    if (r.verbs.includes('deletecollection')) {
      await rc.deleteCollection(namespace, { signal });
    } else {
      const list = await rc.list(namespace, { metadataOnly: true, signal });
      for (const item of list.items) {
        if (item.metadata.deletionTimestamp) continue;
        await rc.delete(namespace, String(item.metadata.name), { signal }).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
      }
    }
    const left = await rc.list(namespace, { metadataOnly: true, signal });
    let waitMs = 0;
    for (const item of left.items) {
      const grace = item.metadata.deletionGracePeriodSeconds;
      if (typeof grace === 'number' && grace > 0) waitMs = Math.max(waitMs, grace * 1000);
    }
    return { remaining: left.items.length, waitMs };
  }

  async function reconcile(name: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const cached = informer.indexer.get(name);
    if (!cached?.metadata.deletionTimestamp) return;
    let ns = await namespaces.get(undefined, name, { signal }).catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
    if (!ns?.metadata.deletionTimestamp) return;
    if (asString(asObject(ns.status)?.phase) !== 'Terminating') {
      ns = await namespaces.updateStatus({ ...ns, status: { ...(asObject(ns.status) ?? {}), phase: 'Terminating' } }, { signal });
    }
    if (!finalizersOf(ns).includes(KUBERNETES_FINALIZER)) return;

    let remaining = 0;
    let waitMs = 0;
    const failures: string[] = [];
    // Looked up at each pass: resources served since the start (custom resources) are cleaned too.
    for (const r of deletableNamespacedResources(ctx.resources)) {
      try {
        const res = await empty(r, name, signal);
        remaining += res.remaining;
        waitMs = Math.max(waitMs, res.waitMs);
      } catch (e) {
        // One resource failing (forbidden, unavailable) must not stop the others from being emptied.
        if (signal.aborted) throw e;
        failures.push(`${groupResourceName(r)}: ${e instanceof StatusError ? `${e.status} ${e.message}` : String(e)}`);
      }
    }
    if (failures.length > 0) throw new Error(`namespace ${name} could not be emptied: ${failures.join('; ')}`);
    if (remaining > 0) {
      ctx.log.debug('namespace content is still terminating', { namespace: name, remaining, waitMs });
      return { requeueAfterMs: Math.max(RECHECK_MS, Math.min(waitMs, 60_000)) };
    }

    // Empty: drop our finalizer; with none left the server completes the deletion.
    const fresh = await namespaces.get(undefined, name, { signal });
    const rest = finalizersOf(fresh).filter((f) => f !== KUBERNETES_FINALIZER);
    try {
      await namespaces.update({ ...fresh, spec: { ...(asObject(fresh.spec) ?? {}), finalizers: rest } }, { subresource: 'finalize', signal });
    } catch (e) {
      if (isNotFound(e)) return;
      if (isConflict(e)) return { requeueAfterMs: 0 };
      throw e;
    }
    ctx.log.info('namespace emptied and finalized', { namespace: name });
  }

  return controller;
}
