// NodeRestriction admission (upstream semantics, the basics): a kubelet writes only what belongs to
// its node — its own Node object (without changing its taints once registered), its own Lease in
// kube-node-lease, mirror pods bound to itself, the status of and deletions of pods bound to itself,
// and only the status of persistent volume claims.
import type { AdmissionPlugin, AdmissionRequest } from '../../apiserver/authorization';
import type { KubeObject } from '../../api/types';
import { ApiError } from '../../apiserver/errors';
import { deepEqual } from '../../apiserver/registry/deep-equal';
import { nodeNameOf } from './node-authorizer';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

function forbidden(message: string): ApiError {
  return new ApiError(403, 'Forbidden', message);
}

function podNode(obj: KubeObject | undefined): string {
  const spec = obj?.spec as { nodeName?: unknown } | undefined;
  return typeof spec?.nodeName === 'string' ? spec.nodeName : '';
}

export class NodeRestrictionAdmission implements AdmissionPlugin {
  readonly name = 'NodeRestriction';

  async admit(req: AdmissionRequest): Promise<void> {
    const node = nodeNameOf(req.user);
    if (node === undefined) return;
    const { group, resource } = req.def;
    if (group === '' && resource === 'pods') return this.pods(req, node);
    if (group === '' && resource === 'nodes') return this.nodes(req, node);
    if (group === 'coordination.k8s.io' && resource === 'leases') return this.leases(req, node);
    if (group === '' && resource === 'persistentvolumeclaims' && req.subresource !== 'status') {
      throw forbidden(`node "${node}" is not allowed to modify persistentvolumeclaims other than their status`);
    }
  }

  private pods(req: AdmissionRequest, node: string): void {
    const sub = req.subresource ?? '';
    if (req.operation === 'create' && !sub) {
      const pod = req.object!;
      if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] === undefined) {
        throw forbidden(`pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
      }
      if (podNode(pod) !== node) throw forbidden(`node "${node}" can only create pods with spec.nodeName set to itself`);
      return;
    }
    if (req.operation === 'delete' && !sub) {
      if (podNode(req.oldObject) !== node) throw forbidden(`node "${node}" can only delete pods with spec.nodeName set to itself`);
      return;
    }
    if (sub === 'status') {
      if (podNode(req.oldObject ?? req.object) !== node) throw forbidden(`node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
      return;
    }
    if (sub === 'eviction') {
      if (podNode(req.oldObject) !== node) throw forbidden(`node "${node}" can only evict pods with spec.nodeName set to itself`);
      return;
    }
    throw forbidden(`node "${node}" is not allowed to ${req.operation} pods${sub ? `/${sub}` : ''}`);
  }

  private nodes(req: AdmissionRequest, node: string): void {
    const name = String(req.name ?? req.object?.metadata.name ?? req.oldObject?.metadata.name ?? '');
    if (name !== node) throw forbidden(`node "${node}" is not allowed to modify node "${name}"`);
    if (req.operation === 'update' && req.oldObject && req.object) {
      const taints = (o: KubeObject) => (o.spec as { taints?: unknown } | undefined)?.taints ?? [];
      if (!deepEqual(taints(req.object), taints(req.oldObject))) throw forbidden(`node "${node}" is not allowed to modify taints`);
    }
  }

  private leases(req: AdmissionRequest, node: string): void {
    if (req.namespace !== NODE_LEASE_NAMESPACE) throw forbidden(`can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`);
    const name = String(req.name ?? req.object?.metadata.name ?? '');
    if (name !== node) throw forbidden(`can only access node lease with the same name as the requesting node`);
  }
}
