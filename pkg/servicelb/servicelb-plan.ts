// Which nodes serve LoadBalancer Services and which Services get them (K3s's ServiceLB, built in):
// the eligible nodes are the Ready nodes labelled `svccontroller.k3s.cattle.io/enablelb=true` (or
// `svccontroller.k3ts.io/enablelb=true`) when any node carries that label, else every Ready node;
// each one serves on its ExternalIP, else its InternalIP. A Service whose port/protocol another
// (older) LoadBalancer Service already holds stays pending, as klipper-lb's host-port pod would.
import type { KubeObject } from '../api/types';

export const ENABLE_LB_LABELS = ['svccontroller.k3s.cattle.io/enablelb', 'svccontroller.k3ts.io/enablelb'] as const;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export interface LbDecision {
  /** status.loadBalancer.ingress IPs ([] while pending). */
  readonly ips: readonly string[];
  /** Why the Service is pending, when it is. */
  readonly conflict?: { readonly port: string; readonly holder: string };
}

/** True for Services ServiceLB handles: type LoadBalancer without a loadBalancerClass. */
export function isServiceLbService(svc: KubeObject): boolean {
  const spec = obj(svc.spec);
  return str(spec.type) === 'LoadBalancer' && !str(spec.loadBalancerClass);
}

/** What of a node decides whether and where it serves LoadBalancer Services (eligibleNodeIPs). */
export function nodeLbFingerprint(n: KubeObject): string {
  const status = obj(n.status);
  const ready = str(obj(arr(status.conditions).map(obj).find((c) => c.type === 'Ready')).status);
  const labels = ENABLE_LB_LABELS.map((l) => n.metadata.labels?.[l] ?? '\0').join('\0');
  return `${ready}\0${obj(n.spec).unschedulable === true}\0${labels}\0${JSON.stringify(status.addresses ?? null)}`;
}

export function eligibleNodeIPs(nodes: readonly KubeObject[]): string[] {
  const labelled = (n: KubeObject) => ENABLE_LB_LABELS.some((l) => n.metadata.labels?.[l] !== undefined);
  const anyLabelled = nodes.some(labelled);
  const ips = new Set<string>();
  for (const n of nodes) {
    if (anyLabelled && !ENABLE_LB_LABELS.some((l) => n.metadata.labels?.[l] === 'true')) continue;
    if (n.spec && obj(n.spec).unschedulable === true) continue;
    const status = obj(n.status);
    if (obj(arr(status.conditions).map(obj).find((c) => c.type === 'Ready')).status !== 'True') continue;
    const addrs = arr(status.addresses).map(obj);
    const ip = str(addrs.find((a) => a.type === 'ExternalIP')?.address) || str(addrs.find((a) => a.type === 'InternalIP')?.address);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) ips.add(ip);
  }
  return [...ips].sort();
}

const keyOf = (s: KubeObject) => `${s.metadata.namespace}/${s.metadata.name}`;

/** Decisions for every ServiceLB Service: the oldest holder of a port keeps it. */
export function planLoadBalancers(services: readonly KubeObject[], nodes: readonly KubeObject[]): Map<string, LbDecision> {
  return planLoadBalancersOn(services, eligibleNodeIPs(nodes));
}

/** planLoadBalancers with the eligible node IPs already known (they change far less often than Services are looked at). */
export function planLoadBalancersOn(services: readonly KubeObject[], ips: readonly string[]): Map<string, LbDecision> {
  const ordered = services.filter(isServiceLbService).sort((a, b) => {
    const ta = str(a.metadata.creationTimestamp);
    const tb = str(b.metadata.creationTimestamp);
    return ta !== tb ? (ta < tb ? -1 : 1) : keyOf(a) < keyOf(b) ? -1 : 1;
  });
  const held = new Map<string, string>();
  const out = new Map<string, LbDecision>();
  for (const svc of ordered) {
    const ports = arr(obj(svc.spec).ports).map(obj).map((p) => `${Number(p.port)}/${str(p.protocol) || 'TCP'}`);
    const taken = ports.find((p) => held.has(p));
    if (taken) {
      out.set(keyOf(svc), { ips: [], conflict: { port: taken, holder: held.get(taken)! } });
      continue;
    }
    for (const p of ports) held.set(p, keyOf(svc));
    out.set(keyOf(svc), { ips });
  }
  return out;
}
