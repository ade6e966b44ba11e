// The ServiceCIDR named `kubernetes` every cluster has (upstream's default ServiceCIDR): the
// --service-cidr range(s) cluster IPs come from, Ready. Created when missing; an existing one is
// left as it is.
import type { KubeObject } from '../../types';
import type { Logger } from '../../../log/logger';
import type { BootstrapStore } from './flowcontrol-bootstrap';

export const DEFAULT_SERVICE_CIDR_NAME = 'kubernetes';

export async function ensureDefaultServiceCIDR(
  stores: ReadonlyMap<{ readonly group: string; readonly resource: string; readonly storageResource?: string }, BootstrapStore>,
  serviceCidr: string,
  log: Logger,
  now: Date = new Date(),
): Promise<boolean> {
  const store = [...stores].find(([d]) => d.group === 'networking.k8s.io' && d.resource === 'servicecidrs' && !d.storageResource)?.[1];
  if (!store) return false;
  const cidrs = serviceCidr
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const obj: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: DEFAULT_SERVICE_CIDR_NAME }, spec: { cidrs } };
  try {
    await store.create(undefined, obj);
  } catch (e) {
    if (typeof e === 'object' && e !== null && (e as { reason?: unknown }).reason === 'AlreadyExists') return false;
    throw e;
  }
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const status = { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: time, reason: '', message: 'Kubernetes Service CIDR is ready' }] };
  await store.update(undefined, DEFAULT_SERVICE_CIDR_NAME, (current) => ({ ...(current ?? obj), status }), { subresource: 'status' });
  log.info('created the default service CIDR', { cidrs: cidrs.join(',') });
  return true;
}
