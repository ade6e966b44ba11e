// The control plane inside `k3ts server`: certificates, admin kubeconfig, the API server on the
// datastore, and the system namespaces every cluster starts with.
import * as crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceDef } from '../api/resource-def';
import type { KubeObject } from '../api/types';
import { ApiServer, createX509Authenticator } from '../apiserver/api-server';
import { CatalogView } from '../apiserver/catalog-view';
import { ApiError } from '../apiserver/errors';
import { listenHttps, type RunningHttpsServer } from '../apiserver/https-server';
import { LoopbackServer, loopbackUserOf } from '../apiserver/loopback';
import { activeNamespaces } from '../apiserver/admission/namespace-lifecycle';
import type { ApiMachinery } from '../apiserver/machinery';
import type { Authenticator, NonResourceHandler, OpenApiProvider, SubresourceHandler } from '../apiserver/api-server';
import type { AdmissionPlugin, Authorizer } from '../apiserver/authorization';
import { Store, type StoreHooks } from '../apiserver/registry/store';
import { createServiceAllocation, DEFAULT_SERVICE_NETWORK } from '../apiserver/allocation';
import { systemClock } from '../client/clock';
import { startServiceNetwork } from './start-service-network';
import type { RuleResolver } from '../auth/authorizer';
import { reviewHandlers } from '../auth/reviews/review-handlers';
import { createPodBindingHandler, POD_BINDING_SUBRESOURCE } from '../apiserver/handlers/pod-binding';
import { ensureBuiltinPriorityClasses, priorityClassStore } from '../scheduler/priority/builtin-priority-classes';
import { CsrRequestorAdmission } from '../controllers/certificates/csr-requestor-admission';
import { ensureFlowControlBootstrap } from '../api/catalog/defaults/flowcontrol-bootstrap';
import { ensureLocalApiServices } from '../api/catalog/defaults/local-api-services';
import { ensureDefaultServiceCIDR } from '../api/catalog/defaults/default-service-cidr';
import { serveCustomResources } from '../apiextensions';
import { Aggregator } from '../apiserver/aggregation/aggregator';
import { COMPONENT_STATUSES_KEY, componentStatusHandler } from '../apiserver/handlers/component-statuses';
import { PriorityAdmission } from '../scheduler/priority/priority-admission';
import { startAuthorization, type AuthorizationStack } from '../auth/start-authorization';
import { ensureClusterCertificates, writeKubeconfig } from '../certs';
import type { Logger } from '../log/logger';
import type { Backend } from '../storage/backend';
import type { ServerConfig } from './server-config';

/** Leader-election Leases that show the controller manager and scheduler alive (`kubectl get componentstatuses`). */
const EMBEDDED_COMPONENT_LEASES = [
  { component: 'controller-manager', namespace: 'kube-system', name: 'k3ts-controller-manager' },
  { component: 'scheduler', namespace: 'kube-system', name: 'kube-scheduler' },
] as const;

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

export interface ControlPlaneDeps {
  readonly backend: Backend;
  readonly log: Logger;
  readonly resources: readonly ResourceDef[];
  readonly machinery: ApiMachinery;
  readonly openapi?: (catalog: CatalogView) => OpenApiProvider;
  readonly now?: () => Date;
  /** Replaces the authorizer chain of cfg.authorization (RBAC, Node), e.g. allowAll in tests. */
  readonly authorizer?: Authorizer;
  /** Authenticators tried after x509 client certificates (tokens). */
  readonly authenticators?: readonly Authenticator[];
  readonly admission?: readonly AdmissionPlugin[];
  /** Told the authorizer chain once it exists, before the server listens (admission policies' CEL `authorizer`). */
  readonly onAuthorizer?: (authorizer: Authorizer) => void;
  /** Handlers for subresources that are not store views (serviceaccounts/token, pods/log…). */
  readonly subresources?: ReadonlyMap<string, SubresourceHandler>;
  /** Extra non-resource endpoints (`/v1-k3ts/encrypt/…`), served after authentication and authorization. */
  readonly nonResourceHandlers?: ReadonlyMap<string, NonResourceHandler>;
  /** Requests answered before the API server (the supervisor's agent-join endpoints); true when handled. */
  readonly preHandle?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface ControlPlane {
  readonly port: number;
  readonly stores: ReadonlyMap<ResourceDef, Store>;
  /** In-process connections for the components embedded in this process (scheduler, controllers). */
  readonly loopback: LoopbackServer;
  stop(): Promise<void>;
}

async function ensureNamespaces(stores: ReadonlyMap<ResourceDef, Store>, log: Logger): Promise<void> {
  const ns = [...stores].find(([d]) => d.group === '' && d.resource === 'namespaces')?.[1];
  if (!ns) return;
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await ns.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as KubeObject);
      log.info('created namespace', { name });
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
    }
  }
}

