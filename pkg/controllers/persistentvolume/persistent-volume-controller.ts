// The PersistentVolume controller (upstream's binder, protection and reclaim loops, in one queue):
// - claims: the default StorageClass is filled in for claims created without one; an unbound
//   claim binds to the best matching Available volume (volume-matching.ts), waits for its first
//   consumer (WaitForFirstConsumer: the scheduler's VolumeBinding annotates the selected node), or
//   is handed to its class's provisioner (annotation + ExternalProvisioning event); phases
//   Pending/Bound/Lost as upstream.
// - volumes: Available/Bound/Released/Failed; a released volume is kept (Retain) or left to the
//   provisioner that made it (Delete, `pv.kubernetes.io/provisioned-by`).
// - protection: kubernetes.io/pvc-protection stays on a claim while a pod uses it,
//   kubernetes.io/pv-protection on a volume while it is bound.
import type { KubeObject } from '../../api/types';
import { asArray, asObject, asString } from '../../api/validation/json';
import { isConflict, isNotFound } from '../../client/errors';
import { splitKey } from '../../client/indexer';
import { RESOURCES, type ResourceRef } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { objectEventRecorder } from '../internal/object-events';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_DEFAULT_CLASS,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  PVC_PROTECTION,
  PV_PROTECTION,
  accessModesOf,
  claimRefOf,
  classOf,
  findMatchingVolume,
  phaseOf,
} from './volume-matching';

export const PERSISTENT_VOLUME_CONTROLLER = 'persistentvolume-binder';

