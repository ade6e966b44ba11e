// `k3ts server` composition root: build each part from its config slice, start them in order,
// stop them in reverse when the signal aborts.
import * as fs from 'node:fs';
import { BUILTIN_MODULES } from '../api/catalog';
import { createMachinery, schemaSource } from '../apiserver/machinery-impl';
import { createOpenApiProvider } from '../apiserver/openapi';
import { nativeSqliteBinding } from '../embed/native-sqlite';
import { createLogger } from '../log/logger';
import { openBackend } from '../storage/open-backend';
import { KUBERNETES_VERSION, versionInfo } from '../version/version';
import { clusterReset } from './cluster-reset';
import { startControlPlane } from './control-plane';
import { serverConfig, type ServerFlagValues } from './server-config';
import { controllerIdentity, startControllers } from './start-controllers';
import { networkAddonsFromFlags } from '../servicelb/network-addons';
import { controllerManagerArgs } from '../controllers/node-lifecycle/controller-manager-args';
import { schedulerArgs, startScheduler } from './start-scheduler';
import { prepareTokenSecurity } from './token-security';
import { untilAborted } from './until-aborted';
import { shareClusterIdentity } from './share-cluster-identity';
import { startServerAgent } from '../agent/server-agent';
import { serverSupervisor } from './supervisor/server-supervisor';
import { kubeletProxySubresources, serverTlsCredentials } from '../kubelet/proxy/kubelet-proxy';
import { disruptionSubresources } from '../controllers/disruption';
import { resourcePolicyAdmission } from '../controllers/resource-quota';
import { createMetricsApi } from '../metrics';
import { systemClock } from '../client/clock';
import { notifyReady } from '../systemd/sd-notify';
import { serviceAccountAdmission } from '../apiserver/admission/service-account';
import { defaultClassAdmission } from '../apiserver/admission/default-class-admission';
import { admissionPluginArgs, withoutDisabled } from '../apiserver/admission/admission-plugin-args';
import { dynamicAdmission, LateBoundAuthorizer } from '../admission';
import { localStorageFromFlags } from '../controllers/localpath/local-storage-flags';
import { deployerConfigFromFlags, startAddonDeployer } from '../deploy/start-deployer';

export interface RunContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
  readonly configFiles: readonly string[];
}

