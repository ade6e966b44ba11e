// What objects cost against a ResourceQuota (upstream's quota evaluators): pods count with their
// compute requests and limits (the larger of the containers' sum and any init container, plus
// overhead) until they finish; services with their node ports and load balancers; claims with
// their storage; every object as `count/<resource>[.<group>]` and, for the core kinds, under its
// legacy name (`pods`, `secrets`…). Quota scopes Terminating/NotTerminating/BestEffort/
// NotBestEffort select pods.
import type { KubeObject } from '../../api/types';
import { asArray, asObject, asString } from '../../api/validation/json';
import { formatQuantity, toQuantity, type QuantityFormat } from '../../api/validation/quantity';

export type Usage = Map<string, bigint>;

/** Core resources quota also names without the `count/` prefix. */
const LEGACY_COUNTED = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims']);
const COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];
const NANO = 1_000_000_000n;
const ONE = NANO;

export function countName(group: string, resource: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

function add(u: Usage, k: string, v: bigint): void {
  u.set(k, (u.get(k) ?? 0n) + v);
}

function quantityOf(v: unknown): bigint {
  return toQuantity(v)?.nanos ?? 0n;
}

/** Finished pods, and pods whose graceful deletion has run out, cost nothing. */
export function podCounts(pod: KubeObject, nowMs: number): boolean {
  const phase = asString(asObject(pod.status)?.phase);
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const del = Date.parse(pod.metadata.deletionTimestamp ?? '');
  if (Number.isFinite(del) && del + (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000 < nowMs) return false;
  return true;
}

function containerResources(c: unknown, kind: 'requests' | 'limits'): Record<string, unknown> {
  return asObject(asObject(asObject(c)?.resources)?.[kind]) ?? {};
}

/** Pod requests or limits per compute resource. */
export function podCompute(pod: KubeObject, kind: 'requests' | 'limits'): Map<string, bigint> {
  const spec = asObject(pod.spec) ?? {};
  const out = new Map<string, bigint>();
  for (const r of COMPUTE) {
    let sum = 0n;
    for (const c of asArray(spec.containers) ?? []) sum += quantityOf(containerResources(c, kind)[r]);
    let init = 0n;
    for (const c of asArray(spec.initContainers) ?? []) {
      const q = quantityOf(containerResources(c, kind)[r]);
      if (q > init) init = q;
    }
    const total = (sum > init ? sum : init) + quantityOf(asObject(spec.overhead)?.[r]);
    if (total > 0n) out.set(r, total);
  }
  return out;
}

export function isBestEffort(pod: KubeObject): boolean {
  const spec = asObject(pod.spec) ?? {};
  return [...(asArray(spec.containers) ?? []), ...(asArray(spec.initContainers) ?? [])].every((c) => Object.keys(containerResources(c, 'requests')).length === 0 && Object.keys(containerResources(c, 'limits')).length === 0);
}

/** The usage of one object of `group/resource`. */
export function usageOf(group: string, resource: string, obj: KubeObject, nowMs: number): Usage {
  const u: Usage = new Map();
  if (group === '' && resource === 'pods') {
    if (!podCounts(obj, nowMs)) return u;
    for (const [r, v] of podCompute(obj, 'requests')) {
      add(u, `requests.${r}`, v);
      if (r !== 'ephemeral-storage') add(u, r, v);
    }
    for (const [r, v] of podCompute(obj, 'limits')) add(u, `limits.${r}`, v);
  } else if (group === '' && resource === 'services') {
    const spec = asObject(obj.spec) ?? {};
    const ports = (asArray(spec.ports) ?? []).length;
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') add(u, 'services.nodeports', BigInt(ports) * ONE);
    if (spec.type === 'LoadBalancer') add(u, 'services.loadbalancers', ONE);
  } else if (group === '' && resource === 'persistentvolumeclaims') {
    const storage = quantityOf(asObject(asObject(asObject(obj.spec)?.resources)?.requests)?.storage);
    add(u, 'requests.storage', storage);
    const cls = asString(asObject(obj.spec)?.storageClassName);
    if (cls) {
      add(u, `${cls}.storageclass.storage.k8s.io/requests.storage`, storage);
      add(u, `${cls}.storageclass.storage.k8s.io/persistentvolumeclaims`, ONE);
    }
  }
  add(u, countName(group, resource), ONE);
  if (group === '' && LEGACY_COUNTED.has(resource)) add(u, resource, ONE);
  return u;
}

/** The group/resource a quota resource name counts (`pods`, `count/deployments.apps`, `requests.cpu` → pods…). */
export function resourceOfQuotaName(name: string): { group: string; resource: string } | undefined {
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const i = rest.indexOf('.');
    return i < 0 ? { group: '', resource: rest } : { group: rest.slice(i + 1), resource: rest.slice(0, i) };
  }
  if (LEGACY_COUNTED.has(name)) return { group: '', resource: name };
  if (/^(requests|limits)\.(cpu|memory|ephemeral-storage)$/.test(name) || COMPUTE.includes(name)) return { group: '', resource: 'pods' };
  if (name.startsWith('services.')) return { group: '', resource: 'services' };
  if (name === 'requests.storage' || name.endsWith('.storageclass.storage.k8s.io/requests.storage') || name.endsWith('.storageclass.storage.k8s.io/persistentvolumeclaims')) return { group: '', resource: 'persistentvolumeclaims' };
  return undefined;
}

/** Whether a quota's scopes select `obj` (scopes only ever select pods; an unsupported scope selects nothing). */
export function scopesMatch(quota: KubeObject, group: string, resource: string, obj: KubeObject): boolean {
  const spec = asObject(quota.spec) ?? {};
  const scopes = (asArray(spec.scopes) ?? []).map(String);
  for (const e of asArray(asObject(spec.scopeSelector)?.matchExpressions) ?? []) {
    const expr = asObject(e) ?? {};
    if (expr.operator !== 'Exists') return false;
    scopes.push(String(expr.scopeName));
  }
  if (!scopes.length) return true;
  if (group !== '' || resource !== 'pods') return false;
  const terminating = typeof asObject(obj.spec)?.activeDeadlineSeconds === 'number';
  return scopes.every((s) => {
    switch (s) {
      case 'Terminating':
        return terminating;
      case 'NotTerminating':
        return !terminating;
      case 'BestEffort':
        return isBestEffort(obj);
      case 'NotBestEffort':
        return !isBestEffort(obj);
      default:
        return false;
    }
  });
}

/** Prints a usage value the way the API canonicalises quantities (binary for memory and storage). */
export function formatUsage(name: string, nanos: bigint): string {
  const binary = /memory|storage/.test(name) && nanos % NANO === 0n;
  const format: QuantityFormat = binary ? 'BinarySI' : 'DecimalSI';
  return formatQuantity({ nanos, format });
}

export function parseUsage(v: unknown): bigint {
  return quantityOf(v);
}
