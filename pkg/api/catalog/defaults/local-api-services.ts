// The APIService objects of the group versions the API server serves itself ("Local"), as
// kube-apiserver's aggregator registers them: named `<version>.<group>` (`v1.` for the core group)
// with upstream's group and version priorities, Available because they are served in-process.
// Existing objects are left alone.
import type { KubeObject } from '../../types';
import type { Logger } from '../../../log/logger';
import type { BootstrapStore } from './flowcontrol-bootstrap';

export const APIREGISTRATION_GROUP = 'apiregistration.k8s.io';

/** Upstream's groupPriorityMinimum per group (kube-apiserver's aggregator table). */
const GROUP_PRIORITY: Readonly<Record<string, number>> = {
  '': 18000,
  apps: 17800,
  'events.k8s.io': 17750,
  'authentication.k8s.io': 17700,
  'authorization.k8s.io': 17600,
  autoscaling: 17500,
  batch: 17400,
  'certificates.k8s.io': 17300,
  'networking.k8s.io': 17200,
  policy: 17100,
  'rbac.authorization.k8s.io': 17000,
  'storage.k8s.io': 16800,
  'admissionregistration.k8s.io': 16700,
  'apiextensions.k8s.io': 16700,
  'scheduling.k8s.io': 16600,
  'coordination.k8s.io': 16500,
  'node.k8s.io': 16300,
  'discovery.k8s.io': 16200,
  'resource.k8s.io': 16200,
  'flowcontrol.apiserver.k8s.io': 16100,
  'internal.apiserver.k8s.io': 16000,
  'storagemigration.k8s.io': 16000,
  'apiregistration.k8s.io': 18000,
};

/** Upstream's versionPriority where it is not the usual GA 15 / beta 9 / alpha 1. */
const VERSION_PRIORITY: Readonly<Record<string, number>> = {
  '/v1': 1,
  'autoscaling/v2': 30,
  'flowcontrol.apiserver.k8s.io/v1': 21,
  'coordination.k8s.io/v1beta1': 13,
  'apiregistration.k8s.io/v1': 15,
};

function versionPriority(group: string, version: string): number {
  const known = VERSION_PRIORITY[`${group}/${version}`];
  if (known !== undefined) return known;
  if (/^v\d+$/.test(version)) return 15;
  return /beta/.test(version) ? 9 : 1;
}

export function localApiServiceName(group: string, version: string): string {
  return `${version}.${group}`;
}

/** The Local APIService of one served group version. */
export function localApiService(group: string, version: string, now: Date): KubeObject {
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: `${APIREGISTRATION_GROUP}/v1`,
    kind: 'APIService',
    metadata: { name: localApiServiceName(group, version), labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } },
    spec: { group, version, groupPriorityMinimum: GROUP_PRIORITY[group] ?? 16000, versionPriority: versionPriority(group, version) },
    status: { conditions: [{ type: 'Available', status: 'True', lastTransitionTime: time, reason: 'Local', message: 'Local APIServices are always available' }] },
  };
}

/**
 * Creates a Local APIService (and its Available status) for each served group version that has
 * none; returns how many. `served` may repeat group versions (one entry per resource).
 */
export async function ensureLocalApiServices(
  served: readonly { readonly group: string; readonly version: string }[],
  stores: ReadonlyMap<{ readonly group: string; readonly resource: string; readonly storageResource?: string }, BootstrapStore>,
  log: Logger,
  now: Date = new Date(),
): Promise<number> {
  const store = [...stores].find(([d]) => d.group === APIREGISTRATION_GROUP && d.resource === 'apiservices')?.[1];
  if (!store) return 0;
  const seen = new Set<string>();
  let created = 0;
  for (const gv of served) {
    const name = localApiServiceName(gv.group, gv.version);
    if (seen.has(name)) continue;
    seen.add(name);
    const obj = localApiService(gv.group, gv.version, now);
    try {
      await store.create(undefined, obj);
      created++;
    } catch (e) {
      if (!(typeof e === 'object' && e !== null && (e as { reason?: unknown }).reason === 'AlreadyExists')) throw e;
      continue;
    }
    await store.update(undefined, name, (current) => ({ ...(current ?? obj), status: obj.status }), { subresource: 'status' });
  }
  if (created > 0) log.info('registered local API services', { created });
  return created;
}