export async function runServer(flags: ServerFlagValues, ctx: RunContext): Promise<void> {
  const started = performance.now();
  const cfg = serverConfig(flags);
  const log = createLogger({ level: cfg.debug ? 'debug' : 'info', component: 'server' });
  const v = versionInfo();
  log.info('starting k3ts server', { version: v.version, commit: v.commit.slice(0, 8), dataDir: cfg.paths.root, config: ctx.configFiles.join(',') || 'none' });

  fs.mkdirSync(cfg.paths.server.db, { recursive: true, mode: 0o700 });
  const nativeBinding = nativeSqliteBinding(cfg.paths.assets, log.child('embed'));
  // --cluster-reset: restore the snapshot, then stop as K3s does (the user restarts without the flags).
  const reset = { reset: flags.clusterReset, restorePath: flags.clusterResetRestorePath, endpoint: cfg.datastore.endpoint, paths: cfg.paths, nativeBinding };
  if (clusterReset({ ...reset, log: log.child('cluster-reset') }) === 'restored') return;
  const backend = await openBackend(cfg.datastore.endpoint, { defaultSqlitePath: cfg.paths.server.sqlite, nativeBinding, tls: cfg.datastore.tls });
  await backend.start();
  log.info('datastore ready', { endpoint: cfg.datastore.endpoint || `sqlite://${cfg.paths.server.sqlite}`, revision: await backend.currentRevision() });

  try {
    const { registry, machinery } = createMachinery();
    const k = KUBERNETES_VERSION;
    const cfgWithToken = await shareClusterIdentity(cfg, flags, backend, log);
    const security = await prepareTokenSecurity(cfgWithToken, backend, log);
    const policyCaches = new AbortController();
    // metrics.k8s.io (kubectl top) is served by this API server itself from the kubelets' /metrics/resource.
    const kubeletCredentials = serverTlsCredentials(cfg.paths.server.tls);
    const metricsApi = createMetricsApi({ credentials: kubeletCredentials, clock: systemClock, log: log.child('metrics') });
    // The agent-join endpoints (/cacerts, /v1-k3ts/…) on the API port, answered before the API server.
    const supervisor = serverSupervisor(flags, cfg, log.child('supervisor'));
    // Admission policies' CEL `authorizer` asks the server's authorizer chain, which startControlPlane builds.
    const admissionAuthorizer = new LateBoundAuthorizer();
    const controlPlane = await startControlPlane(cfg, {
      onAuthorizer: (a) => admissionAuthorizer.bind(a),
      preHandle: supervisor.handle,
      backend: security.backend,
      authenticators: security.authenticators,
      // pods/log and pods/exec are answered by the pod's kubelet through the API server.
      subresources: new Map([...security.subresources, ...kubeletProxySubresources(kubeletCredentials), ...disruptionSubresources(), ...metricsApi.handlers]),
      nonResourceHandlers: security.nonResourceHandlers,
      // LimitRange defaults, then ResourceQuota enforcement.
      admission: withoutDisabled([...serviceAccountAdmission({ backend: security.backend, resources: BUILTIN_MODULES.flat() }), ...defaultClassAdmission({ backend: security.backend, resources: BUILTIN_MODULES.flat(), signal: policyCaches.signal, log: log.child('admission') }), ...dynamicAdmission({ backend: security.backend, resources: BUILTIN_MODULES.flat(), signal: policyCaches.signal, log: log.child('admission'), authorizer: admissionAuthorizer }), ...resourcePolicyAdmission({ backend: security.backend, resources: BUILTIN_MODULES.flat(), signal: policyCaches.signal, log: log.child('admission') })], admissionPluginArgs(flags.kubeApiserverArg)),
      log,
      resources: [...BUILTIN_MODULES.flat(), ...metricsApi.resources],
      machinery,
      openapi: (catalog) => createOpenApiProvider(catalog, schemaSource(registry), `v${k.major}.${k.minor}.${k.patch}`),
    });
    const stopMetrics = new AbortController();
    await metricsApi.start(controlPlane.stores, stopMetrics.signal);
    const stopTokens = new AbortController();
    const tokenControllers = await security.start(controlPlane, stopTokens.signal);
    supervisor.attach(controlPlane.port);
    // The controller manager talks to this server's API like any client, once it listens.
    const cmFlags = controllerManagerArgs(cfg.controllerManager?.args ?? []);
    if (cmFlags.unsupported.length > 0) log.warn('ignoring --kube-controller-manager-arg values k3ts does not support (only node-monitor-grace-period, node-startup-grace-period)', { args: cmFlags.unsupported.join(' ') });
    const controllerManager = await startControllers(
      { tlsDir: cfg.paths.server.tls, apiServer: cfg.kubeconfigServer.replace(/:\d+$/, `:${controlPlane.port}`), identity: controllerIdentity(cfg.nodeName), loopback: controlPlane.loopback, clusterCidr: cfg.network?.clusterCidr, nodeLifecycle: cmFlags.nodeLifecycle, networkAddons: networkAddonsFromFlags(flags), localStorage: localStorageFromFlags(flags, cfg.paths.storage) },
      log.child('controller-manager'),
    );
    // Packaged and user manifests in server/manifests → Addons and their objects (pkg/deploy).
    const deployer = await startAddonDeployer(
      deployerConfigFromFlags(flags, { manifestsDir: cfg.paths.server.manifests, storageDir: cfg.paths.storage, tlsDir: cfg.paths.server.tls, apiServer: cfg.kubeconfigServer.replace(/:\d+$/, `:${controlPlane.port}`), host: cfg.nodeName }),
      log.child('deploy'),
    );
    const schedulerFlags = schedulerArgs(cfg.scheduler?.args ?? []);
    if (schedulerFlags.unsupported.length > 0) log.warn('ignoring --kube-scheduler-arg values k3ts does not support (only config=<file>)', { args: schedulerFlags.unsupported.join(' ') });
    const scheduler = cfg.scheduler?.disabled
      ? undefined
      : await startScheduler(
          { tlsDir: cfg.paths.server.tls, apiServer: cfg.kubeconfigServer.replace(/:\d+$/, `:${controlPlane.port}`), identity: controllerIdentity(cfg.nodeName), loopback: controlPlane.loopback, configFile: schedulerFlags.configFile },
          log.child('scheduler'),
        );
    // The local agent (containerd + kubelet) registers this host as a node, unless --disable-agent.
    const agent = cfg.disableAgent ? undefined : await startServerAgent(flags, cfg, controlPlane.port, log.child('agent'), ctx.env.PATH);
    log.info('k3ts server is ready', { ms: Math.round(performance.now() - started) });
    const notifyError = await notifyReady({ env: ctx.env, pid: process.pid }, 'k3ts server is ready');
    if (notifyError) log.warn('could not tell systemd the server is ready', { error: notifyError });
    await untilAborted(ctx.signal);
    log.info('shutting down', { signal: String(ctx.signal.reason) });
    await agent?.stop();
    await scheduler?.stop();
    await deployer.stop();
    await controllerManager.stop();
    stopTokens.abort();
    stopMetrics.abort();
    await tokenControllers.done;
    await supervisor.close();
    await controlPlane.stop();
    policyCaches.abort();
  } finally {
    await backend.close();
  }
  log.info('stopped');
}
