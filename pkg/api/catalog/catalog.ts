// The API catalog the server serves: built from an explicit, ordered list of group-version
// modules. Lookups by group/version/resource, by kind, by any name kubectl accepts (plural,
// singular, short name, kind), by category; group versions with their preferred version.
import type { ResourceDef, SubresourceDef } from '../resource-def';
import { CatalogError } from './errors';
import { appsV1 } from './apps-v1';
import { authenticationV1 } from './authentication-v1';
import { authorizationV1 } from './authorization-v1';
import { batchV1 } from './batch-v1';
import { coordinationV1 } from './coordination-v1';
import { coreV1 } from './core-v1';
import { discoveryV1 } from './discovery-v1';
import { eventsV1 } from './events-v1';
import { policyV1 } from './policy-v1';
import { rbacV1 } from './rbac-v1';
import { schedulingV1 } from './scheduling-v1';
import { networkingV1 } from './networking-v1';
import { storageV1 } from './storage-v1';
import { admissionregistrationV1 } from './admissionregistration-v1';
import { apiregistrationV1 } from './apiregistration-v1';
import { apiextensionsV1 } from './apiextensions-v1';
import { componentStatusV1 } from './component-status-v1';
import { autoscalingV1, autoscalingV2 } from './autoscaling';
import { certificatesV1, certificatesV1beta1 } from './certificates';
import { coordinationV1beta1 } from './coordination-v1beta1';
import { flowcontrolV1 } from './flowcontrol-v1';
import { nodeV1 } from './node-v1';
import { resourceV1 } from './resource-v1';
import { k3tsV1 } from './k3ts-v1';
import { resourceV1beta2 } from './resource-v1beta2';
import { resourceV1alpha3 } from './resource-v1alpha3';
import { schedulingV1alpha2 } from './scheduling-v1alpha2';
import { apiserverinternalV1alpha1 } from './apiserverinternal-v1alpha1';
import { storagemigrationV1beta1 } from './storagemigration-v1beta1';

/**
 * The built-in modules in discovery order (the order /apis lists groups). Adding a group is one
 * new module file and one entry here.
 */
export const BUILTIN_MODULES: readonly (readonly ResourceDef[])[] = Object.freeze([
  coreV1,
  appsV1,
  eventsV1,
  authenticationV1,
  authorizationV1,
  batchV1,
  rbacV1,
  coordinationV1,
  discoveryV1,
  schedulingV1,
  policyV1,
  storageV1,
  networkingV1,
  nodeV1,
  autoscalingV2,
  autoscalingV1,
  certificatesV1,
  certificatesV1beta1,
  admissionregistrationV1,
  flowcontrolV1,
  resourceV1,
  coordinationV1beta1,
  apiregistrationV1,
  apiextensionsV1,
  componentStatusV1,
  resourceV1beta2,
  resourceV1alpha3,
  schedulingV1alpha2,
  apiserverinternalV1alpha1,
  storagemigrationV1beta1,
  k3tsV1,
]);

export interface GroupInfo {
  /** '' for the core group. */
  readonly name: string;
  /** Served versions, highest priority first (`v2`, `v1`, `v1beta1`, …). */
  readonly versions: readonly string[];
  readonly preferredVersion: string;
}

export interface SubresourceMatch {
  readonly resource: ResourceDef;
  readonly subresource: SubresourceDef;
}

/** Kubernetes version priority: GA > beta > alpha, then higher major, then higher minor. */
export function compareVersionPriority(a: string, b: string): number {
  const rank = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    const level = m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2;
    return [level, Number(m[1]), Number(m[3] ?? 0)];
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra && !rb) return -1;
  if (!ra && rb) return 1;
  if (!ra || !rb) return a < b ? -1 : a > b ? 1 : 0;
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i]! - ra[i]!;
  return 0;
}

