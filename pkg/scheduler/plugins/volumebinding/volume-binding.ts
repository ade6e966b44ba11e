// VolumeBinding: pods with PersistentVolumeClaims go only where their volumes can be. A bound
// claim's PV must admit the node (its nodeAffinity); an unbound claim of a WaitForFirstConsumer
// StorageClass needs, on that node, an available PV that matches it (volume-matching.ts) or a
// class that provisions dynamically (and whose allowedTopologies admit the node); an unbound claim
// of an Immediate class must wait for the PV controller. Reserve promises the chosen PVs to the pod
// (no other pod may take them meanwhile); PreBind writes the choice through the API — a static PV
// gets the claim in spec.claimRef, a claim to provision gets the `volume.kubernetes.io/selected-node`
// annotation — and the pod is bound without waiting for the PV controller to finish (which may come
// later; the kubelet waits for bound claims before mounting). Messages are upstream's.
import type { KubeObject } from '../../../api/types';
import { stateKey, type CycleState } from '../../framework/cycle-state';
import type { ClusterEvent, EnqueueExtensions, FilterPlugin, Handle, PreBindPlugin, PreFilterPlugin, ReservePlugin, VolumeLister } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import { nodeSelectorTerms, type PodInfo } from '../../framework/pod-info';
import { Code, Status } from '../../framework/status';
import { anyTermMatches } from '../internal/node-selector';
import { claimClassName, findMatchingVolume, volumeFitsNode } from './volume-matching';

export const VOLUME_BINDING = 'VolumeBinding';
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

interface NodeDecision {
  readonly static: readonly { readonly claim: KubeObject; readonly pv: KubeObject }[];
  readonly provision: readonly KubeObject[];
}

interface PodVolumes {
  readonly bound: readonly { readonly claim: KubeObject; readonly pv: KubeObject | undefined }[];
  /** Unbound claims of WaitForFirstConsumer classes. */
  readonly delayed: readonly KubeObject[];
  /** Filter's choice per node. */
  readonly decisions: Map<string, NodeDecision>;
  /** What Reserve took (for PreBind and Unreserve). */
  reserved?: NodeDecision;
}

const STATE = stateKey<PodVolumes>('VolumeBinding');

/** The claims a pod's volumes name: persistentVolumeClaim sources and generic ephemeral volumes. */
function claimRefs(pod: PodInfo): { name: string; ephemeral: boolean }[] {
  const volumes = (obj(pod.pod.spec)?.volumes ?? []) as unknown[];
  const out: { name: string; ephemeral: boolean }[] = [];
  for (const v of Array.isArray(volumes) ? volumes : []) {
    const o = obj(v);
    if (!o) continue;
    const pvc = obj(o.persistentVolumeClaim);
    if (pvc && typeof pvc.claimName === 'string') out.push({ name: pvc.claimName, ephemeral: false });
    else if (obj(o.ephemeral) && typeof o.name === 'string') out.push({ name: `${pod.name}-${o.name}`, ephemeral: true });
  }
  return out;
}

function isOwnedBy(claim: KubeObject, pod: PodInfo): boolean {
  return (claim.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === pod.uid);
}

export class VolumeBinding implements PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin, EnqueueExtensions {
  readonly name = VOLUME_BINDING;
  /** PV name → uid of the pod it is promised to, between Reserve and the end of PreBind. */
  readonly #assumed = new Map<string, string>();

  constructor(private readonly handle: Pick<Handle, 'volumes' | 'volumeWriter'>) {}

