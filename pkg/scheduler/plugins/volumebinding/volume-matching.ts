// Which PersistentVolume can serve an unbound claim on a node (upstream's FindMatchingVolume as
// the scheduler uses it for WaitForFirstConsumer claims): same storage class and volume mode, every
// requested access mode offered, enough capacity, the claim's label selector satisfied, the PV's
// node affinity satisfied by the node, and not bound or promised to another claim. The smallest
// such volume wins; one pre-bound to the claim (spec.claimRef) is taken first.
import type { KubeObject } from '../../../api/types';
import { fromLabelSelector, type LabelSelectorJson } from '../../../api/selectors';
import { parseQuantity } from '../../../api/validation/quantity';
import { nodeSelectorTerms } from '../../framework/pod-info';
import { anyTermMatches } from '../internal/node-selector';

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** A quantity in bytes (0 when absent or unreadable). */
export function bytesOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return 0;
  const q = parseQuantity(v);
  return q ? Number(q.nanos / 1_000_000_000n) : 0;
}

/** The claim's storage class: spec.storageClassName, else the beta annotation ('' for none). */
export function claimClassName(claim: KubeObject): string {
  const spec = obj(claim.spec) ?? {};
  if (typeof spec.storageClassName === 'string') return spec.storageClassName;
  return claim.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}

export function volumeClassName(pv: KubeObject): string {
  const spec = obj(pv.spec) ?? {};
  if (typeof spec.storageClassName === 'string') return spec.storageClassName;
  return pv.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}

/** Whether the PV's required node affinity (if any) admits the node. */
export function volumeFitsNode(pv: KubeObject, labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  const required = obj(obj(obj(pv.spec)?.nodeAffinity)?.required);
  if (!required) return true;
  return anyTermMatches(nodeSelectorTerms(required.nodeSelectorTerms), labels, nodeName);
}

/** The PV's claimRef names this claim (by namespace/name, and uid when the ref has one). */
export function boundToClaim(pv: KubeObject, claim: KubeObject): boolean {
  const ref = obj(obj(pv.spec)?.claimRef);
  if (!ref) return false;
  if (ref.namespace !== claim.metadata.namespace || ref.name !== claim.metadata.name) return false;
  return typeof ref.uid !== 'string' || ref.uid === '' || ref.uid === claim.metadata.uid;
}

/** Static properties: class, mode, access modes, size and selector (not the node, not availability). */
export function volumeSatisfiesClaim(pv: KubeObject, claim: KubeObject): boolean {
  const cs = obj(claim.spec) ?? {};
  const ps = obj(pv.spec) ?? {};
  if (volumeClassName(pv) !== claimClassName(claim)) return false;
  if ((typeof cs.volumeMode === 'string' ? cs.volumeMode : 'Filesystem') !== (typeof ps.volumeMode === 'string' ? ps.volumeMode : 'Filesystem')) return false;
  const offered = new Set(strings(ps.accessModes));
  for (const m of strings(cs.accessModes)) if (!offered.has(m)) return false;
  if (bytesOf(obj(ps.capacity)?.storage) < bytesOf(obj(obj(cs.resources)?.requests)?.storage)) return false;
  const selector = obj(cs.selector);
  if (selector) {
    try {
      if (!fromLabelSelector(selector as LabelSelectorJson).matches(pv.metadata.labels ?? {})) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * The volume to bind `claim` to on this node, or undefined. `taken` holds PVs already chosen for
 * other claims (of this pod, or assumed for other pods).
 */
export function findMatchingVolume(claim: KubeObject, volumes: readonly KubeObject[], labels: Readonly<Record<string, string>>, nodeName: string, taken: ReadonlySet<string>): KubeObject | undefined {
  let best: KubeObject | undefined;
  let bestSize = Infinity;
  for (const pv of volumes) {
    const name = String(pv.metadata.name);
    if (taken.has(name) || pv.metadata.deletionTimestamp) continue;
    const phase = obj(pv.status)?.phase;
    if (phase === 'Released' || phase === 'Failed') continue;
    const preBound = boundToClaim(pv, claim);
    if (!preBound && obj(obj(pv.spec)?.claimRef)) continue;
    if (!volumeSatisfiesClaim(pv, claim) || !volumeFitsNode(pv, labels, nodeName)) continue;
    if (preBound) return pv;
    const size = bytesOf(obj(obj(pv.spec)?.capacity)?.storage);
    if (size < bestSize) {
      best = pv;
      bestSize = size;
    }
  }
  return best;
}
