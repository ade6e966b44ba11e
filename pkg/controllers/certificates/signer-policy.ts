// What each built-in signer accepts (facts from upstream's csrsigning controller): the
// kube-apiserver-client signer issues client certificates for any subject; the
// kube-apiserver-client-kubelet signer only `system:node:<name>` in group system:nodes without SANs;
// the kubelet-serving signer only `system:node:<name>` in group system:nodes with at least one DNS
// or IP SAN and nothing else. Usages must stay within the signer's set and include its main one.
import type { CertificateRequestInfo } from '../../certs';

export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const KUBE_APISERVER_CLIENT_KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

export type SignerCa = 'client' | 'server';

export interface SignerPolicy {
  readonly ca: SignerCa;
  readonly extKeyUsage: 'clientAuth' | 'serverAuth';
  /** Problems with the request, empty when the signer may issue it. */
  check(req: CertificateRequestInfo, usages: readonly string[]): string[];
}

const NODE_PREFIX = 'system:node:';
const NODES_GROUP = 'system:nodes';

function usageProblems(usages: readonly string[], required: string, allowed: readonly string[]): string[] {
  const bad = usages.filter((u) => !allowed.includes(u));
  const out: string[] = [];
  if (bad.length) out.push(`unsupported key usages: ${bad.join(', ')} (allowed: ${allowed.join(', ')})`);
  if (!usages.includes(required)) out.push(`missing required usage "${required}"`);
  return out;
}

function nodeSubjectProblems(req: CertificateRequestInfo): string[] {
  const out: string[] = [];
  if (req.organizations.length !== 1 || req.organizations[0] !== NODES_GROUP) out.push(`subject organization must be exactly ["${NODES_GROUP}"]`);
  if (!req.commonName.startsWith(NODE_PREFIX) || req.commonName.length === NODE_PREFIX.length) out.push(`subject common name must start with "${NODE_PREFIX}"`);
  return out;
}

export const SIGNER_POLICIES: ReadonlyMap<string, SignerPolicy> = new Map<string, SignerPolicy>([
  [
    KUBE_APISERVER_CLIENT_SIGNER,
    { ca: 'client', extKeyUsage: 'clientAuth', check: (_req, usages) => usageProblems(usages, 'client auth', ['client auth', 'digital signature', 'key encipherment']) },
  ],
  [
    KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
    {
      ca: 'client',
      extKeyUsage: 'clientAuth',
      check: (req, usages) => [
        ...nodeSubjectProblems(req),
        ...(req.dnsNames.length + req.ipAddresses.length > 0 || req.otherSans ? ['subject alternative names are not allowed'] : []),
        ...usageProblems(usages, 'client auth', ['client auth', 'digital signature', 'key encipherment']),
      ],
    },
  ],
  [
    KUBELET_SERVING_SIGNER,
    {
      ca: 'server',
      extKeyUsage: 'serverAuth',
      check: (req, usages) => [
        ...nodeSubjectProblems(req),
        ...(req.dnsNames.length + req.ipAddresses.length === 0 ? ['at least one DNS or IP subject alternative name is required'] : []),
        ...(req.otherSans ? ['email and URI subject alternative names are not allowed'] : []),
        ...usageProblems(usages, 'server auth', ['server auth', 'digital signature', 'key encipherment']),
      ],
    },
  ],
]);