export async function startControlPlane(cfg: ServerConfig, deps: ControlPlaneDeps): Promise<ControlPlane> {
  const log = deps.log;
  const t0 = performance.now();
  const certs = await ensureClusterCertificates({ tlsDir: cfg.paths.server.tls, ...cfg.certs });
  log.info('certificates ready', { created: certs.created.length, reused: certs.reused.length, reissued: certs.reissued.map((r) => r.file).join(',') || 'none', ms: Math.round(performance.now() - t0) });
  for (const w of certs.warnings) log.warn(w);

  const now = deps.now ?? (() => new Date());
  const catalog = new CatalogView(deps.resources);
  const storeCtx = { backend: deps.backend, now, newUid: () => crypto.randomUUID(), random: Math.random };
  // Service cluster IPs and node ports are claimed in the datastore around services writes.
  const clock = { now: () => now().getTime(), setTimeout: systemClock.setTimeout };
  const serviceCidr = cfg.network?.serviceCidr ?? DEFAULT_SERVICE_NETWORK.serviceCidr;
  const allocation = createServiceAllocation({ serviceCidr, nodePortRange: cfg.network?.serviceNodePortRange ?? DEFAULT_SERVICE_NETWORK.nodePortRange }, { backend: deps.backend, clock, log: log.child('allocation') });
  const storeHooks = new Map<string, StoreHooks>([['/services', allocation.hooks()]]);
  const stores = new Map(deps.resources.map((d) => [d, new Store(d, storeCtx, d.storageResource ? undefined : storeHooks.get(`${d.group}/${d.resource}`))] as const));
  await ensureNamespaces(stores, log);
  await ensureBuiltinPriorityClasses(priorityClassStore(stores), log);
  await ensureFlowControlBootstrap(stores, log, now());
  await ensureLocalApiServices(deps.resources, stores, log, now());
  await ensureDefaultServiceCIDR(stores, serviceCidr, log, now());
  // CustomResourceDefinitions: their resources join the catalog and the store map at run time.
  const customResources = await serveCustomResources({ catalog, stores: stores as Map<ResourceDef, Store>, storeContext: storeCtx, log: log.child('apiextensions') });
  // Authorization: bootstrap RBAC policy, the authorizers' caches, ClusterRole aggregation (unless a test passes its own authorizer).
  const authz: AuthorizationStack | undefined = deps.authorizer
    ? undefined
    : await startAuthorization(cfg.authorization ?? { modes: ['RBAC', 'Node'] }, {
        store: (group, resource) => [...stores].find(([d]) => d.group === group && d.resource === resource && !d.storageResource)?.[1],
        log: log.child('authorization'),
      });
  const authorizer = deps.authorizer ?? authz!.authorizer;
  deps.onAuthorizer?.(authorizer);
  const noRules: RuleResolver = { rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: true }) };
  const createOnly = reviewHandlers({ authorizer, rules: authz?.rules ?? noRules, tokenAuthenticators: deps.authenticators ?? [] });

  // APIServices with spec.service: proxied to extension API servers as the front proxy (request-header CA).
  const aggregator = new Aggregator({ stores, identity: certs.clients['auth-proxy'], log: log.child('aggregation') });
  let ready = false;
  const nsStore = [...stores].find(([d]) => d.group === '' && d.resource === 'namespaces')?.[1];
  const namespaces = nsStore ? activeNamespaces(nsStore, log.child('namespace-cache')) : undefined;
  namespaces?.start();
  const api = new ApiServer({
    services: { activeNamespace: namespaces?.isActive, catalog, stores, machinery: customResources.machinery(deps.machinery), dynamicSubresources: customResources.subresource, resourceWarnings: customResources.warnings, servingEnded: customResources.servingEnded, now, log: log.child('apiserver'), admission: [new PriorityAdmission(() => priorityClassStore(stores)), new CsrRequestorAdmission(), ...(deps.admission ?? []), ...(authz?.admission ?? [])], createOnly },
    authenticators: [(req) => loopbackUserOf(req.socket), createX509Authenticator(), ...(deps.authenticators ?? [])],
    authorizer,
    // pods/binding is built in (the scheduler's write); deps may add or replace others.
    subresources: new Map([[POD_BINDING_SUBRESOURCE, createPodBindingHandler(storeCtx)], [COMPONENT_STATUSES_KEY, componentStatusHandler(EMBEDDED_COMPONENT_LEASES)], ...(deps.subresources ?? [])]),
    nonResourceHandlers: deps.nonResourceHandlers,
    anonymousAuth: cfg.anonymousAuth,
    serverAddress: `${cfg.certs.nodeIPs[0] ?? '127.0.0.1'}:${cfg.listen.port}`,
    openapi: customResources.openapi(deps.openapi?.(catalog)),
    readyChecks: new Map([['datastore', () => ready]]),
    aggregator,
  });
  const https: RunningHttpsServer = await listenHttps(api, {
    host: cfg.listen.address,
    port: cfg.listen.port,
    certPem: certs.servingKubeApiserver.certPem,
    keyPem: certs.servingKubeApiserver.keyPem,
    clientCaPem: certs.clientCa.certPem,
    preHandle: deps.preHandle,
  });
  const loopback = new LoopbackServer((req, res) => api.handle(req, res));
  ready = true;
  aggregator.start();
  log.info('API server listening', { address: cfg.listen.address, port: https.port });
  const serviceNetwork = await startServiceNetwork(
    { serviceCidr, self: { ip: cfg.certs.nodeIPs[0] ?? '127.0.0.1', port: https.port } },
    { stores, backend: deps.backend, allocation, clock, log },
  );

  await writeKubeconfig(cfg.kubeconfig.file, {
    server: cfg.kubeconfigServer.replace(/:\d+$/, `:${https.port}`),
    caPem: certs.serverCa.certPem,
    clientCertPem: certs.clients.admin.certPem,
    clientKeyPem: certs.clients.admin.keyPem,
    mode: cfg.kubeconfig.mode,
  });
  log.info('wrote kubeconfig', { file: cfg.kubeconfig.file, mode: cfg.kubeconfig.mode.toString(8).padStart(4, '0') });
  // server/cred/admin.kubeconfig, always 0600: what `k3ts token` and `k3ts secrets-encrypt` use (K3s keeps the same file).
  await writeKubeconfig(`${cfg.paths.server.cred}/admin.kubeconfig`, {
    server: cfg.kubeconfigServer.replace(/:\d+$/, `:${https.port}`),
    caPem: certs.serverCa.certPem,
    clientCertPem: certs.clients.admin.certPem,
    clientKeyPem: certs.clients.admin.keyPem,
    mode: 0o600,
  });

  return {
    port: https.port,
    stores,
    loopback,
    async stop() {
      ready = false;
      loopback.close();
      await namespaces?.stop();
      aggregator.stop();
      await serviceNetwork.stop();
      await https.close();
      await authz?.stop();
      customResources.stop();
    },
  };
}
