// Every active namespace has a ServiceAccount named `default` (recreated if deleted).
import type { KubeObject } from '../../api/types';
import { asObject } from '../../api/validation/json';
import { isAlreadyExists, isForbidden, isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';

export const SERVICEACCOUNT_CONTROLLER = 'serviceaccount';
export const DEFAULT_SERVICE_ACCOUNT = 'default';

export function isTerminating(ns: KubeObject): boolean {
  return Boolean(ns.metadata.deletionTimestamp) || asObject(ns.status)?.phase === 'Terminating';
}

export function serviceAccountController(ctx: ControllerContext): Controller {
  const nsInformer = ctx.informers.informerFor(RESOURCES.namespaces);
  const saInformer = ctx.informers.informerFor(RESOURCES.serviceaccounts);
  const serviceAccounts = ctx.client.resource(RESOURCES.serviceaccounts);
  const controller = new QueueController({ name: SERVICEACCOUNT_CONTROLLER, workers: 3, ctx, informers: [nsInformer, saInformer], reconcile });
  const byNamespace = (ns: KubeObject) => controller.queue.add(String(ns.metadata.name));
  nsInformer.addEventHandler({ add: byNamespace, update: (_o, ns) => byNamespace(ns) });
  saInformer.addEventHandler({
    delete: (sa) => {
      if (sa.metadata.name === DEFAULT_SERVICE_ACCOUNT && sa.metadata.namespace) controller.queue.add(sa.metadata.namespace);
    },
  });

  async function reconcile(namespace: string, signal: AbortSignal): Promise<void> {
    const ns = nsInformer.indexer.get(namespace);
    if (!ns || isTerminating(ns)) return;
    if (saInformer.indexer.getByName(namespace, DEFAULT_SERVICE_ACCOUNT)) return;
    try {
      await serviceAccounts.create({ metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } }, { signal });
      ctx.log.debug('created the default service account', { namespace });
    } catch (e) {
      // Already there (cache behind), or the namespace went away / started terminating meanwhile.
      if (isAlreadyExists(e) || isNotFound(e) || (isForbidden(e) && isTerminatingError(e))) return;
      throw e;
    }
  }

  return controller;
}

function isTerminatingError(e: unknown): boolean {
  const causes = (e as { details?: { causes?: { reason?: string }[] } }).details?.causes ?? [];
  return causes.some((c) => c.reason === 'NamespaceTerminating');
}
