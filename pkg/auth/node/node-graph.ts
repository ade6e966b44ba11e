// Which objects each node may read because a pod bound to it needs them: reference counts per
// (object, node), maintained incrementally from the pod and persistent volume caches.
//   secret / configmap / persistentvolumeclaim / serviceaccount ← pod ← node
//   persistentvolume ← its bound claim ← pod ← node;  secret ← persistentvolume (driver secrets)
import type { CacheEvent, ReadonlyCache } from '../cache/store-cache';
import type { PodReferences, VolumeReferences } from './pod-references';

export type GraphKind = 'secret' | 'configmap' | 'persistentvolumeclaim' | 'serviceaccount';

function refKey(kind: GraphKind, namespace: string, name: string): string {
  return `${kind}:${namespace}/${name}`;
}

export class NodeGraph {
  /** object key → node → number of that node's pods referring to it. */
  private readonly refs = new Map<string, Map<string, number>>();
  /** `namespace/name` of a secret → persistent volumes needing it. */
  private readonly volumeSecrets = new Map<string, Set<string>>();

  constructor(
    private readonly pods: ReadonlyCache<PodReferences>,
    private readonly volumes: ReadonlyCache<VolumeReferences>,
  ) {
    pods.subscribe((ev) => this.onPod(ev));
    volumes.subscribe((ev) => this.onVolume(ev));
    this.rebuildPods();
    this.rebuildVolumes();
  }

  private *keysOf(p: PodReferences): Generator<string> {
    for (const s of p.secrets) yield refKey('secret', p.namespace, s);
    for (const c of p.configMaps) yield refKey('configmap', p.namespace, c);
    for (const c of p.claims) yield refKey('persistentvolumeclaim', p.namespace, c);
    yield refKey('serviceaccount', p.namespace, p.serviceAccount);
  }

  private count(p: PodReferences, delta: 1 | -1): void {
    if (!p.nodeName) return;
    for (const key of this.keysOf(p)) {
      let byNode = this.refs.get(key);
      if (!byNode) this.refs.set(key, (byNode = new Map()));
      const n = (byNode.get(p.nodeName) ?? 0) + delta;
      if (n > 0) byNode.set(p.nodeName, n);
      else byNode.delete(p.nodeName);
      if (byNode.size === 0) this.refs.delete(key);
    }
  }

  private rebuildPods(): void {
    this.refs.clear();
    for (const p of this.pods.values()) this.count(p, 1);
  }

  private onPod(ev: CacheEvent<PodReferences>): void {
    if (ev.type === 'reset') return this.rebuildPods();
    if (ev.previous) this.count(ev.previous, -1);
    if (ev.type === 'upsert') this.count(ev.value, 1);
  }

  private indexVolume(name: string, v: VolumeReferences, add: boolean): void {
    for (const s of v.secrets) {
      let set = this.volumeSecrets.get(s);
      if (add) {
        if (!set) this.volumeSecrets.set(s, (set = new Set()));
        set.add(name);
      } else if (set) {
        set.delete(name);
        if (set.size === 0) this.volumeSecrets.delete(s);
      }
    }
  }

  private rebuildVolumes(): void {
    this.volumeSecrets.clear();
    for (const [name, v] of this.volumes.entries()) this.indexVolume(name, v, true);
  }

  private onVolume(ev: CacheEvent<VolumeReferences>): void {
    if (ev.type === 'reset') return this.rebuildVolumes();
    if (ev.previous) this.indexVolume(ev.key, ev.previous, false);
    if (ev.type === 'upsert') this.indexVolume(ev.key, ev.value, true);
  }

  private referencedBy(kind: GraphKind, namespace: string, name: string, node: string): boolean {
    return this.refs.get(refKey(kind, namespace, name))?.has(node) ?? false;
  }

  /** Whether a persistent volume's bound claim is used by a pod on `node`. */
  volumeOnNode(volume: string, node: string): boolean {
    const claim = this.volumes.get(volume)?.claim;
    if (!claim) return false;
    const slash = claim.indexOf('/');
    return this.referencedBy('persistentvolumeclaim', claim.slice(0, slash), claim.slice(slash + 1), node);
  }

  /** Whether `node` runs a pod that needs this object (directly, or for secrets through a volume). */
  hasPath(node: string, kind: GraphKind, namespace: string, name: string): boolean {
    if (this.referencedBy(kind, namespace, name, node)) return true;
    if (kind !== 'secret') return false;
    for (const volume of this.volumeSecrets.get(`${namespace}/${name}`) ?? []) if (this.volumeOnNode(volume, node)) return true;
    return false;
  }
}
