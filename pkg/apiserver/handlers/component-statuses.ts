// GET and LIST of v1 componentstatuses: the embedded components' health, computed per request
// (nothing is stored). etcd-0 is the datastore (a one-key read); controller-manager and scheduler
// are healthy while their leader-election Lease is held (renewed within its duration).
import { buildTable, tableFor, type TableApiVersion } from '../../api/tables';
import type { KubeObject } from '../../api/types';
import { errors } from '../errors';
import { writeJson } from '../http/respond';
import type { Store } from '../registry/store';
import { target } from './read';
import type { ResourceContext } from './request-context';

export const COMPONENT_STATUSES_KEY = '/componentstatuses';
/** Upstream marks the API deprecated; kubectl prints this as `Warning: …`. */
export const COMPONENT_STATUS_DEPRECATION = 'v1 ComponentStatus is deprecated in v1.19+';
const RESPOND = { warnings: [COMPONENT_STATUS_DEPRECATION] } as const;

export interface ComponentLease {
  /** `controller-manager`, `scheduler`. */
  readonly component: string;
  readonly namespace: string;
  readonly name: string;
}

function storeOf(ctx: ResourceContext, group: string, resource: string): Store | undefined {
  for (const [def, store] of ctx.services.stores) if (def.group === group && def.resource === resource && !def.storageResource) return store;
  return undefined;
}

function status(name: string, healthy: boolean, message: string, error = ''): KubeObject {
  return { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name }, conditions: [{ type: 'Healthy', status: healthy ? 'True' : 'False', message, ...(error ? { error } : {}) }] } as KubeObject;
}

async function leaseStatus(leases: Store | undefined, l: ComponentLease, now: Date): Promise<KubeObject> {
  const what = `lease ${l.namespace}/${l.name}`;
  if (!leases) return status(l.component, false, '', 'leases are not served');
  let lease: KubeObject;
  try {
    lease = await leases.get(l.namespace, l.name);
  } catch {
    return status(l.component, false, '', `no leader: ${what} not found`);
  }
  const spec = (lease.spec ?? {}) as { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
  const renewed = spec.renewTime ? Date.parse(spec.renewTime) : NaN;
  const fresh = spec.holderIdentity && Number.isFinite(renewed) && now.getTime() - renewed <= (spec.leaseDurationSeconds ?? 15) * 1000;
  return fresh ? status(l.component, true, 'ok') : status(l.component, false, '', `no leader: ${what} was not renewed in time`);
}

async function datastoreStatus(ctx: ResourceContext): Promise<KubeObject> {
  const namespaces = storeOf(ctx, '', 'namespaces');
  if (!namespaces) return status('etcd-0', false, '', 'namespaces are not served');
  try {
    await namespaces.backendList(namespaces.prefix(undefined), { limit: 1 });
    return status('etcd-0', true, 'ok');
  } catch (e) {
    return status('etcd-0', false, '', `datastore read failed: ${(e as Error).message}`);
  }
}

/** The handler of `/componentstatuses` for the given leader-election Leases. */
export function componentStatusHandler(components: readonly ComponentLease[]): (ctx: ResourceContext) => Promise<void> {
  return async (ctx) => {
    if (ctx.info.verb !== 'get' && ctx.info.verb !== 'list') throw errors.methodNotAllowed(ctx.req.method ?? ctx.info.verb, ctx.def.kind);
    const now = ctx.services.now();
    const leases = storeOf(ctx, 'coordination.k8s.io', 'leases');
    const all = [...(await Promise.all(components.map((c) => leaseStatus(leases, c, now)))), await datastoreStatus(ctx)].sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
    const name = ctx.info.name;
    const shown = name === undefined ? all : all.filter((o) => o.metadata.name === name);
    if (name !== undefined && shown.length === 0) throw errors.notFound('', 'componentstatuses', name);
    const t = target(ctx);
    if (t.shape === 'table') return writeJson(ctx.res, 200, buildTable(tableFor('', 'componentstatuses')!, shown, now, { apiVersion: `meta.k8s.io/${t.metaVersion}` as TableApiVersion }), RESPOND);
    if (name !== undefined) return writeJson(ctx.res, 200, shown[0], RESPOND);
    writeJson(ctx.res, 200, { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items: shown }, RESPOND);
  };
}
