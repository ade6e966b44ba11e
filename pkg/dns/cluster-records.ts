// The records of the cluster domain, computed from Services and EndpointSlices (the names CoreDNS's
// kubernetes plugin serves, `pods insecure` mode):
//   <svc>.<ns>.svc.<domain>              A: the ClusterIP; headless: every ready endpoint; ExternalName: CNAME
//   <host>.<svc>.<ns>.svc.<domain>       A: the headless endpoint with that hostname (or dashed IP)
//   _<port>._<proto>.<svc>.<ns>.svc...   SRV for a named port (targets the service or each endpoint)
//   a-b-c-d.<ns>.pod.<domain>            A: a.b.c.d
//   d.c.b.a.in-addr.arpa                 PTR for Service IPs and headless endpoints
//   <node name>                          A: the node's InternalIP (K3s's NodeHosts), outside the zone
// A name that exists without records of the asked type is NODATA (NOERROR, SOA in authority);
// a name that does not exist in the zone is NXDOMAIN. Names outside the zone are not answered here.
import type { KubeObject } from '../api/types';
import { CLASS_IN, RCODE, TYPE, type ResourceRecord } from './dns-message';

export const RECORD_TTL = 5;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const isIpv4 = (ip: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) && ip.split('.').every((o) => Number(o) <= 255);

interface PortInfo {
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
}

interface EndpointInfo {
  readonly ip: string;
  /** hostname, else the dashed IP: the endpoint's label under the service name. */
  readonly label: string;
  readonly ports: readonly PortInfo[];
}

interface ServiceInfo {
  readonly name: string;
  readonly namespace: string;
  readonly clusterIPs: readonly string[];
  readonly headless: boolean;
  readonly externalName?: string;
  readonly ports: readonly PortInfo[];
  endpoints: EndpointInfo[];
}

export interface ZoneAnswer {
  readonly rcode: number;
  readonly answers: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
  /** The SOA for the authority section of NXDOMAIN / NODATA answers. */
  readonly authority: readonly ResourceRecord[];
}

const dashed = (ip: string) => ip.replace(/\./g, '-');

/** An immutable index of one snapshot of Services and EndpointSlices. */
export class ClusterRecords {
  readonly #services = new Map<string, ServiceInfo>();
  readonly #namespaces = new Set<string>();
  readonly #ptr = new Map<string, string>();
  readonly #hosts = new Map<string, string[]>();

