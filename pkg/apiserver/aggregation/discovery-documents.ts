// An extension server's APIResourceList (legacy discovery) turned into the aggregated discovery
// entry (apidiscovery.k8s.io APIGroupDiscovery) the main server lists for it.

export interface ApiResource {
  readonly name: string;
  readonly singularName?: string;
  readonly namespaced?: boolean;
  readonly group?: string;
  readonly version?: string;
  readonly kind: string;
  readonly verbs?: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
}

export interface ApiResourceList {
  readonly groupVersion?: string;
  readonly resources: readonly ApiResource[];
}

function versionEntry(group: string, version: string, list: ApiResourceList | undefined, fresh: boolean): object {
  const all = list?.resources ?? [];
  const resources = all
    .filter((r) => typeof r.name === 'string' && !r.name.includes('/'))
    .map((r) => {
      const subs = all.filter((s) => typeof s.name === 'string' && s.name.startsWith(`${r.name}/`));
      return {
        resource: r.name,
        responseKind: { group: r.group ?? group, version: r.version ?? version, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: r.singularName || r.kind.toLowerCase(),
        verbs: [...(r.verbs ?? [])],
        ...(r.shortNames?.length ? { shortNames: [...r.shortNames] } : {}),
        ...(r.categories?.length ? { categories: [...r.categories] } : {}),
        ...(subs.length
          ? { subresources: subs.map((s) => ({ subresource: s.name.slice(r.name.length + 1), responseKind: { group: s.group ?? group, version: s.version ?? version, kind: s.kind }, verbs: [...(s.verbs ?? [])] })) }
          : {}),
      };
    });
  return { version, resources, freshness: fresh ? 'Current' : 'Stale' };
}

export function aggregatedGroup(group: string, versions: readonly { version: string; list: ApiResourceList | undefined; fresh: boolean }[]): { metadata: { name: string; creationTimestamp: null }; versions: object[] } {
  return { metadata: { name: group, creationTimestamp: null }, versions: versions.map((v) => versionEntry(group, v.version, v.list, v.fresh)) };
}

/** The legacy APIGroup entry (`/apis`, `/apis/<group>`) of an aggregated group. */
export function legacyApiGroup(group: string, versions: readonly string[]): { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion?: { groupVersion: string; version: string } } {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}