export function groupVersionString(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

export class Catalog {
  readonly #all: readonly ResourceDef[];
  readonly #byGVR = new Map<string, ResourceDef>();
  readonly #byGVK = new Map<string, ResourceDef>();
  readonly #groups: readonly GroupInfo[];
  readonly #preferred = new Map<string, string>();

  constructor(modules: readonly (readonly ResourceDef[])[]) {
    const all: ResourceDef[] = [];
    const versionsByGroup = new Map<string, string[]>();
    for (const mod of modules) {
      for (const def of mod) {
        if (!def.resource || !def.kind || !def.version || def.resource !== def.resource.toLowerCase()) {
          throw new CatalogError('invalid-definition', `resource definition ${JSON.stringify(def.resource)} of ${groupVersionString(def.group, def.version)} needs a lower-case plural name, a kind and a version`);
        }
        const gvr = `${def.group}/${def.version}/${def.resource}`;
        if (this.#byGVR.has(gvr)) throw new CatalogError('duplicate-resource', `resource ${gvr} is defined twice; each group/version/resource must appear in one module only`);
        const gvk = `${def.group}/${def.version}/${def.kind}`;
        if (this.#byGVK.has(gvk)) throw new CatalogError('duplicate-kind', `kind ${def.kind} is served twice in ${groupVersionString(def.group, def.version)}; expected one resource per kind`);
        this.#byGVR.set(gvr, def);
        this.#byGVK.set(gvk, def);
        all.push(def);
        const versions = versionsByGroup.get(def.group) ?? [];
        if (!versions.includes(def.version)) versions.push(def.version);
        versionsByGroup.set(def.group, versions);
      }
    }
    const groups: GroupInfo[] = [];
    for (const [name, versions] of versionsByGroup) {
      const sorted = [...versions].sort(compareVersionPriority);
      groups.push(Object.freeze({ name, versions: Object.freeze(sorted), preferredVersion: sorted[0]! }));
      this.#preferred.set(name, sorted[0]!);
    }
    this.#groups = Object.freeze(groups);
    this.#all = Object.freeze(all);
    for (const def of all) {
      if (def.storageResource && !this.storageOwner(def)) {
        throw new CatalogError('unknown-storage-resource', `${def.resource} of ${groupVersionString(def.group, def.version)} is stored as ${JSON.stringify(def.storageResource)}, which no module defines`);
      }
    }
  }

  /** Every served resource, in module order. */
  all(): readonly ResourceDef[] {
    return this.#all;
  }

  resource(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.#byGVR.get(`${group}/${version}/${resource}`);
  }

  subresource(group: string, version: string, resource: string, name: string): SubresourceMatch | undefined {
    const def = this.resource(group, version, resource);
    const sub = def?.subresources?.find((s) => s.name === name);
    return def && sub ? { resource: def, subresource: sub } : undefined;
  }

  /** By group and kind; the preferred version unless `version` is given. */
  kind(group: string, kind: string, version?: string): ResourceDef | undefined {
    if (version !== undefined) return this.#byGVK.get(`${group}/${version}/${kind}`);
    const preferred = this.#preferred.get(group);
    const hit = preferred === undefined ? undefined : this.#byGVK.get(`${group}/${preferred}/${kind}`);
    return hit ?? this.#all.find((d) => d.group === group && d.kind === kind);
  }

  /** Resources of one group version, in module order. */
  resourcesIn(group: string, version: string): readonly ResourceDef[] {
    return this.#all.filter((d) => d.group === group && d.version === version);
  }

  /** Groups in discovery order (the core group, named '', first when present). */
  groups(): readonly GroupInfo[] {
    return this.#groups;
  }

  group(name: string): GroupInfo | undefined {
    return this.#groups.find((g) => g.name === name);
  }

  /** `v1`, `apps/v1`, … in discovery order, preferred version first within a group. */
  groupVersions(): string[] {
    return this.#groups.flatMap((g) => g.versions.map((v) => groupVersionString(g.name, v)));
  }

  isPreferred(def: ResourceDef): boolean {
    return this.#preferred.get(def.group) === def.version;
  }

  /**
   * Resources a user-typed name refers to (plural, singular, short name or kind, any case), in the
   * preferred version of each group; `group` narrows to one group. Several groups may answer
   * (`events` is core and events.k8s.io), core first.
   */
  resolve(name: string, group?: string): ResourceDef[] {
    const n = name.toLowerCase();
    return this.#all.filter(
      (d) =>
        (group === undefined || d.group === group) &&
        this.isPreferred(d) &&
        (d.resource === n || d.singular === n || d.kind.toLowerCase() === n || (d.shortNames ?? []).includes(n)),
    );
  }

  /** Preferred-version resources in a category (`all`). */
  category(name: string): ResourceDef[] {
    return this.#all.filter((d) => this.isPreferred(d) && (d.categories ?? []).includes(name));
  }

  /**
   * The resource whose key space holds `def`'s objects: itself, or for `storageResource` the
   * definition of that name that is not itself redirected (core group first).
   */
  storageOwner(def: ResourceDef): ResourceDef | undefined {
    if (!def.storageResource) return def;
    const owners = this.#all.filter((d) => d.resource === def.storageResource && !d.storageResource && d.namespaced === def.namespaced);
    return owners.find((d) => d.group === '') ?? owners[0];
  }
}

/** The catalog of every built-in group version. */
export function createBuiltinCatalog(): Catalog {
  return new Catalog(BUILTIN_MODULES);
}