  constructor(
    readonly domain: string,
    services: readonly KubeObject[],
    slices: readonly KubeObject[],
    nodes: readonly KubeObject[] = [],
  ) {
    // K3s's NodeHosts: every node name (and Hostname address) resolves to its InternalIP.
    for (const n of nodes as unknown as Json[]) {
      const addrs = arr(obj(n.status).addresses).map(obj);
      const ips = addrs.filter((a) => a.type === 'InternalIP').map((a) => str(a.address)).filter(isIpv4);
      if (!ips.length) continue;
      const names = new Set([str(obj(n.metadata).name), ...addrs.filter((a) => a.type === 'Hostname').map((a) => str(a.address))].map((x) => x.toLowerCase()).filter(Boolean));
      for (const name of names) this.#hosts.set(name, ips);
    }
    for (const s of services as unknown as Json[]) {
      const meta = obj(s.metadata);
      const spec = obj(s.spec);
      const name = str(meta.name).toLowerCase();
      const namespace = str(meta.namespace).toLowerCase();
      const type = str(spec.type);
      const ips = (arr(spec.clusterIPs).length ? arr(spec.clusterIPs) : [spec.clusterIP]).map(str);
      const info: ServiceInfo = {
        name,
        namespace,
        clusterIPs: ips.filter(isIpv4),
        headless: type !== 'ExternalName' && ips[0] === 'None',
        externalName: type === 'ExternalName' ? str(spec.externalName).toLowerCase().replace(/\.$/, '') : undefined,
        ports: arr(spec.ports).map(obj).map((p) => ({ name: str(p.name).toLowerCase(), protocol: (str(p.protocol) || 'TCP').toLowerCase(), port: Number(p.port) || 0 })),
        endpoints: [],
      };
      this.#services.set(`${name}.${namespace}`, info);
      this.#namespaces.add(namespace);
      for (const ip of info.clusterIPs) this.#ptr.set(ip, `${name}.${namespace}.svc.${domain}`);
    }
    for (const sl of slices as unknown as Json[]) {
      const meta = obj(sl.metadata);
      const svc = this.#services.get(`${str(obj(meta.labels)['kubernetes.io/service-name']).toLowerCase()}.${str(meta.namespace).toLowerCase()}`);
      if (!svc?.headless || (str(sl.addressType) && str(sl.addressType) !== 'IPv4')) continue;
      const ports = arr(sl.ports).map(obj).map((p) => ({ name: str(p.name).toLowerCase(), protocol: (str(p.protocol) || 'TCP').toLowerCase(), port: Number(p.port) || 0 }));
      for (const e of arr(sl.endpoints).map(obj)) {
        if (obj(e.conditions).ready === false) continue;
        for (const ip of arr(e.addresses).map(str).filter(isIpv4)) {
          if (svc.endpoints.some((x) => x.ip === ip)) continue;
          const label = str(e.hostname).toLowerCase() || dashed(ip);
          svc.endpoints.push({ ip, label, ports });
          this.#ptr.set(ip, `${label}.${svc.name}.${svc.namespace}.svc.${domain}`);
        }
      }
    }
    for (const s of this.#services.values()) s.endpoints.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  }

  get serviceCount(): number {
    return this.#services.size;
  }

  soa(): ResourceRecord {
    const d = this.domain;
    return { name: d, type: TYPE.SOA, class: CLASS_IN, ttl: RECORD_TTL, data: { kind: 'soa', mname: `ns.dns.${d}`, rname: `hostmaster.${d}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: RECORD_TTL } };
  }

  /** A records of a node name (outside the zone), or undefined when no node has that name. */
  nodeHost(name: string, qtype: number): ZoneAnswer | undefined {
    const ips = this.#hosts.get(name);
    if (!ips) return undefined;
    const answers = qtype === TYPE.A || qtype === TYPE.ANY ? ips.map((ip) => this.#a(name, ip)) : [];
    return { rcode: RCODE.NOERROR, answers, additional: [], authority: [] };
  }

  /** True when `name` is the cluster domain or inside it. */
  inZone(name: string): boolean {
    return name === this.domain || name.endsWith(`.${this.domain}`);
  }

  /** The PTR target of an in-addr.arpa name, or undefined when no Service or endpoint has that IP. */
  reverse(name: string): string | undefined {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/.exec(name);
    return m ? this.#ptr.get(`${m[4]}.${m[3]}.${m[2]}.${m[1]}`) : undefined;
  }

  #a(name: string, ip: string): ResourceRecord {
    return { name, type: TYPE.A, class: CLASS_IN, ttl: RECORD_TTL, data: { kind: 'a', ip } };
  }

  #srv(name: string, port: number, target: string): ResourceRecord {
    return { name, type: TYPE.SRV, class: CLASS_IN, ttl: RECORD_TTL, data: { kind: 'srv', priority: 0, weight: 100, port, target } };
  }

  /** Answers a question about a name inside the zone (or a PTR name found by reverse()). */
  answer(name: string, qtype: number): ZoneAnswer {
    const found = (records: ResourceRecord[], additional: ResourceRecord[] = []): ZoneAnswer => {
      const answers = qtype === TYPE.ANY ? records : records.filter((r) => r.type === qtype || r.type === TYPE.CNAME);
      return answers.length ? { rcode: RCODE.NOERROR, answers, additional: additional.filter(() => answers.some((r) => r.type === TYPE.SRV)), authority: [] } : { rcode: RCODE.NOERROR, answers: [], additional: [], authority: [this.soa()] };
    };
    const nx: ZoneAnswer = { rcode: RCODE.NXDOMAIN, answers: [], additional: [], authority: [this.soa()] };
    const ptr = this.reverse(name);
    if (ptr) return found([{ name, type: TYPE.PTR, class: CLASS_IN, ttl: RECORD_TTL, data: { kind: 'name', name: ptr } }]);
    if (!this.inZone(name)) return nx;
    const d = this.domain;
    if (name === d) {
      return found([this.soa(), { name: d, type: TYPE.NS, class: CLASS_IN, ttl: RECORD_TTL, data: { kind: 'name', name: `ns.dns.${d}` } }]);
    }
    const labels = name.slice(0, -(d.length + 1)).split('.');
    const n = labels.length;
    if (labels[n - 1] === 'svc') {
      if (n === 1) return found([]);
      const ns = labels[n - 2]!;
      if (n === 2) return this.#namespaces.has(ns) ? found([]) : nx;
      const svc = this.#services.get(`${labels[n - 3]}.${ns}`);
      if (!svc) return nx;
      const svcName = `${svc.name}.${svc.namespace}.svc.${d}`;
      if (n === 3) {
        if (svc.externalName) return found([{ name, type: TYPE.CNAME, class: CLASS_IN, ttl: RECORD_TTL, data: { kind: 'name', name: svc.externalName } }]);
        if (svc.headless) {
          const srv = svc.endpoints.flatMap((e) => e.ports.map((p) => this.#srv(name, p.port, `${e.label}.${svcName}`)));
          return found([...svc.endpoints.map((e) => this.#a(name, e.ip)), ...srv], svc.endpoints.map((e) => this.#a(`${e.label}.${svcName}`, e.ip)));
        }
        return found([...svc.clusterIPs.map((ip) => this.#a(name, ip)), ...svc.ports.map((p) => this.#srv(name, p.port, svcName))], svc.clusterIPs.map((ip) => this.#a(svcName, ip)));
      }
      if (n === 4) {
        const eps = svc.endpoints.filter((e) => e.label === labels[0]);
        return eps.length ? found(eps.map((e) => this.#a(name, e.ip))) : nx;
      }
      if (n === 5 && labels[0]!.startsWith('_') && labels[1]!.startsWith('_')) {
        const portName = labels[0]!.slice(1);
        const proto = labels[1]!.slice(1);
        const matches = (p: PortInfo) => p.name !== '' && p.name === portName && p.protocol === proto;
        if (svc.headless) {
          const eps = svc.endpoints.flatMap((e) => e.ports.filter(matches).map((p) => ({ e, p })));
          if (!eps.length) return nx;
          return found(eps.map(({ e, p }) => this.#srv(name, p.port, `${e.label}.${svcName}`)), eps.map(({ e }) => this.#a(`${e.label}.${svcName}`, e.ip)));
        }
        const ports = svc.ports.filter(matches);
        if (!ports.length || svc.externalName) return nx;
        return found(ports.map((p) => this.#srv(name, p.port, svcName)), svc.clusterIPs.map((ip) => this.#a(svcName, ip)));
      }
      return nx;
    }
    if (labels[n - 1] === 'pod') {
      if (n <= 2) return found([]);
      if (n !== 3) return nx;
      const ip = labels[0]!.replace(/-/g, '.');
      return isIpv4(ip) ? found([this.#a(name, ip)]) : nx;
    }
    return nx;
  }
}
