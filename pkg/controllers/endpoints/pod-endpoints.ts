// What the Endpoints and EndpointSlice controllers share: which Services select which pods, which
// pods belong in endpoints, and a Service port resolved against one pod (a named targetPort is
// looked up in that pod's container ports).
import type { KubeObject } from '../../api/types';
import { asArray, asNumber, asObject, asString, objectsOf, type JsonRecord } from '../../api/validation/json';
import { NAMESPACE_INDEX, objectKey } from '../../client/indexer';
import type { Indexer } from '../../client/indexer';
import type { SharedInformer } from '../../client/shared-informer';
import type { QueueController } from '../../controller/controller';
import { podPhase } from '../internal/pods';

export { isPodReady } from '../internal/pods';

export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

function specOf(obj: KubeObject): JsonRecord {
  return asObject(obj.spec) ?? {};
}

/** The Service's selector, or undefined when it has none (its endpoints are managed by someone else). */
export function serviceSelector(svc: KubeObject): Readonly<Record<string, string>> | undefined {
  const sel = asObject(specOf(svc).selector);
  if (!sel || Object.keys(sel).length === 0) return undefined;
  return sel as Record<string, string>;
}

/** Services whose endpoints the controllers compute: with a selector, not ExternalName. */
export function managesEndpoints(svc: KubeObject): boolean {
  return serviceSelector(svc) !== undefined && specOf(svc).type !== 'ExternalName';
}

export function selects(selector: Readonly<Record<string, string>>, pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function isHeadlessService(svc: KubeObject): boolean {
  return specOf(svc).clusterIP === 'None';
}

/** Pods of the Service's namespace its selector matches. */
export function selectedPods(svc: KubeObject, pods: Indexer): KubeObject[] {
  const sel = serviceSelector(svc);
  if (!sel) return [];
  return pods.byIndex(NAMESPACE_INDEX, svc.metadata.namespace ?? '').filter((p) => selects(sel, p));
}

/** Keys of the Services (in `services`) that select `pod`. */
export function servicesSelecting(services: Indexer, pod: KubeObject): string[] {
  return services
    .byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')
    .filter((s) => {
      const sel = serviceSelector(s);
      return sel !== undefined && selects(sel, pod);
    })
    .map(objectKey);
}

/** The pod's IPv4 address, if it has one. */
export function podIPv4(pod: KubeObject): string | undefined {
  const status = asObject(pod.status) ?? {};
  const candidates = [asString(status.podIP), ...objectsOf(status.podIPs).map(([p]) => asString(p.ip))];
  return candidates.find((ip): ip is string => typeof ip === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(ip));
}

/**
 * Upstream's ShouldPodBeInEndpoints: not finished (Succeeded/Failed), has an IP, and — unless
 * terminating pods are wanted — not being deleted.
 */
export function shouldPodBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  const phase = podPhase(pod);
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!podIPv4(pod)) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/** A pod's hostname goes into its endpoint when its subdomain names the Service. */
export function hostnameFor(pod: KubeObject, svc: KubeObject): string | undefined {
  const spec = specOf(pod);
  const hostname = asString(spec.hostname);
  return hostname && spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace ? hostname : undefined;
}

export interface ResolvedPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  readonly appProtocol?: string;
}

/** The container port a Service port's targetPort means in `pod`; undefined when the pod has no such port. */
export function targetPortIn(pod: KubeObject, servicePort: JsonRecord): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (typeof target !== 'string' || target === '') return undefined;
  const protocol = asString(servicePort.protocol) ?? 'TCP';
  const spec = specOf(pod);
  // Regular containers, and init containers that keep running (sidecars).
  const containers = [...objectsOf(spec.containers), ...objectsOf(spec.initContainers).filter(([c]) => c.restartPolicy === 'Always')];
  for (const [c] of containers) {
    for (const [p] of objectsOf(c.ports)) {
      if (p.name === target && (asString(p.protocol) ?? 'TCP') === protocol) return asNumber(p.containerPort);
    }
  }
  return undefined;
}

/** The Service's ports as this pod serves them (ports the pod cannot serve are left out). */
export function resolvePorts(svc: KubeObject, pod: KubeObject): ResolvedPort[] {
  const out: ResolvedPort[] = [];
  for (const [sp] of objectsOf(specOf(svc).ports)) {
    const port = targetPortIn(pod, sp);
    if (port === undefined) continue;
    const appProtocol = asString(sp.appProtocol);
    out.push({ name: asString(sp.name) ?? '', port, protocol: asString(sp.protocol) ?? 'TCP', ...(appProtocol ? { appProtocol } : {}) });
  }
  return out;
}

export function servicePortCount(svc: KubeObject): number {
  return (asArray(specOf(svc).ports) ?? []).length;
}

/** Equality of JSON values regardless of object key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The pod as an endpoint's targetRef. */
export function podRef(pod: KubeObject): JsonRecord {
  return { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}

/**
 * Queues a Service when it changes, and every Service selecting a pod when the pod changes (before
 * and after a label change): the event wiring both endpoint controllers share.
 */
export function enqueueServicesAndSelectingPods(services: SharedInformer, pods: SharedInformer, controller: QueueController): void {
  const onService = (s: KubeObject) => controller.enqueue(s);
  services.addEventHandler({ add: onService, update: (_o, s) => onService(s), delete: onService });
  const onPod = (p: KubeObject) => {
    for (const k of servicesSelecting(services.indexer, p)) controller.queue.add(k);
  };
  pods.addEventHandler({
    add: onPod,
    update: (old, p) => {
      onPod(p);
      if (JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(p.metadata.labels ?? {})) onPod(old);
    },
    delete: onPod,
  });
}
