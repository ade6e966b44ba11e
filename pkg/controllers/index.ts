// The controllers `k3ts server` runs, as an explicit name → factory map (ARCHITECTURE rule 10).
import type { ControllerFactory } from '../controller/controller';
import { DEPLOYMENT_CONTROLLER, deploymentController } from './deployment/deployment-controller';
import { GARBAGE_COLLECTOR, garbageCollector } from './garbagecollector/garbage-collector';
import { JOB_CONTROLLER, jobController } from './job/job-controller';
import { CRONJOB_CONTROLLER, cronJobController } from './cronjob/cronjob-controller';
import { STATEFULSET_CONTROLLER, statefulSetController } from './statefulset/stateful-set-controller';
import { DAEMONSET_CONTROLLER, daemonSetController } from './daemonset/daemon-set-controller';
import { DISRUPTION_CONTROLLER, disruptionController } from './disruption/disruption-controller';
import { RESOURCEQUOTA_CONTROLLER, resourceQuotaController } from './resource-quota/resource-quota-controller';
import { TTL_AFTER_FINISHED_CONTROLLER, ttlAfterFinishedController } from './job/ttl-after-finished-controller';
import { NAMESPACE_CONTROLLER, namespaceController } from './namespace/namespace-controller';
import { REPLICASET_CONTROLLER, REPLICATIONCONTROLLER_CONTROLLER, REPLICATION_CONTROLLER_KIND, REPLICA_SET_KIND, replicatedController } from './replicaset/replica-set-controller';
import { ROOT_CA_CERT_PUBLISHER, rootCaCertPublisher } from './rootcacert/root-ca-cert-publisher';
import { SERVICEACCOUNT_CONTROLLER, serviceAccountController } from './serviceaccount/serviceaccount-controller';
import { ENDPOINTS_CONTROLLER, endpointsController } from './endpoints/endpoints-controller';
import { ENDPOINTSLICE_CONTROLLER, endpointSliceController } from './endpointslice/endpointslice-controller';
import { NODE_IPAM_CONTROLLER, nodeIpamController } from './node-ipam/node-ipam-controller';
import { NODE_LIFECYCLE_CONTROLLER, nodeLifecycleController, type NodeLifecycleOptions } from './node-lifecycle/node-lifecycle-controller';
import { TAINT_EVICTION_CONTROLLER, taintEvictionController } from './node-lifecycle/taint-eviction-controller';
import { CSR_SIGNING_CONTROLLER, csrSigningController, type CsrSigningConfig } from './certificates/csr-signing-controller';
import { PERSISTENT_VOLUME_CONTROLLER, persistentVolumeController } from './persistentvolume/persistent-volume-controller';
import { LOCAL_PATH_PROVISIONER_CONTROLLER, localPathProvisioner, type LocalPathProvisionerOptions } from './localpath/local-path-provisioner';
import { STORAGE_VERSION_MIGRATOR_CONTROLLER, storageVersionMigrator } from './storageversionmigration/storage-version-migration-controller';

export interface BuiltinControllersConfig {
  /** PEM of the CA that signed the API server's certificate (published as kube-root-ca.crt). */
  readonly rootCaPem: string;
  /** --cluster-cidr: node IPAM hands out /24s of it (default 10.42.0.0/16). */
  readonly clusterCidr?: string;
  /** Grace periods of the node lifecycle controller (tests shorten them). */
  readonly nodeLifecycle?: NodeLifecycleOptions;
  /** The cluster CAs the CSR signer issues certificates with (no CSR signing without them). */
  readonly csrSigning?: CsrSigningConfig;
  /** The built-in local-path provisioner (absent with --disable local-storage). */
  readonly localStorage?: LocalPathProvisionerOptions;
}

export function builtinControllers(cfg: BuiltinControllersConfig): ReadonlyMap<string, ControllerFactory> {
  return new Map<string, ControllerFactory>([
    [NAMESPACE_CONTROLLER, namespaceController],
    [GARBAGE_COLLECTOR, garbageCollector],
    [SERVICEACCOUNT_CONTROLLER, serviceAccountController],
    [ROOT_CA_CERT_PUBLISHER, rootCaCertPublisher({ caPem: cfg.rootCaPem })],
    [REPLICASET_CONTROLLER, replicatedController(REPLICA_SET_KIND)],
    [REPLICATIONCONTROLLER_CONTROLLER, replicatedController(REPLICATION_CONTROLLER_KIND)],
    [DEPLOYMENT_CONTROLLER, deploymentController],
    [JOB_CONTROLLER, jobController()],
    [TTL_AFTER_FINISHED_CONTROLLER, ttlAfterFinishedController],
    [CRONJOB_CONTROLLER, cronJobController()],
    [STATEFULSET_CONTROLLER, statefulSetController],
    [DAEMONSET_CONTROLLER, daemonSetController()],
    [DISRUPTION_CONTROLLER, disruptionController],
    [RESOURCEQUOTA_CONTROLLER, resourceQuotaController],
    [ENDPOINTS_CONTROLLER, endpointsController],
    [ENDPOINTSLICE_CONTROLLER, endpointSliceController()],
    [NODE_IPAM_CONTROLLER, nodeIpamController({ clusterCidr: cfg.clusterCidr ?? '10.42.0.0/16' })],
    [NODE_LIFECYCLE_CONTROLLER, nodeLifecycleController(cfg.nodeLifecycle)],
    [TAINT_EVICTION_CONTROLLER, taintEvictionController()],
    ...(cfg.csrSigning ? [[CSR_SIGNING_CONTROLLER, csrSigningController(cfg.csrSigning)] as const] : []),
    [PERSISTENT_VOLUME_CONTROLLER, persistentVolumeController],
    ...(cfg.localStorage ? [[LOCAL_PATH_PROVISIONER_CONTROLLER, localPathProvisioner(cfg.localStorage)] as const] : []),
    [STORAGE_VERSION_MIGRATOR_CONTROLLER, storageVersionMigrator],
  ]);
}

export { CRONJOB_CONTROLLER, DAEMONSET_CONTROLLER, DISRUPTION_CONTROLLER, JOB_CONTROLLER, RESOURCEQUOTA_CONTROLLER, STATEFULSET_CONTROLLER, TTL_AFTER_FINISHED_CONTROLLER };
export { DEPLOYMENT_CONTROLLER, GARBAGE_COLLECTOR, NAMESPACE_CONTROLLER, REPLICASET_CONTROLLER, REPLICATIONCONTROLLER_CONTROLLER, ROOT_CA_CERT_PUBLISHER, SERVICEACCOUNT_CONTROLLER };
export { ENDPOINTS_CONTROLLER, ENDPOINTSLICE_CONTROLLER, NODE_IPAM_CONTROLLER, NODE_LIFECYCLE_CONTROLLER, TAINT_EVICTION_CONTROLLER };
export { CSR_SIGNING_CONTROLLER, LOCAL_PATH_PROVISIONER_CONTROLLER, PERSISTENT_VOLUME_CONTROLLER };
export { STORAGE_VERSION_MIGRATOR_CONTROLLER };
