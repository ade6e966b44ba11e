// Discovery documents: aggregated (apidiscovery.k8s.io v2/v2beta1, with the exact content type
// kubectl requires) and legacy (APIVersions, APIGroupList, APIGroup, APIResourceList).
import type { ResourceDef } from '../../api/resource-def';
import type { CatalogView } from '../catalog-view';

function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function aggregatedContentType(version: string): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

function discoveryResource(r: ResourceDef) {
  return {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: [...r.verbs],
    ...(r.shortNames?.length ? { shortNames: [...r.shortNames] } : {}),
    ...(r.categories?.length ? { categories: [...r.categories] } : {}),
    ...(r.subresources?.length
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
            verbs: [...s.verbs],
          })),
        }
      : {}),
  };
}

export function aggregatedDiscovery(catalog: CatalogView, core: boolean, version: string) {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: catalog.groups
      .filter((g) => (g.group === '') === core)
      .map((g) => ({
        metadata: { name: g.group, creationTimestamp: null },
        versions: g.versions.map((v) => ({ version: v, resources: catalog.inGroupVersion(g.group, v).map(discoveryResource), freshness: 'Current' })),
      })),
  };
}

export function legacyApiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(g: { group: string; versions: readonly string[] }) {
  const versions = g.versions.map((v) => ({ groupVersion: groupVersion(g.group, v), version: v }));
  return { name: g.group, versions, preferredVersion: versions[0] };
}

export function legacyGroupList(catalog: CatalogView) {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: catalog.groups.filter((g) => g.group !== '').map(apiGroup) };
}

export function legacyGroup(catalog: CatalogView, group: string) {
  const g = catalog.groups.find((x) => x.group === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : undefined;
}

export function legacyResourceList(catalog: CatalogView, group: string, version: string) {
  const resources: object[] = [];
  for (const r of catalog.inGroupVersion(group, version)) {
    resources.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs],
      ...(r.shortNames?.length ? { shortNames: [...r.shortNames] } : {}),
      ...(r.categories?.length ? { categories: [...r.categories] } : {}),
    });
    for (const s of r.subresources ?? []) {
      resources.push({
        name: `${r.resource}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: [...s.verbs],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}