export const STORAGE_RESOURCES = Object.freeze({
  persistentvolumes: Object.freeze({ group: '', version: 'v1', resource: 'persistentvolumes', kind: 'PersistentVolume', namespaced: false }) as ResourceRef,
  persistentvolumeclaims: Object.freeze({ group: '', version: 'v1', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true }) as ResourceRef,
  storageclasses: Object.freeze({ group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', kind: 'StorageClass', namespaced: false }) as ResourceRef,
});

const CLAIM = 'claim:';
const VOLUME = 'volume:';

/** The class marked default (newest wins when several are, as upstream). */
export function defaultStorageClass(classes: readonly KubeObject[]): KubeObject | undefined {
  return classes
    .filter((c) => c.metadata.annotations?.[ANN_DEFAULT_CLASS] === 'true' && !c.metadata.deletionTimestamp)
    .sort((a, b) => String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')) || String(a.metadata.name).localeCompare(String(b.metadata.name)))[0];
}

/** Whether a pod that is not finished mounts the claim. */
export function podUsesClaim(pod: KubeObject, claim: string): boolean {
  const phase = asString(asObject(pod.status)?.phase);
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return (asArray(asObject(pod.spec)?.volumes) ?? []).some((v) => asString(asObject(asObject(v)?.persistentVolumeClaim)?.claimName) === claim);
}

const finalizersOf = (o: KubeObject): string[] => [...(o.metadata.finalizers ?? [])];

export function persistentVolumeController(ctx: ControllerContext): Controller {
  const claims = ctx.informers.informerFor(STORAGE_RESOURCES.persistentvolumeclaims);
  const volumes = ctx.informers.informerFor(STORAGE_RESOURCES.persistentvolumes);
  const classes = ctx.informers.informerFor(STORAGE_RESOURCES.storageclasses);
  const pods = ctx.informers.informerFor(RESOURCES.pods);
  const nodes = ctx.informers.informerFor(RESOURCES.nodes);
  const claimApi = ctx.client.resource(STORAGE_RESOURCES.persistentvolumeclaims);
  const volumeApi = ctx.client.resource(STORAGE_RESOURCES.persistentvolumes);
  const events = objectEventRecorder({ client: ctx.client, clock: ctx.clock, log: ctx.log, component: 'persistentvolume-controller' });
  const controller = new QueueController({ name: PERSISTENT_VOLUME_CONTROLLER, workers: 2, ctx, informers: [claims, volumes, classes, pods, nodes], reconcile });

  const onClaim = (c: KubeObject) => controller.queue.add(`${CLAIM}${c.metadata.namespace}/${c.metadata.name}`);
  const onVolume = (v: KubeObject) => {
    controller.queue.add(`${VOLUME}${v.metadata.name}`);
    const ref = claimRefOf(v);
    if (ref) controller.queue.add(`${CLAIM}${ref.namespace}/${ref.name}`);
    // A volume that became Available may be what a waiting claim needs.
    else if (phaseOf(v) === 'Available') for (const c of claims.indexer.list()) if (!asString(asObject(c.spec)?.volumeName)) onClaim(c);
  };
  const onClaimGone = (c: KubeObject) => {
    onClaim(c);
    const volume = asString(asObject(c.spec)?.volumeName);
    if (volume) controller.queue.add(`${VOLUME}${volume}`);
  };
  claims.addEventHandler({ add: onClaim, update: (_o, c) => onClaim(c), delete: onClaimGone });
  volumes.addEventHandler({ add: onVolume, update: (_o, v) => onVolume(v), delete: onVolume });
  // A new class (or default) may unblock waiting claims; a finished/deleted pod may release a claim.
  classes.addEventHandler({ add: () => claims.indexer.list().forEach(onClaim), update: () => claims.indexer.list().forEach(onClaim) });
  const onPod = (p: KubeObject) => {
    for (const v of asArray(asObject(p.spec)?.volumes) ?? []) {
      const name = asString(asObject(asObject(v)?.persistentVolumeClaim)?.claimName);
      if (name) controller.queue.add(`${CLAIM}${p.metadata.namespace}/${name}`);
    }
  };
  pods.addEventHandler({ update: (_o, p) => onPod(p), delete: onPod });

  async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    try {
      if (key.startsWith(CLAIM)) return await syncClaim(key.slice(CLAIM.length), signal);
      if (key.startsWith(VOLUME)) return await syncVolume(key.slice(VOLUME.length), signal);
    } catch (e) {
      if (isNotFound(e)) return;
      if (isConflict(e)) return { requeueAfterMs: 100 };
      throw e;
    }
  }

  const setClaimPhase = async (claim: KubeObject, phase: string, extra: Record<string, unknown> = {}, signal?: AbortSignal) => {
    if (phaseOf(claim) === phase && Object.keys(extra).length === 0) return;
    await claimApi.patch(claim.metadata.namespace, String(claim.metadata.name), 'merge', { status: { phase, ...extra } }, { subresource: 'status', signal });
  };
  const setVolumePhase = async (volume: KubeObject, phase: string, signal?: AbortSignal, message?: string) => {
    if (phaseOf(volume) === phase) return;
    await volumeApi.patch(undefined, String(volume.metadata.name), 'merge', { status: { phase, ...(message ? { message } : {}) } }, { subresource: 'status', signal });
  };
  const setFinalizers = (api: typeof claimApi, obj: KubeObject, finalizers: string[], signal: AbortSignal) =>
    api.patch(obj.metadata.namespace || undefined, String(obj.metadata.name), 'merge', { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } }, { signal });

  async function syncClaim(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const claim = claims.indexer.get(key);
    if (!claim) return;
    if (claim.metadata.deletionTimestamp) {
      const fins = finalizersOf(claim);
      if (fins.includes(PVC_PROTECTION) && !pods.indexer.list().some((p) => p.metadata.namespace === namespace && podUsesClaim(p, name))) {
        await setFinalizers(claimApi, claim, fins.filter((f) => f !== PVC_PROTECTION), signal);
      }
      return;
    }
    if (!finalizersOf(claim).includes(PVC_PROTECTION)) {
      await setFinalizers(claimApi, claim, [...finalizersOf(claim), PVC_PROTECTION], signal);
      return; // the update comes back through the informer
    }
    const spec = asObject(claim.spec) ?? {};
    const volumeName = asString(spec.volumeName);
    if (spec.storageClassName === undefined && !volumeName) {
      // Retroactive default class assignment (upstream since 1.28).
      const def = defaultStorageClass(classes.indexer.list());
      if (def) {
        await claimApi.patch(namespace, name, 'merge', { spec: { storageClassName: def.metadata.name } }, { signal });
        return;
      }
    }
    if (volumeName) return bindBoundClaim(claim, volumeName, signal);

    const className = classOf(claim);
    const storageClass = className ? classes.indexer.get(className) : undefined;
    const selectedNode = claim.metadata.annotations?.[ANN_SELECTED_NODE];
    if (asString(asObject(storageClass)?.volumeBindingMode) === 'WaitForFirstConsumer' && !selectedNode) {
      await setClaimPhase(claim, 'Pending', {}, signal);
      await events.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    const volume = findMatchingVolume(claim, volumes.indexer.list(), { node: selectedNode ? nodes.indexer.get(selectedNode) : undefined });
    if (volume) return bind(claim, volume, signal);

    await setClaimPhase(claim, 'Pending', {}, signal);
    const provisioner = asString(asObject(storageClass)?.provisioner);
    if (storageClass && provisioner && provisioner !== 'kubernetes.io/no-provisioner') {
      if (claim.metadata.annotations?.[ANN_STORAGE_PROVISIONER] !== provisioner) {
        await claimApi.patch(namespace, name, 'merge', { metadata: { annotations: { [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner } } }, { signal });
      }
      await events.event(
        claim,
        'Normal',
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
      return;
    }
    const why = !className ? 'no persistent volumes available for this claim and no storage class is set' : !storageClass ? `storageclass.storage.k8s.io "${className}" not found` : `no persistent volumes available for this claim and storage class "${className}" has no provisioner`;
    await events.event(claim, 'Warning', 'ProvisioningFailed', why);
  }

  /** The claim names a volume (bound before, or pre-bound by the user). */
  async function bindBoundClaim(claim: KubeObject, volumeName: string, signal: AbortSignal): Promise<void> {
    const volume = volumes.indexer.get(volumeName);
    if (!volume) {
      if (phaseOf(claim) === 'Bound') {
        await setClaimPhase(claim, 'Lost', {}, signal);
        await events.event(claim, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      } else await setClaimPhase(claim, 'Pending', {}, signal);
      return;
    }
    const ref = claimRefOf(volume);
    if (!ref) return bind(claim, volume, signal);
    if (ref.namespace === claim.metadata.namespace && ref.name === claim.metadata.name && (!ref.uid || ref.uid === claim.metadata.uid)) return bind(claim, volume, signal);
    await setClaimPhase(claim, phaseOf(claim) === 'Bound' ? 'Lost' : 'Pending', {}, signal);
    await events.event(claim, 'Warning', 'FailedBinding', `volume "${volumeName}" already bound to a different claim.`);
  }

  /** Writes both halves of a binding: the volume's claimRef and phase, then the claim's. */
  async function bind(claim: KubeObject, volume: KubeObject, signal: AbortSignal): Promise<void> {
    const ref = claimRefOf(volume);
    if (!ref || !ref.uid) {
      await volumeApi.patch(
        undefined,
        String(volume.metadata.name),
        'merge',
        {
          metadata: { resourceVersion: volume.metadata.resourceVersion, ...(ref ? {} : { annotations: { [ANN_BOUND_BY_CONTROLLER]: 'yes' } }) },
          spec: { claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion } },
        },
        { signal },
      );
    }
    await setVolumePhase(volume, 'Bound', signal);
    const spec = asObject(claim.spec) ?? {};
    if (asString(spec.volumeName) !== volume.metadata.name || claim.metadata.annotations?.[ANN_BIND_COMPLETED] !== 'yes') {
      await claimApi.patch(
        claim.metadata.namespace,
        String(claim.metadata.name),
        'merge',
        { metadata: { annotations: { [ANN_BIND_COMPLETED]: 'yes', ...(asString(spec.volumeName) ? {} : { [ANN_BOUND_BY_CONTROLLER]: 'yes' }) } }, spec: { volumeName: volume.metadata.name } },
        { signal },
      );
    }
    const capacity = asObject(asObject(volume.spec)?.capacity) ?? {};
    const status = asObject(claim.status) ?? {};
    if (phaseOf(claim) !== 'Bound' || JSON.stringify(status.capacity) !== JSON.stringify(capacity)) {
      await setClaimPhase(claim, 'Bound', { capacity, accessModes: accessModesOf(volume) }, signal);
    }
  }

  async function syncVolume(name: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const volume = volumes.indexer.get(name);
    if (!volume) return;
    const ref = claimRefOf(volume);
    const claim = ref ? claims.indexer.get(`${ref.namespace}/${ref.name}`) : undefined;
    const claimGone = ref !== undefined && (!claim || (ref.uid !== undefined && claim.metadata.uid !== ref.uid));
    if (volume.metadata.deletionTimestamp) {
      const fins = finalizersOf(volume);
      const inUse = phaseOf(volume) === 'Bound' && !claimGone;
      if (fins.includes(PV_PROTECTION) && !inUse) await setFinalizers(volumeApi, volume, fins.filter((f) => f !== PV_PROTECTION), signal);
      return;
    }
    if (!finalizersOf(volume).includes(PV_PROTECTION)) {
      await setFinalizers(volumeApi, volume, [...finalizersOf(volume), PV_PROTECTION], signal);
      return;
    }
    if (!ref || (claimGone && !ref.uid)) {
      // Unclaimed, or pre-bound to a claim that does not exist yet.
      await setVolumePhase(volume, 'Available', signal);
      return;
    }
    if (!claimGone) {
      const claimVolume = asString(asObject(claim!.spec)?.volumeName);
      if (!claimVolume || claimVolume === name) {
        if (claimVolume === name) await setVolumePhase(volume, 'Bound', signal);
        else controller.queue.add(`${CLAIM}${ref.namespace}/${ref.name}`);
        return;
      }
      // The claim went to another volume: a binding this controller made is undone.
      if (volume.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] === 'yes') {
        await volumeApi.patch(undefined, name, 'json', [{ op: 'remove', path: '/spec/claimRef' }], { signal });
        await setVolumePhase(volume, 'Available', signal);
        return;
      }
    }
    // Released: its claim is gone.
    if (phaseOf(volume) !== 'Released' && phaseOf(volume) !== 'Failed') await setVolumePhase(volume, 'Released', signal);
    const policy = asString(asObject(volume.spec)?.persistentVolumeReclaimPolicy) ?? 'Retain';
    if (policy === 'Delete' && !volume.metadata.annotations?.[ANN_PROVISIONED_BY] && phaseOf(volume) !== 'Failed') {
      const message = 'error getting deleter volume plugin for volume: no deletable volume plugin matched';
      await setVolumePhase(volume, 'Failed', signal, message);
      await events.event(volume, 'Warning', 'VolumeFailedDelete', message);
    }
    if (policy === 'Recycle' && phaseOf(volume) !== 'Failed') {
      const message = 'the Recycle reclaim policy is deprecated and not supported by k3ts: use Delete with a provisioner, or Retain';
      await setVolumePhase(volume, 'Failed', signal, message);
      await events.event(volume, 'Warning', 'VolumeFailedRecycle', message);
    }
  }

  return controller;
}
