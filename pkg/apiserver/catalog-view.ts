// The API server's view of the catalog: the served ResourceDefs, indexed for routing and discovery.
// Built-in resources are fixed at construction; resources served for CustomResourceDefinitions are
// added and removed at run time (`add` / `remove`), and discovery and routing see them at once.
import { compareVersionPriority } from '../api/catalog/catalog';
import type { ResourceDef } from '../api/resource-def';

export interface GroupVersions {
  readonly group: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
}

export class CatalogView {
  private readonly byPath = new Map<string, ResourceDef>();
  private readonly byKind = new Map<string, ResourceDef>();
  private all: readonly ResourceDef[] = [];
  private groupList: readonly GroupVersions[] = [];
  private readonly byGroupVersion = new Map<string, readonly ResourceDef[]>();

  constructor(resources: readonly ResourceDef[]) {
    this.reindex([...resources]);
  }

  /** Every served resource: the built-in ones in catalog order, then added ones in the order added. */
  get resources(): readonly ResourceDef[] {
    return this.all;
  }

  get groups(): readonly GroupVersions[] {
    return this.groupList;
  }

  private reindex(resources: ResourceDef[]): void {
    this.byPath.clear();
    this.byKind.clear();
    this.byGroupVersion.clear();
    const groups = new Map<string, string[]>();
    for (const r of resources) {
      this.byPath.set(`${r.group}/${r.version}/${r.resource}`, r);
      this.byKind.set(`${r.group}/${r.version}/${r.kind}`, r);
      const gv = `${r.group}/${r.version}`;
      this.byGroupVersion.set(gv, [...(this.byGroupVersion.get(gv) ?? []), r]);
      const vs = groups.get(r.group) ?? [];
      if (!vs.includes(r.version)) vs.push(r.version);
      groups.set(r.group, vs);
    }
    this.all = Object.freeze(resources);
    // Preferred (highest priority: GA > beta > alpha) first, whichever CRD or module brought a version.
    this.groupList = Object.freeze([...groups].map(([group, versions]) => Object.freeze({ group, versions: Object.freeze(versions.sort(compareVersionPriority)) })));
  }

  /**
   * Serves `defs` from now on, replacing any served resource with the same group/version/resource.
   */
  add(defs: readonly ResourceDef[]): void {
    const paths = new Set(defs.map((d) => `${d.group}/${d.version}/${d.resource}`));
    this.reindex([...this.all.filter((r) => !paths.has(`${r.group}/${r.version}/${r.resource}`)), ...defs]);
  }

  /** Stops serving `defs` (those not served are ignored). */
  remove(defs: readonly ResourceDef[]): void {
    const gone = new Set(defs);
    if (!this.all.some((r) => gone.has(r))) return;
    this.reindex(this.all.filter((r) => !gone.has(r)));
  }

  lookup(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  byGroupVersionKind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.byKind.get(`${group}/${version}/${kind}`);
  }

  inGroupVersion(group: string, version: string): ResourceDef[] {
    return [...(this.byGroupVersion.get(`${group}/${version}`) ?? [])];
  }

  servesGroupVersion(group: string, version: string): boolean {
    return this.byGroupVersion.has(`${group}/${version}`);
  }
}