  preFilter(state: CycleState, pod: PodInfo): Status {
    const refs = claimRefs(pod);
    if (refs.length === 0) return Status.SKIP;
    const lister = this.handle.volumes;
    if (!lister) return Status.error(new Error('the scheduler has no volume information to place a pod with PersistentVolumeClaims'));
    const bound: { claim: KubeObject; pv: KubeObject | undefined }[] = [];
    const delayed: KubeObject[] = [];
    for (const ref of refs) {
      const claim = lister.claim(pod.namespace, ref.name);
      if (!claim) {
        return Status.unresolvable(ref.ephemeral ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${ref.name}"` : `persistentvolumeclaim "${ref.name}" not found`);
      }
      if (claim.metadata.deletionTimestamp) return Status.unresolvable(`persistentvolumeclaim "${ref.name}" is being deleted`);
      if (ref.ephemeral && !isOwnedBy(claim, pod)) return Status.unresolvable(`PVC ${pod.namespace}/${ref.name} was not created for pod ${pod.namespace}/${pod.name} (pod is not owner)`);
      const volumeName = obj(claim.spec)?.volumeName;
      if (typeof volumeName === 'string' && volumeName !== '') {
        bound.push({ claim, pv: lister.volume(volumeName) });
        continue;
      }
      const className = claimClassName(claim);
      const sc = className ? lister.storageClass(className) : undefined;
      if (className && !sc) return Status.error(new Error(`storageclass.storage.k8s.io "${className}" not found`));
      if (sc?.volumeBindingMode !== 'WaitForFirstConsumer') return Status.unresolvable(ERR_UNBOUND_IMMEDIATE);
      delayed.push(claim);
    }
    state.write(STATE, { bound, delayed, decisions: new Map() });
    return Status.SUCCESS;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status {
    const s = state.read(STATE);
    if (!s) return Status.SUCCESS;
    for (const { pv } of s.bound) {
      if (!pv) return Status.unresolvable(ERR_REASON_PV_NOT_EXIST);
      if (!volumeFitsNode(pv, node.labels, node.name)) return Status.unresolvable(ERR_REASON_NODE_CONFLICT);
    }
    if (s.delayed.length === 0) return Status.SUCCESS;
    const lister = this.handle.volumes!;
    const taken = new Set<string>();
    for (const [pv, uid] of this.#assumed) if (uid !== _pod.uid) taken.add(pv);
    const volumes = lister.volumes();
    const chosen: { claim: KubeObject; pv: KubeObject }[] = [];
    const provision: KubeObject[] = [];
    for (const claim of s.delayed) {
      const pv = findMatchingVolume(claim, volumes, node.labels, node.name, taken);
      if (pv) {
        taken.add(String(pv.metadata.name));
        chosen.push({ claim, pv });
      } else if (this.#canProvision(lister, claim, node)) {
        provision.push(claim);
      } else {
        return Status.unresolvable(ERR_REASON_BIND_CONFLICT);
      }
    }
    s.decisions.set(node.name, { static: chosen, provision });
    return Status.SUCCESS;
  }

  #canProvision(lister: VolumeLister, claim: KubeObject, node: NodeInfo): boolean {
    const sc = lister.storageClass(claimClassName(claim));
    const provisioner = sc?.provisioner;
    if (!sc || typeof provisioner !== 'string' || provisioner === '' || provisioner === NO_PROVISIONER) return false;
    const topologies = sc.allowedTopologies;
    if (!Array.isArray(topologies) || topologies.length === 0) return true;
    // allowedTopologies terms list label values per key (matchLabelExpressions), ORed across terms.
    const terms = nodeSelectorTerms(topologies.map((t) => ({ matchExpressions: ((obj(t)?.matchLabelExpressions ?? []) as Json[]).map((e) => ({ key: e.key, operator: 'In', values: e.values })) })));
    return anyTermMatches(terms, node.labels, node.name);
  }

  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status {
    const s = state.read(STATE);
    if (!s) return Status.SUCCESS;
    const decision = s.decisions.get(nodeName) ?? { static: [], provision: [] };
    for (const { pv } of decision.static) {
      const holder = this.#assumed.get(String(pv.metadata.name));
      if (holder !== undefined && holder !== pod.uid) return new Status(Code.Unschedulable, [ERR_REASON_BIND_CONFLICT]);
    }
    for (const { pv } of decision.static) this.#assumed.set(String(pv.metadata.name), pod.uid);
    s.reserved = decision;
    return Status.SUCCESS;
  }

  unreserve(state: CycleState, pod: PodInfo): void {
    const s = state.read(STATE);
    if (s?.reserved) this.#release(s.reserved, pod.uid);
  }

  #release(decision: NodeDecision, uid: string): void {
    for (const { pv } of decision.static) {
      const name = String(pv.metadata.name);
      if (this.#assumed.get(name) === uid) this.#assumed.delete(name);
    }
  }

  async preBind(state: CycleState, pod: PodInfo, nodeName: string, signal: AbortSignal): Promise<Status> {
    const s = state.read(STATE);
    const decision = s?.reserved;
    if (!decision || (decision.static.length === 0 && decision.provision.length === 0)) return Status.SKIP;
    const writer = this.handle.volumeWriter;
    if (!writer) return Status.error(new Error('the scheduler cannot write volume bindings'));
    try {
      for (const { claim, pv } of decision.static) await writer.bindVolume(pv, claim, signal);
      for (const claim of decision.provision) await writer.selectNode(claim, nodeName, signal);
    } finally {
      // The informers now carry the writes (or the pod goes back to the queue and Unreserve runs).
      this.#release(decision, pod.uid);
    }
    return Status.SUCCESS;
  }

  eventsToRegister(): readonly ClusterEvent[] {
    return [
      { resource: 'PersistentVolumeClaim', action: 'Add' },
      { resource: 'PersistentVolumeClaim', action: 'Update' },
      { resource: 'PersistentVolume', action: 'Add' },
      { resource: 'PersistentVolume', action: 'Update' },
      { resource: 'StorageClass', action: 'Add' },
      { resource: 'StorageClass', action: 'Update' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
    ];
  }
}
