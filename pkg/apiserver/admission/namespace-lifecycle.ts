// Namespace lifecycle admission (as upstream's NamespaceLifecycle plugin): no new objects in a
// missing or terminating namespace, and the system namespaces cannot be deleted.
import type { KubeObject } from '../../api/types';
import type { Logger } from '../../log/logger';
import { StoreCache } from '../../auth/cache/store-cache';
import { ApiError, errors } from '../errors';
import type { Store } from '../registry/store';
import type { ResourceContext } from '../handlers/request-context';

const IMMORTAL = new Set(['default', 'kube-system', 'kube-public']);

export async function admitNamespace(ctx: ResourceContext, op: 'create' | 'delete'): Promise<void> {
  const isNamespace = ctx.def.group === '' && ctx.def.resource === 'namespaces';
  if (op === 'delete') {
    if (isNamespace && !ctx.sub && IMMORTAL.has(ctx.info.name ?? '')) throw errors.forbidden(`namespaces "${ctx.info.name}" is forbidden: this namespace may not be deleted`);
    return;
  }
  if (!ctx.def.namespaced || !ctx.info.namespace) return;
  // Active in the watch cache: no datastore read (as upstream's plugin reads its informer). A
  // namespace the cache does not know yet, or knows as terminating, is looked up for real.
  if (ctx.services.activeNamespace?.(ctx.info.namespace)) return;
  const nsStore = [...ctx.services.stores].find(([d]) => d.group === '' && d.resource === 'namespaces')?.[1];
  if (!nsStore) return;
  let ns;
  try {
    ns = await nsStore.get(undefined, ctx.info.namespace);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) throw errors.notFound('', 'namespaces', ctx.info.namespace);
    throw e;
  }
  const phase = (ns.status as { phase?: string } | undefined)?.phase;
  if (ns.metadata.deletionTimestamp || phase === 'Terminating') {
    throw new ApiError(403, 'Forbidden', `${ctx.def.resource}${ctx.def.group ? `.${ctx.def.group}` : ''} "${String(ctx.info.name ?? '')}" is forbidden: unable to create new content in namespace ${ctx.info.namespace} because it is being terminated`, {
      causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ctx.info.namespace} is being terminated`, field: 'metadata.namespace' }],
    });
  }
}

function isActive(ns: KubeObject): boolean {
  return !ns.metadata.deletionTimestamp && (ns.status as { phase?: string } | undefined)?.phase !== 'Terminating';
}

/** A watch cache of which namespaces are active, for ServerServices.activeNamespace. */
export function activeNamespaces(namespaces: Store, log: Logger): { readonly isActive: (name: string) => boolean; start(): void; stop(): Promise<void> } {
  const cache = new StoreCache<boolean>(namespaces, { project: isActive, log });
  return { isActive: (name) => cache.get(name) === true, start: () => cache.start(), stop: () => cache.stop() };
}
