// What the EndpointSlice controller writes for one Service, as a plan (creates, updates, deletes)
// from the Service, its selected pods and the slices it already manages. Endpoints stay in the
// slice they are in while they exist (fewer writes for watchers), slices hold one port set and at
// most maxEndpointsPerSlice endpoints, emptied slices go, and a Service without endpoints keeps
// one empty placeholder slice (as upstream).
import type { KubeObject, OwnerReference } from '../../api/types';
import { asArray, asObject, asString, objectsOf, type JsonRecord } from '../../api/validation/json';
import { canonical, HEADLESS_LABEL, hostnameFor, isHeadlessService, isPodReady, podIPv4, podRef, resolvePorts, sameJson, shouldPodBeInEndpoints, type ResolvedPort } from '../endpoints/pod-endpoints';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

export interface SlicePlan {
  readonly create: KubeObject[];
  readonly update: KubeObject[];
  readonly delete: KubeObject[];
}

interface PortGroup {
  readonly ports: JsonRecord[];
  /** endpoint key → endpoint */
  readonly endpoints: Map<string, JsonRecord>;
}

function slicePorts(ports: readonly ResolvedPort[]): JsonRecord[] {
  return ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
}

function portsKey(ports: unknown): string {
  return canonical(
    objectsOf(ports)
      .map(([p]) => ({ name: asString(p.name) ?? '', port: p.port, protocol: asString(p.protocol) ?? 'TCP', appProtocol: asString(p.appProtocol) }))
      .sort((a, b) => (canonical(a) < canonical(b) ? -1 : 1)),
  );
}

function endpointKey(ep: JsonRecord): string {
  const uid = asString(asObject(ep.targetRef)?.uid);
  return uid ? `uid:${uid}` : `addr:${canonical(ep.addresses)}`;
}

/** An endpoint for a pod (upstream's podToEndpoint): ready/serving/terminating, nodeName, hostname, targetRef. */
export function podEndpoint(svc: KubeObject, pod: KubeObject): JsonRecord {
  const publishNotReady = asObject(svc.spec)?.publishNotReadyAddresses === true;
  const serving = publishNotReady || isPodReady(pod);
  const terminating = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  const ready = publishNotReady || (serving && !terminating);
  const nodeName = asString(asObject(pod.spec)?.nodeName);
  const hostname = hostnameFor(pod, svc);
  return {
    addresses: [podIPv4(pod)],
    conditions: { ready, serving, terminating },
    ...(hostname ? { hostname } : {}),
    targetRef: podRef(pod),
    ...(nodeName ? { nodeName } : {}),
  };
}

/** The endpoints a Service should have, grouped by the port set each pod serves. */
export function desiredGroups(svc: KubeObject, pods: readonly KubeObject[]): Map<string, PortGroup> {
  const groups = new Map<string, PortGroup>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = slicePorts(resolvePorts(svc, pod));
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: new Map() }));
    const ep = podEndpoint(svc, pod);
    g.endpoints.set(endpointKey(ep), ep);
  }
  return groups;
}

export function sliceLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  delete labels[HEADLESS_LABEL];
  labels[SERVICE_NAME_LABEL] = String(svc.metadata.name);
  labels[MANAGED_BY_LABEL] = ENDPOINTSLICE_CONTROLLER_NAME;
  if (isHeadlessService(svc)) labels[HEADLESS_LABEL] = '';
  return labels;
}

export function serviceOwnerRef(svc: KubeObject): OwnerReference {
  return { apiVersion: 'v1', kind: 'Service', name: String(svc.metadata.name), uid: String(svc.metadata.uid), controller: true, blockOwnerDeletion: true };
}

function newSlice(svc: KubeObject, ports: JsonRecord[], endpoints: JsonRecord[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { generateName: `${String(svc.metadata.name)}-`, namespace: svc.metadata.namespace, labels: sliceLabels(svc), ownerReferences: [serviceOwnerRef(svc)] },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

function metaChanged(svc: KubeObject, slice: KubeObject): boolean {
  const refs = slice.metadata.ownerReferences ?? [];
  return !sameJson(slice.metadata.labels ?? {}, sliceLabels(svc)) || !refs.some((r) => r.uid === svc.metadata.uid && r.controller === true);
}

function withMeta(svc: KubeObject, slice: KubeObject): KubeObject['metadata'] {
  const refs = (slice.metadata.ownerReferences ?? []).filter((r) => r.controller !== true);
  return { ...slice.metadata, labels: sliceLabels(svc), ownerReferences: [...refs, serviceOwnerRef(svc)] };
}

export function planSlices(svc: KubeObject, pods: readonly KubeObject[], existing: readonly KubeObject[], maxPerSlice = DEFAULT_MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const groups = desiredGroups(svc, pods);
  const total = [...groups.values()].reduce((n, g) => n + g.endpoints.size, 0);
  if (total === 0) {
    const keep = existing.find((s) => (asArray(s.endpoints) ?? []).length === 0 && (asArray(s.ports) ?? []).length === 0);
    for (const s of existing) if (s !== keep) plan.delete.push(s);
    if (!keep) plan.create.push(newSlice(svc, [], []));
    else if (metaChanged(svc, keep)) plan.update.push({ ...keep, metadata: withMeta(svc, keep) });
    return plan;
  }
  interface Kept {
    readonly slice: KubeObject;
    readonly key: string;
    readonly endpoints: JsonRecord[];
    changed: boolean;
  }
  const kept: Kept[] = [];
  for (const slice of existing) {
    const key = portsKey(slice.ports);
    const group = groups.get(key);
    if (!group) {
      plan.delete.push(slice);
      continue;
    }
    const endpoints: JsonRecord[] = [];
    let changed = metaChanged(svc, slice);
    for (const [ep] of objectsOf(slice.endpoints)) {
      const k = endpointKey(ep);
      const want = group.endpoints.get(k);
      if (!want) {
        changed = true;
        continue;
      }
      group.endpoints.delete(k);
      if (!sameJson(want, ep)) changed = true;
      endpoints.push(want);
    }
    if (endpoints.length === 0) plan.delete.push(slice);
    else kept.push({ slice, key, endpoints, changed });
  }
  for (const [key, group] of groups) {
    if (group.endpoints.size === 0) continue;
    // Fill slices that change anyway first, then others with room, then new ones.
    const room = kept.filter((k) => k.key === key && k.endpoints.length < maxPerSlice).sort((a, b) => Number(b.changed) - Number(a.changed));
    const fresh: JsonRecord[][] = [];
    for (const ep of group.endpoints.values()) {
      const target = room.find((k) => k.endpoints.length < maxPerSlice);
      if (target) {
        target.endpoints.push(ep);
        target.changed = true;
        continue;
      }
      const last = fresh[fresh.length - 1];
      if (last && last.length < maxPerSlice) last.push(ep);
      else fresh.push([ep]);
    }
    for (const eps of fresh) plan.create.push(newSlice(svc, group.ports, eps));
  }
  for (const k of kept) {
    if (!k.changed) continue;
    plan.update.push({ ...k.slice, metadata: withMeta(svc, k.slice), endpoints: k.endpoints, ports: groups.get(k.key)!.ports });
  }
  return plan;
}
