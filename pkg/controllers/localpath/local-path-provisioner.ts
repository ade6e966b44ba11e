// The local-path provisioner (provisioner name rancher.io/local-path, as K3s ships it) built into
// the controller manager, so it needs no image: at start it creates the default StorageClass
// `local-path` (WaitForFirstConsumer, Delete) and ConfigMap kube-system/local-path-config unless
// they exist; for each claim handed to it (the PV controller's storage-provisioner annotation) with
// the node the scheduler chose, it creates a hostPath PersistentVolume at
// `<path>/<pvName>_<ns>_<claim>` with node affinity to that node, pre-bound to the claim. The
// directory itself is made (mode 0777) and, on reclaim, removed by the agent of that node
// (pkg/controllers/localpath/local-path-node-agent.ts), which then deletes the volume.
import type { KubeObject } from '../../api/types';
import { asObject, asString } from '../../api/validation/json';
import { isAlreadyExists, isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext, type ControllerFactory } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { objectEventRecorder } from '../internal/object-events';
import { STORAGE_RESOURCES } from '../persistentvolume/persistent-volume-controller';
import { ANN_DEFAULT_CLASS, ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, accessModesOf, classOf, volumeModeOf } from '../persistentvolume/volume-matching';
import { ANN_LOCAL_PATH_NODE, LOCAL_PATH_CLASS, LOCAL_PATH_CONFIGMAP, LOCAL_PATH_PROVISIONER, defaultLocalPathConfig, localPathConfigFromConfigMap, pathsForNode, volumeDirectory } from './local-path-config';

export const LOCAL_PATH_PROVISIONER_CONTROLLER = 'local-path-provisioner';
const BOOTSTRAP = '\0bootstrap';

export interface LocalPathProvisionerOptions {
  /** --default-local-storage-path (default <data-dir>/storage). */
  readonly defaultPath: string;
}

export function localPathStorageClass(): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { [ANN_DEFAULT_CLASS]: 'true' }, labels: { 'app.kubernetes.io/managed-by': 'k3ts' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    volumeBindingMode: 'WaitForFirstConsumer',
    reclaimPolicy: 'Delete',
  };
}

export function localPathProvisioner(opts: LocalPathProvisionerOptions): ControllerFactory {
  return (ctx: ControllerContext): Controller => {
    const claims = ctx.informers.informerFor(STORAGE_RESOURCES.persistentvolumeclaims);
    const classes = ctx.informers.informerFor(STORAGE_RESOURCES.storageclasses);
    const configMaps = ctx.informers.informerFor(RESOURCES.configmaps, { namespace: 'kube-system', fieldSelector: `metadata.name=${LOCAL_PATH_CONFIGMAP}` });
    const volumeApi = ctx.client.resource(STORAGE_RESOURCES.persistentvolumes);
    const events = objectEventRecorder({ client: ctx.client, clock: ctx.clock, log: ctx.log, component: LOCAL_PATH_PROVISIONER });
    const controller = new QueueController({ name: LOCAL_PATH_PROVISIONER_CONTROLLER, workers: 2, ctx, informers: [claims, classes, configMaps], reconcile });
    const onClaim = (c: KubeObject) => controller.enqueue(c);
    claims.addEventHandler({ add: onClaim, update: (_o, c) => onClaim(c) });
    // A fixed config map may unblock claims that failed for want of a path.
    configMaps.addEventHandler({ add: () => claims.indexer.list().forEach(onClaim), update: () => claims.indexer.list().forEach(onClaim) });
    controller.queue.add(BOOTSTRAP);

    async function bootstrap(signal: AbortSignal): Promise<void> {
      try {
        await ctx.client.resource(STORAGE_RESOURCES.storageclasses).create(localPathStorageClass(), { signal });
        ctx.log.info('created the default StorageClass', { name: LOCAL_PATH_CLASS });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
      try {
        await ctx.client.resource(RESOURCES.configmaps).create(
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: LOCAL_PATH_CONFIGMAP, namespace: 'kube-system', labels: { 'app.kubernetes.io/managed-by': 'k3ts' } }, data: { 'config.json': defaultLocalPathConfig(opts.defaultPath) } },
          { signal },
        );
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }

    async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
      if (key === BOOTSTRAP) return bootstrap(signal);
      const claim = claims.indexer.get(key);
      if (!claim || claim.metadata.deletionTimestamp) return;
      const ann = claim.metadata.annotations ?? {};
      if (ann[ANN_STORAGE_PROVISIONER] !== LOCAL_PATH_PROVISIONER || asString(asObject(claim.spec)?.volumeName)) return;
      const node = ann[ANN_SELECTED_NODE];
      const storageClass = classes.indexer.get(classOf(claim));
      if (!storageClass) return;
      const fail = (message: string) => events.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${classOf(claim)}": ${message}`);
      if (!node) {
        if (asString(storageClass.volumeBindingMode) !== 'WaitForFirstConsumer') await fail('the local-path provisioner needs volumeBindingMode WaitForFirstConsumer (the volume lives on the node the pod is scheduled to)');
        return;
      }
      if (volumeModeOf(claim) !== 'Filesystem') return void (await fail(`volumeMode ${volumeModeOf(claim)} is not supported: local-path volumes are directories (Filesystem)`));
      let paths: readonly string[];
      try {
        paths = pathsForNode(localPathConfigFromConfigMap(configMaps.indexer.get(`kube-system/${LOCAL_PATH_CONFIGMAP}`)), node);
      } catch (e) {
        return void (await fail((e as Error).message));
      }
      if (paths.length === 0) return void (await fail(`no local path is configured for node "${node}" in ConfigMap kube-system/${LOCAL_PATH_CONFIGMAP}`));
      const pvName = `pvc-${claim.metadata.uid}`;
      const namespace = String(claim.metadata.namespace);
      // Several paths: spread volumes over them by the claim's uid (stable across retries).
      const base = paths[parseInt(String(claim.metadata.uid).replace(/-/g, '').slice(0, 8), 16) % paths.length] ?? paths[0]!;
      const dir = volumeDirectory(base, pvName, namespace, String(claim.metadata.name));
      const request = asObject(asObject(asObject(claim.spec)?.resources)?.requests)?.storage;
      await events.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${namespace}/${claim.metadata.name}"`);
      try {
        await volumeApi.create(
          {
            apiVersion: 'v1',
            kind: 'PersistentVolume',
            metadata: { name: pvName, annotations: { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER, [ANN_LOCAL_PATH_NODE]: node } },
            spec: {
              capacity: { storage: request ?? '0' },
              accessModes: accessModesOf(claim),
              persistentVolumeReclaimPolicy: asString(storageClass.reclaimPolicy) ?? 'Delete',
              storageClassName: classOf(claim),
              volumeMode: 'Filesystem',
              claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion },
              hostPath: { path: dir, type: 'DirectoryOrCreate' },
              nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
            },
          },
          { signal },
        );
      } catch (e) {
        if (isAlreadyExists(e)) return;
        if (isNotFound(e)) return;
        throw e;
      }
      ctx.log.info('provisioned a local-path volume', { claim: key, volume: pvName, node, path: dir });
      await events.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
    }

    return controller;
  };
}
