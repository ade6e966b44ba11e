// apiVersion + kind → the served resource, from the API's discovery (read once, read again when a
// kind is not found, in case it was registered since).
import { discoverResources, resourceForKind, type ServedResource } from '../client/discovery';
import type { RestClient } from '../client/rest-client';
import { DeployError } from './errors';

export type KindResolver = (apiVersion: string, kind: string, signal?: AbortSignal) => Promise<ServedResource>;

export function kindResolver(client: RestClient): KindResolver {
  let served: readonly ServedResource[] | undefined;
  return async (apiVersion, kind, signal) => {
    const found = served && resourceForKind(served, apiVersion, kind);
    if (found) return found;
    served = await discoverResources(client, signal);
    const again = resourceForKind(served, apiVersion, kind);
    if (!again) throw new DeployError('unknown-kind', `the server does not serve kind ${kind} in ${apiVersion}`);
    return again;
  };
}
