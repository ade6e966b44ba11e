// What the API server serves, read from aggregated discovery (/api and /apis, apidiscovery v2):
// every resource of every group version with its scope, verbs and subresources. Controllers that
// act on "all resources" (garbage collector, namespace deletion) use this instead of a fixed list.
import { ClientError } from './errors';
import type { ResourceRef } from './resource-ref';
import type { RestClient } from './rest-client';

export interface ServedResource extends ResourceRef {
  readonly verbs: readonly string[];
  readonly subresources: readonly string[];
  /** The group's preferred version (the one to list and watch). */
  readonly preferred: boolean;
}

const ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

interface DiscoveryList {
  items?: {
    metadata?: { name?: string };
    versions?: {
      version?: string;
      resources?: { resource?: string; responseKind?: { kind?: string }; scope?: string; verbs?: string[]; subresources?: { subresource?: string }[] }[];
    }[];
  }[];
}

export async function discoverResources(client: RestClient, signal?: AbortSignal): Promise<ServedResource[]> {
  const out: ServedResource[] = [];
  for (const path of ['/api', '/apis']) {
    const body = (await client.request({ method: 'GET', path, accept: ACCEPT, signal })) as DiscoveryList;
    if (!body || !Array.isArray(body.items)) throw new ClientError('decode', `${path} did not answer with an aggregated discovery list`);
    for (const g of body.items) {
      const group = g.metadata?.name ?? '';
      (g.versions ?? []).forEach((v, i) => {
        for (const r of v.resources ?? []) {
          if (!r.resource || !v.version || !r.responseKind?.kind) continue;
          out.push(
            Object.freeze({
              group,
              version: v.version,
              resource: r.resource,
              kind: r.responseKind.kind,
              namespaced: r.scope === 'Namespaced',
              verbs: Object.freeze([...(r.verbs ?? [])]),
              subresources: Object.freeze((r.subresources ?? []).map((s) => s.subresource ?? '').filter(Boolean)),
              preferred: i === 0,
            }),
          );
        }
      });
    }
  }
  return out;
}

/** The served resource for an ownerReference's apiVersion and kind. */
export function resourceForKind(resources: readonly ServedResource[], apiVersion: string, kind: string): ServedResource | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return resources.find((r) => r.group === group && r.version === version && r.kind === kind) ?? resources.find((r) => r.group === group && r.kind === kind && r.preferred);
}
