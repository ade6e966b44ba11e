// The API-backed readers volumes need beyond ConfigMaps and Secrets: service account tokens
// (TokenRequest, cached and refreshed by ServiceAccountTokens) and persistent volume claims and
// volumes (which the node authorizer lets a node read for its own pods).
import type { Clock } from '../../client/clock';
import { isNotFound } from '../../client/errors';
import type { ResourceRef } from '../../client/resource-ref';
import type { RestClient } from '../../client/rest-client';
import { ServiceAccountTokens, tokenRequester } from './service-account-tokens';
import type { VolumeSources } from './volume-sources';

const SECRETS: ResourceRef = Object.freeze({ group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true });
const CONFIGMAPS: ResourceRef = Object.freeze({ group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true });
const PVCS: ResourceRef = Object.freeze({ group: '', version: 'v1', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true });
const PVS: ResourceRef = Object.freeze({ group: '', version: 'v1', resource: 'persistentvolumes', kind: 'PersistentVolume', namespaced: false });

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Whether the pod has volumes whose content comes from API objects (configMap, secret, projected). */
export function hasApiVolumes(pod: { readonly spec: { readonly volumes?: readonly object[] } }): boolean {
  return (pod.spec.volumes ?? []).some((v) => 'configMap' in v || 'secret' in v || 'projected' in v);
}

function bytesOf(text: unknown, base64: unknown): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries((text ?? {}) as Record<string, unknown>)) if (typeof v === 'string') out[k] = Buffer.from(v, 'utf8');
  for (const [k, v] of Object.entries((base64 ?? {}) as Record<string, unknown>)) if (typeof v === 'string') out[k] = Buffer.from(v, 'base64');
  return out;
}

export function apiVolumeSources(client: RestClient, clock: Pick<Clock, 'now'>): Required<Pick<VolumeSources, 'serviceAccountToken' | 'persistentVolumeClaim' | 'persistentVolume' | 'secretData' | 'configMapData'>> & { readonly tokens: ServiceAccountTokens } {
  const tokens = new ServiceAccountTokens({ request: tokenRequester(client), clock });
  return {
    tokens,
    serviceAccountToken: (spec) => tokens.get(spec),
    secretData: async (ns, name) => {
      const s = await orUndefined(client.resource(SECRETS).get(ns, name));
      return s && bytesOf(s.stringData, s.data);
    },
    configMapData: async (ns, name) => {
      const cm = await orUndefined(client.resource(CONFIGMAPS).get(ns, name));
      return cm && bytesOf(cm.data, cm.binaryData);
    },
    persistentVolumeClaim: async (ns, name) => {
      const pvc = await orUndefined(client.resource(PVCS).get(ns, name));
      if (!pvc) return undefined;
      return { volumeName: (pvc.spec as { volumeName?: string } | undefined)?.volumeName || undefined, phase: (pvc.status as { phase?: string } | undefined)?.phase };
    },
    persistentVolume: async (name) => {
      const pv = await orUndefined(client.resource(PVS).get(undefined, name));
      if (!pv) return undefined;
      const spec = (pv.spec ?? {}) as { hostPath?: { path?: string; type?: string }; local?: { path?: string } };
      if (spec.hostPath?.path) return { path: spec.hostPath.path, hostPathType: spec.hostPath.type ?? '' };
      if (spec.local?.path) return { path: spec.local.path, hostPathType: 'Directory' };
      return {};
    },
  };
}
