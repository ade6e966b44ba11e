// The Node annotations flannel's Kubernetes subnet manager publishes (prefix
// flannel.alpha.coreos.com/), and the per-node lease read back from every Node: pod range, public
// IP, backend type and the backend's data (the VXLAN VTEP MAC).
import type { KubeObject } from '../api/types';
import { parseCidr } from '../network/cidr';

export const ANNOTATION_PREFIX = 'flannel.alpha.coreos.com';
export const BACKEND_DATA = `${ANNOTATION_PREFIX}/backend-data`;
export const BACKEND_TYPE = `${ANNOTATION_PREFIX}/backend-type`;
export const SUBNET_MANAGER = `${ANNOTATION_PREFIX}/kube-subnet-manager`;
export const PUBLIC_IP = `${ANNOTATION_PREFIX}/public-ip`;

export type BackendType = 'vxlan' | 'host-gw';

/** What one node announces: enough for every other node to route its pod range. */
export interface NodeLease {
  readonly node: string;
  readonly podCidr: string;
  readonly publicIp: string;
  readonly backendType: BackendType;
  /** VXLAN only. */
  readonly vtepMac?: string;
  readonly vni?: number;
}

/** The annotations a node sets on itself for `backend`. */
export function ownAnnotations(backend: BackendType, publicIp: string, vtep?: { vni: number; mac: string }): Record<string, string> {
  const data = backend === 'vxlan' && vtep ? JSON.stringify({ VNI: vtep.vni, VtepMAC: vtep.mac }) : 'null';
  return { [BACKEND_DATA]: data, [BACKEND_TYPE]: backend, [SUBNET_MANAGER]: 'true', [PUBLIC_IP]: publicIp };
}

/** The annotations of `want` that the node does not carry yet (with those values); undefined when all match. */
export function annotationPatch(node: KubeObject, want: Readonly<Record<string, string>>): Record<string, string> | undefined {
  const have = node.metadata.annotations ?? {};
  const diff = Object.fromEntries(Object.entries(want).filter(([k, v]) => have[k] !== v));
  return Object.keys(diff).length ? diff : undefined;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The node's lease, or a reason why it has none (no podCIDR yet, annotations missing or malformed). */
export function leaseOf(node: KubeObject): NodeLease | { readonly skip: string } {
  const name = node.metadata.name ?? '';
  const podCidr = (node.spec as { podCIDR?: unknown } | undefined)?.podCIDR;
  if (typeof podCidr !== 'string' || !podCidr) return { skip: 'no spec.podCIDR yet' };
  try {
    parseCidr(podCidr);
  } catch {
    return { skip: `spec.podCIDR "${podCidr}" is not an IPv4 CIDR` };
  }
  const a = node.metadata.annotations ?? {};
  const publicIp = a[PUBLIC_IP];
  const backendType = a[BACKEND_TYPE];
  if (a[SUBNET_MANAGER] !== 'true' || !publicIp || !backendType) return { skip: 'no flannel annotations yet' };
  if (!IPV4.test(publicIp)) return { skip: `${PUBLIC_IP} "${publicIp}" is not an IPv4 address` };
  if (backendType === 'host-gw') return { node: name, podCidr, publicIp, backendType };
  if (backendType !== 'vxlan') return { skip: `backend type "${backendType}" is not supported` };
  let data: unknown;
  try {
    data = JSON.parse(a[BACKEND_DATA] ?? '');
  } catch {
    return { skip: `${BACKEND_DATA} is not JSON` };
  }
  const d = (data ?? {}) as { VNI?: unknown; VtepMAC?: unknown };
  if (typeof d.VtepMAC !== 'string' || !MAC.test(d.VtepMAC)) return { skip: `${BACKEND_DATA} has no VtepMAC` };
  return { node: name, podCidr, publicIp, backendType, vtepMac: d.VtepMAC.toLowerCase(), vni: typeof d.VNI === 'number' ? d.VNI : 1 };
}

export function isLease(l: NodeLease | { readonly skip: string }): l is NodeLease {
  return !('skip' in l);
}
