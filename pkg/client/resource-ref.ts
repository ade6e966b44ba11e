// Which resource a request is about, and the URL paths the API serves it under. A catalog
// ResourceDef satisfies ResourceRef; the refs below name the ones k3ts' own components use.
import { ClientError } from './errors';

export interface ResourceRef {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural, lower case (`pods`). */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export function apiVersionOf(ref: Pick<ResourceRef, 'group' | 'version'>): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

/** `pods`, `deployments.apps`: how upstream names a group-resource. */
export function groupResourceName(ref: Pick<ResourceRef, 'group' | 'resource'>): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

/** Collection or object path, e.g. `/apis/apps/v1/namespaces/x/deployments/web/status`. */
export function resourcePath(ref: ResourceRef, namespace: string | undefined, name?: string, subresource?: string): string {
  const root = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  let p = root;
  if (ref.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  else if (ref.namespaced && name !== undefined) {
    throw new ClientError('invalid-argument', `${groupResourceName(ref)} is namespaced: a namespace is needed to address "${name}"`);
  }
  p += `/${ref.resource}`;
  if (name !== undefined) {
    if (name === '') throw new ClientError('invalid-argument', `an empty name was given for ${groupResourceName(ref)}; expected an object name`);
    p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
  }
  return p;
}

const ref = (group: string, version: string, resource: string, kind: string, namespaced: boolean): ResourceRef => Object.freeze({ group, version, resource, kind, namespaced });

/** The resources k3ts' controllers address by name. */
export const RESOURCES = Object.freeze({
  namespaces: ref('', 'v1', 'namespaces', 'Namespace', false),
  pods: ref('', 'v1', 'pods', 'Pod', true),
  configmaps: ref('', 'v1', 'configmaps', 'ConfigMap', true),
  serviceaccounts: ref('', 'v1', 'serviceaccounts', 'ServiceAccount', true),
  events: ref('', 'v1', 'events', 'Event', true),
  nodes: ref('', 'v1', 'nodes', 'Node', false),
  replicasets: ref('apps', 'v1', 'replicasets', 'ReplicaSet', true),
  deployments: ref('apps', 'v1', 'deployments', 'Deployment', true),
  leases: ref('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  services: ref('', 'v1', 'services', 'Service', true),
  endpoints: ref('', 'v1', 'endpoints', 'Endpoints', true),
  endpointslices: ref('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
});
