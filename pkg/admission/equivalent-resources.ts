// matchPolicy Equivalent: a rule naming one version (or group) of a resource also matches a
// request made through another version or group that shares its storage (autoscaling/v1 and v2
// HorizontalPodAutoscalers, core and events.k8s.io Events), and the policy or webhook then sees
// the object converted to the version its rule names. Resources are equivalent here when they are
// stored in the same key space with the same kind (upstream's equivalent-resource registry keys
// by storage as well). Conversion goes through the stored form with the resources' own strategy
// conversions (toStorage, then fromStorage), never per-kind code.
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';

function keySpace(d: ResourceDef): string {
  return d.storageResource ?? d.resource;
}

function servesSubresource(d: ResourceDef, subresource: string): boolean {
  return !subresource || (d.subresources ?? []).some((s) => s.name === subresource);
}

/** The other served resources sharing `def`'s storage (catalog order), serving `subresource` too. */
export function equivalentResources(resources: readonly ResourceDef[], def: ResourceDef, subresource = ''): ResourceDef[] {
  return resources.filter((d) => d !== def && !d.createOnly && keySpace(d) === keySpace(def) && d.kind === def.kind && (d.group !== def.group || d.version !== def.version) && servesSubresource(d, subresource));
}

/** The object as `to` serves it (a new object; `obj` is not changed). */
export function convertObject(obj: KubeObject, from: ResourceDef, to: ResourceDef): KubeObject {
  const copy = structuredClone(obj);
  const stored = from.strategy.toStorage ? from.strategy.toStorage(copy) : copy;
  const out = to.strategy.fromStorage ? to.strategy.fromStorage(structuredClone(stored)) : structuredClone(stored);
  out.apiVersion = to.group ? `${to.group}/${to.version}` : to.version;
  out.kind = to.kind;
  return out;
}
