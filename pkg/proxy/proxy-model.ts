// The proxier's view of the cluster: Services and EndpointSlices reduced to the service ports to
// program and their READY endpoints (an endpoint with conditions.ready unset counts as ready).
export type Json = Record<string, unknown>;

export interface ProxyEndpoint {
  readonly ip: string;
  readonly port: number;
  /** On this proxier's node (endpoint.nodeName === the node's name). */
  readonly local?: boolean;
}

export interface ProxyServicePort {
  /** `<namespace>/<service>:<port name>`, the identity the chain names hash. */
  readonly id: string;
  readonly clusterIPs: readonly string[];
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly port: number;
  readonly nodePort?: number;
  /** spec.externalIPs and status.loadBalancer.ingress IPs: served like the ClusterIP, always masqueraded. */
  readonly externalIPs: readonly string[];
  readonly affinitySeconds?: number;
  readonly endpoints: readonly ProxyEndpoint[];
  /** internalTrafficPolicy Local: ClusterIP traffic only to endpoints on this node. */
  readonly internalLocal?: boolean;
  /** externalTrafficPolicy Local (NodePort/LoadBalancer): external traffic only to local endpoints, source kept. */
  readonly externalLocal?: boolean;
  /** spec.healthCheckNodePort of an externalTrafficPolicy Local LoadBalancer Service. */
  readonly healthCheckNodePort?: number;
}

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const isIpv4 = (ip: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);

export function serviceKeyOfSlice(slice: Json): string | undefined {
  const meta = obj(slice.metadata);
  const svc = str(obj(meta.labels)['kubernetes.io/service-name']);
  return svc ? `${str(meta.namespace)}/${svc}` : undefined;
}

/** Ready IPv4 endpoints of `slices` for the service port named `portName` (protocol-matched); `local` set by nodeName. */
export function readyEndpoints(slices: readonly Json[], portName: string, protocol: string, nodeName?: string): ProxyEndpoint[] {
  const seen = new Set<string>();
  const out: ProxyEndpoint[] = [];
  for (const s of slices) {
    if (str(s.addressType) && str(s.addressType) !== 'IPv4') continue;
    const port = arr(s.ports).map(obj).find((p) => str(p.name) === portName && (str(p.protocol) || 'TCP').toLowerCase() === protocol);
    if (!port || typeof port.port !== 'number') continue;
    for (const e of arr(s.endpoints).map(obj)) {
      if (obj(e.conditions).ready === false) continue;
      for (const ip of arr(e.addresses).map(str)) {
        const k = `${ip}:${port.port}`;
        if (!isIpv4(ip) || seen.has(k)) continue;
        seen.add(k);
        out.push(nodeName !== undefined && str(e.nodeName) === nodeName ? { ip, port: port.port, local: true } : { ip, port: port.port });
      }
    }
  }
  return out.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
}

/** The service ports of `svc` (ClusterIP / NodePort / LoadBalancer with a cluster IP) with their endpoints. */
export function servicePorts(svc: Json, slices: readonly Json[], nodeName?: string): ProxyServicePort[] {
  const meta = obj(svc.metadata);
  const spec = obj(svc.spec);
  const ips = (arr(spec.clusterIPs).length ? arr(spec.clusterIPs) : [spec.clusterIP]).map(str).filter(isIpv4);
  if (!ips.length || str(spec.type) === 'ExternalName') return [];
  const affinity = str(spec.sessionAffinity) === 'ClientIP' ? Number(obj(obj(spec.sessionAffinityConfig).clientIP).timeoutSeconds ?? 10800) || 10800 : undefined;
  const lbIPs = str(spec.type) === 'LoadBalancer' ? arr(obj(obj(svc.status).loadBalancer).ingress).map((i) => str(obj(i).ip)) : [];
  const externalIPs = [...new Set([...arr(spec.externalIPs).map(str), ...lbIPs])].filter(isIpv4).sort();
  const internalLocal = str(spec.internalTrafficPolicy) === 'Local';
  const externalLocal = str(spec.externalTrafficPolicy) === 'Local';
  const hc = Number(spec.healthCheckNodePort);
  const out: ProxyServicePort[] = [];
  for (const p of arr(spec.ports).map(obj)) {
    const protocol = (str(p.protocol) || 'TCP').toLowerCase();
    if ((protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') || typeof p.port !== 'number') continue;
    const name = str(p.name);
    out.push({
      id: `${str(meta.namespace)}/${str(meta.name)}:${name}`,
      clusterIPs: ips,
      protocol,
      port: p.port,
      nodePort: typeof p.nodePort === 'number' && p.nodePort > 0 ? p.nodePort : undefined,
      externalIPs,
      affinitySeconds: affinity,
      endpoints: readyEndpoints(slices, name, protocol, nodeName),
      ...(internalLocal ? { internalLocal } : {}),
      ...(externalLocal ? { externalLocal } : {}),
      ...(externalLocal && hc > 0 ? { healthCheckNodePort: hc } : {}),
    });
  }
  return out;
}
