// The controllers `k3ts server` runs, as an explicit name → factory map (ARCHITECTURE rule 10).
import type { ControllerFactory } from '../controller/controller';
import { DEPLOYMENT_CONTROLLER, deploymentController } from './deployment/deployment-controller';
import { GARBAGE_COLLECTOR, garbageCollector } from './garbagecollector/garbage-collector';
import { NAMESPACE_CONTROLLER, namespaceController } from './namespace/namespace-controller';
import { REPLICASET_CONTROLLER, REPLICATIONCONTROLLER_CONTROLLER, REPLICATION_CONTROLLER_KIND, REPLICA_SET_KIND, replicatedController } from './replicaset/replica-set-controller';
import { ROOT_CA_CERT_PUBLISHER, rootCaCertPublisher } from './rootcacert/root-ca-cert-publisher';
import { SERVICEACCOUNT_CONTROLLER, serviceAccountController } from './serviceaccount/serviceaccount-controller';

export interface BuiltinControllersConfig {
  /** PEM of the CA that signed the API server's certificate (published as kube-root-ca.crt). */
  readonly rootCaPem: string;
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
  ]);
}

export { DEPLOYMENT_CONTROLLER, GARBAGE_COLLECTOR, NAMESPACE_CONTROLLER, REPLICASET_CONTROLLER, REPLICATIONCONTROLLER_CONTROLLER, ROOT_CA_CERT_PUBLISHER, SERVICEACCOUNT_CONTROLLER };
