// The Endpoints controller (core/v1 Endpoints, deprecated but still read by many clients): for each
// Service with a selector, one Endpoints object of the same name listing the selected pods — ready
// ones under `addresses`, the others under `notReadyAddresses` (all under `addresses` with
// publishNotReadyAddresses) — with each Service port resolved per pod and addresses grouped by the
// ports they serve. Terminating pods are left out unless publishNotReadyAddresses is set.
import type { KubeObject } from '../../api/types';
import { asObject, asString, type JsonRecord } from '../../api/validation/json';
import { isAlreadyExists, isNotFound } from '../../client/errors';
import { objectKey, splitKey } from '../../client/indexer';
import { RESOURCES } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import {
  canonical,
  HEADLESS_LABEL,
  hostnameFor,
  isHeadlessService,
  isPodReady,
  managesEndpoints,
  podIPv4,
  podRef,
  resolvePorts,
  sameJson,
  selectedPods,
  servicePortCount,
  enqueueServicesAndSelectingPods,
  shouldPodBeInEndpoints,
  type ResolvedPort,
} from './pod-endpoints';

export const ENDPOINTS_CONTROLLER = 'endpoints';
/** Upstream's cap on addresses in one Endpoints object; the rest is dropped and the object marked. */
export const MAX_ENDPOINT_ADDRESSES = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
export const ENDPOINTS_MANAGED_BY_LABEL = 'endpoints.kubernetes.io/managed-by';
export const ENDPOINTS_MANAGED_BY = 'endpoint-controller';

interface Address {
  readonly address: JsonRecord;
  readonly ready: boolean;
}

function portKey(p: ResolvedPort): string {
  return canonical(p);
}

/**
 * Subsets as upstream's repacking makes them: addresses (ready and not) that serve the same set of
 * ports share one subset; addresses, ports and subsets in a stable order.
 */
export function buildSubsets(svc: KubeObject, pods: readonly KubeObject[]): { subsets: JsonRecord[]; truncated: boolean } {
  const publishNotReady = asObject(svc.spec)?.publishNotReadyAddresses === true;
  const portsOf = new Map<string, { addr: Address; ports: Map<string, ResolvedPort> }>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIPv4(pod)!;
    const nodeName = asString(asObject(pod.spec)?.nodeName);
    const hostname = hostnameFor(pod, svc);
    const address: JsonRecord = { ip, ...(hostname ? { hostname } : {}), ...(nodeName ? { nodeName } : {}), targetRef: podRef(pod) };
    const ready = publishNotReady || isPodReady(pod);
    const ports = resolvePorts(svc, pod);
    // A headless Service without ports still lists its pods; otherwise a pod serving none of the ports is left out.
    if (ports.length === 0 && !(servicePortCount(svc) === 0 && isHeadlessService(svc))) continue;
    portsOf.set(`${ip}/${String(pod.metadata.uid)}`, { addr: { address, ready }, ports: new Map(ports.map((p) => [portKey(p), p])) });
  }
  // Group addresses by the exact set of ports they serve.
  const groups = new Map<string, { ports: ResolvedPort[]; ready: JsonRecord[]; notReady: JsonRecord[] }>();
  for (const { addr, ports } of portsOf.values()) {
    const sorted = [...ports.values()].sort((a, b) => (portKey(a) < portKey(b) ? -1 : 1));
    const key = sorted.map(portKey).join('|');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: sorted, ready: [], notReady: [] }));
    (addr.ready ? g.ready : g.notReady).push(addr.address);
  }
  let budget = MAX_ENDPOINT_ADDRESSES;
  let truncated = false;
  const byIP = (a: JsonRecord, b: JsonRecord) => (String(a.ip) < String(b.ip) ? -1 : String(a.ip) > String(b.ip) ? 1 : 0);
  const take = (list: JsonRecord[]) => {
    const kept = list.sort(byIP).slice(0, Math.max(0, budget));
    if (kept.length < list.length) truncated = true;
    budget -= kept.length;
    return kept;
  };
  const ordered = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, g]) => g);
  // Ready addresses first when something must be dropped.
  const ready = ordered.map((g) => take(g.ready));
  const notReady = ordered.map((g) => take(g.notReady));
  const subsets: JsonRecord[] = [];
  ordered.forEach((g, i) => {
    if (ready[i]!.length === 0 && notReady[i]!.length === 0) return;
    subsets.push({
      ...(ready[i]!.length ? { addresses: ready[i] } : {}),
      ...(notReady[i]!.length ? { notReadyAddresses: notReady[i] } : {}),
      ...(g.ports.length ? { ports: g.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })) } : {}),
    });
  });
  return { subsets, truncated };
}

export function endpointsLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}), [ENDPOINTS_MANAGED_BY_LABEL]: ENDPOINTS_MANAGED_BY };
  if (isHeadlessService(svc)) labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

export function endpointsController(ctx: ControllerContext): Controller {
  const services = ctx.informers.informerFor(RESOURCES.services);
  const pods = ctx.informers.informerFor(RESOURCES.pods);
  const endpoints = ctx.informers.informerFor(RESOURCES.endpoints);
  const api = ctx.client.resource(RESOURCES.endpoints);
  const controller = new QueueController({ name: ENDPOINTS_CONTROLLER, workers: 5, ctx, informers: [services, pods, endpoints], reconcile });

  enqueueServicesAndSelectingPods(services, pods, controller);
  // Endpoints left behind by Services deleted while no controller ran are looked at once (the
  // first list); a deleted Endpoints of a Service is made again.
  endpoints.addEventHandler({
    add: (e) => {
      if (!endpoints.hasSynced() && !services.indexer.get(objectKey(e))) controller.enqueue(e);
    },
    delete: (e) => {
      if (services.indexer.get(objectKey(e))) controller.enqueue(e);
    },
  });

  async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const svc = services.indexer.get(key);
    const current = endpoints.indexer.get(key);
    if (!svc) {
      if (!current) return;
      await api.delete(namespace, name, { signal }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
      return;
    }
    if (!managesEndpoints(svc)) return;
    const { subsets, truncated } = buildSubsets(svc, selectedPods(svc, pods.indexer));
    const labels = endpointsLabels(svc);
    const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
    if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    if (current && sameJson(current.subsets ?? [], subsets) && sameJson(current.metadata.labels ?? {}, labels) && sameJson(current.metadata.annotations ?? {}, annotations)) return;
    const meta = { name, namespace, labels, ...(Object.keys(annotations).length ? { annotations } : {}) };
    if (!current) {
      try {
        await api.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: meta, subsets }, { signal });
      } catch (e) {
        // The cache has not seen it yet: the add event brings this key back.
        if (isAlreadyExists(e)) return { requeueAfterMs: 1000 };
        throw e;
      }
      return;
    }
    await api.update({ ...current, metadata: { ...current.metadata, ...meta, annotations }, subsets }, { signal });
  }

  return controller;
}
