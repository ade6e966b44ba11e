// The API server's view of the catalog: the served ResourceDefs, indexed for routing and discovery.
import type { ResourceDef } from '../api/resource-def';

export interface GroupVersions {
  readonly group: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
}

export class CatalogView {
  private readonly byPath = new Map<string, ResourceDef>();
  private readonly byKind = new Map<string, ResourceDef>();
  readonly groups: readonly GroupVersions[];

  constructor(readonly resources: readonly ResourceDef[]) {
    const groups = new Map<string, string[]>();
    for (const r of resources) {
      this.byPath.set(`${r.group}/${r.version}/${r.resource}`, r);
      this.byKind.set(`${r.group}/${r.version}/${r.kind}`, r);
      const vs = groups.get(r.group) ?? [];
      if (!vs.includes(r.version)) vs.push(r.version);
      groups.set(r.group, vs);
    }
    this.groups = [...groups].map(([group, versions]) => ({ group, versions }));
  }

  lookup(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  byGroupVersionKind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.byKind.get(`${group}/${version}/${kind}`);
  }

  inGroupVersion(group: string, version: string): ResourceDef[] {
    return this.resources.filter((r) => r.group === group && r.version === version);
  }

  servesGroupVersion(group: string, version: string): boolean {
    return this.groups.some((g) => g.group === group && g.versions.includes(version));
  }
}
