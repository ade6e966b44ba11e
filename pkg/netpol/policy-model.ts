// The network policy controller's view of the cluster: pods with an IP (no hostNetwork, not
// finished), namespaces with their labels, and NetworkPolicies with the upstream defaults applied
// (policyTypes from the rules, port protocol TCP). Plain data, built from the informers' objects.
import type { KubeObject } from '../api/types';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface NpContainerPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
}

export interface NpPod {
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  readonly node: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly NpContainerPort[];
}

export interface NpNamespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** One entry of `ports`: a number (with endPort), a container port name, or none (all ports of the protocol). */
export interface NpPort {
  readonly protocol: Protocol;
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface NpPeer {
  readonly podSelector?: unknown;
  readonly namespaceSelector?: unknown;
  readonly ipBlock?: { readonly cidr: string; readonly except: readonly string[] };
}

export interface NpRule {
  /** Empty: every peer. */
  readonly peers: readonly NpPeer[];
  /** Empty: every port. */
  readonly ports: readonly NpPort[];
}

export interface NpPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly podSelector: unknown;
  readonly ingress?: readonly NpRule[];
  readonly egress?: readonly NpRule[];
}

export interface PolicyWorld {
  readonly pods: readonly NpPod[];
  readonly namespaces: readonly NpNamespace[];
  readonly policies: readonly NpPolicy[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strMap = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));
const protocolOf = (v: unknown): Protocol => (v === 'UDP' || v === 'SCTP' ? v : 'TCP');

/** A pod the policies can select or name as a peer, or undefined (no IP yet, hostNetwork, finished). */
export function podOf(o: KubeObject): NpPod | undefined {
  const spec = obj(o.spec);
  const status = obj(o.status);
  const ip = str(status.podIP);
  if (!ip || ip.includes(':') || spec.hostNetwork === true) return undefined;
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return undefined;
  const ports: NpContainerPort[] = [];
  for (const c of [...arr(spec.initContainers), ...arr(spec.containers)]) {
    for (const p of arr(obj(c).ports)) {
      const name = str(obj(p).name);
      const port = obj(p).containerPort;
      if (name && typeof port === 'number') ports.push({ name, port, protocol: protocolOf(obj(p).protocol) });
    }
  }
  return { namespace: o.metadata.namespace ?? '', name: o.metadata.name ?? '', ip, node: str(spec.nodeName) ?? '', labels: strMap(o.metadata.labels), ports };
}

export function namespaceOf(o: KubeObject): NpNamespace {
  const name = o.metadata.name ?? '';
  // The API server sets this label; it is added here too so that older objects select the same way.
  return { name, labels: { ...strMap(o.metadata.labels), 'kubernetes.io/metadata.name': name } };
}

function ruleOf(r: unknown, peersKey: 'from' | 'to'): NpRule {
  const peers: NpPeer[] = arr(obj(r)[peersKey]).map((p) => {
    const peer = obj(p);
    const block = peer.ipBlock === undefined ? undefined : obj(peer.ipBlock);
    return {
      podSelector: peer.podSelector ?? undefined,
      namespaceSelector: peer.namespaceSelector ?? undefined,
      ipBlock: block && str(block.cidr) ? { cidr: str(block.cidr)!, except: arr(block.except).filter((e): e is string => typeof e === 'string') } : undefined,
    };
  });
  const ports: NpPort[] = arr(obj(r).ports).map((p) => {
    const port = obj(p);
    const value = typeof port.port === 'number' || typeof port.port === 'string' ? port.port : undefined;
    return { protocol: protocolOf(port.protocol), port: value, endPort: typeof port.endPort === 'number' && typeof value === 'number' ? port.endPort : undefined };
  });
  return { peers, ports };
}

/** The policy with upstream's defaults: policyTypes [Ingress] plus Egress when egress rules exist. */
export function policyOf(o: KubeObject): NpPolicy {
  const spec = obj(o.spec);
  const given = arr(spec.policyTypes).filter((t): t is string => typeof t === 'string');
  const types = given.length ? given : arr(spec.egress).length ? ['Ingress', 'Egress'] : ['Ingress'];
  return {
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name ?? '',
    podSelector: spec.podSelector ?? {},
    ingress: types.includes('Ingress') ? arr(spec.ingress).map((r) => ruleOf(r, 'from')) : undefined,
    egress: types.includes('Egress') ? arr(spec.egress).map((r) => ruleOf(r, 'to')) : undefined,
  };
}

export function worldOf(pods: readonly KubeObject[], namespaces: readonly KubeObject[], policies: readonly KubeObject[]): PolicyWorld {
  return {
    pods: pods.map(podOf).filter((p): p is NpPod => p !== undefined),
    namespaces: namespaces.map(namespaceOf),
    policies: policies.map(policyOf),
  };
}
