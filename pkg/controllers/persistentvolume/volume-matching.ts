// Which PersistentVolume a claim may bind to (upstream's FindMatchingVolume, written from its
// documented rules): same storageClassName, same volumeMode, every requested access mode offered,
// capacity at least the request, the claim's selector matching the volume's labels, and, once a
// node is chosen for a WaitForFirstConsumer claim, node affinity admitting that node. A volume
// pre-bound to the claim (claimRef) wins; otherwise the smallest that fits.
import type { KubeObject } from '../../api/types';
import { asArray, asObject, asString } from '../../api/validation/json';
import { labelSelectorMatches } from '../../api/validation/labels';
import { compareQuantities, toQuantity, type Quantity } from '../../api/validation/quantity';
import { matchesNodeSelectorTerms } from '../daemonset/node-fit';

export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const ANN_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION = 'kubernetes.io/pv-protection';

const spec = (o: KubeObject) => asObject(o.spec) ?? {};
const status = (o: KubeObject) => asObject(o.status) ?? {};

/** "" and absent both mean "no class" for volumes; for claims absent means "the default class". */
export function classOf(o: KubeObject): string {
  return asString(spec(o).storageClassName) ?? '';
}

export function volumeModeOf(o: KubeObject): string {
  return asString(spec(o).volumeMode) ?? 'Filesystem';
}

export function accessModesOf(o: KubeObject): string[] {
  return (asArray(spec(o).accessModes) ?? []).filter((m): m is string => typeof m === 'string');
}

export function requestOf(claim: KubeObject): Quantity | undefined {
  const resources = asObject(spec(claim).resources) ?? {};
  return toQuantity((asObject(resources.requests) ?? {}).storage);
}

export function capacityOf(volume: KubeObject): Quantity | undefined {
  return toQuantity((asObject(spec(volume).capacity) ?? {}).storage);
}

export function claimRefOf(volume: KubeObject): { namespace: string; name: string; uid?: string } | undefined {
  const ref = asObject(spec(volume).claimRef);
  const name = asString(ref?.name);
  if (!ref || !name) return undefined;
  return { namespace: asString(ref.namespace) ?? '', name, uid: asString(ref.uid) };
}

export function phaseOf(o: KubeObject): string {
  return asString(status(o).phase) ?? '';
}

/** Whether the volume's node affinity admits `node` (no affinity: every node). */
export function volumeAdmitsNode(volume: KubeObject, node: KubeObject | undefined): boolean {
  const required = asObject(asObject(spec(volume).nodeAffinity)?.required);
  if (!required) return true;
  if (!node) return false;
  return matchesNodeSelectorTerms(required.nodeSelectorTerms, node);
}

export interface MatchOptions {
  /** The node chosen by the scheduler (WaitForFirstConsumer), when there is one. */
  readonly node?: KubeObject;
}

/** Why `volume` cannot hold `claim`, or undefined when it can. */
export function mismatch(claim: KubeObject, volume: KubeObject, opts: MatchOptions = {}): string | undefined {
  if (volume.metadata.deletionTimestamp) return 'being deleted';
  const ref = claimRefOf(volume);
  const claimNs = String(claim.metadata.namespace ?? '');
  const claimName = String(claim.metadata.name);
  if (ref && (ref.namespace !== claimNs || ref.name !== claimName || (ref.uid && ref.uid !== claim.metadata.uid))) return 'bound to another claim';
  if (!ref && phaseOf(volume) !== '' && phaseOf(volume) !== 'Available') return `phase ${phaseOf(volume)}`;
  if (classOf(volume) !== classOf(claim)) return 'storage class differs';
  if (volumeModeOf(volume) !== volumeModeOf(claim)) return 'volume mode differs';
  const offered = new Set(accessModesOf(volume));
  if (!accessModesOf(claim).every((m) => offered.has(m))) return 'access modes not offered';
  const want = requestOf(claim);
  const have = capacityOf(volume);
  if (want && (!have || compareQuantities(have, want) < 0)) return 'too small';
  const selector = spec(claim).selector;
  if (selector && !labelSelectorMatches(selector, volume.metadata.labels ?? {})) return 'selector does not match';
  if (opts.node && !volumeAdmitsNode(volume, opts.node)) return 'node affinity excludes the selected node';
  return undefined;
}

/** The volume `claim` should bind to: one pre-bound to it, else the smallest that fits. */
export function findMatchingVolume(claim: KubeObject, volumes: readonly KubeObject[], opts: MatchOptions = {}): KubeObject | undefined {
  const fitting = volumes.filter((v) => mismatch(claim, v, opts) === undefined);
  const preBound = fitting.find((v) => claimRefOf(v) !== undefined);
  if (preBound) return preBound;
  return fitting.sort((a, b) => {
    const ca = capacityOf(a);
    const cb = capacityOf(b);
    if (ca && cb) return compareQuantities(ca, cb) || String(a.metadata.name).localeCompare(String(b.metadata.name));
    return ca ? -1 : cb ? 1 : 0;
  })[0];
}
