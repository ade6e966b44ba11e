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
import { schedulerArgs, startScheduler } from './start-scheduler';
import { prepareTokenSecurity } from './token-security';
import { untilAborted } from './until-aborted';
import { shareClusterIdentity } from './share-cluster-identity';
import { startServerAgent } from '../agent/server-agent';
import { kubeletProxySubresources, serverTlsCredentials } from '../kubelet/proxy/kubelet-proxy';
import { disruptionSubresources } from '../controllers/disruption';
import { resourcePolicyAdmission } from '../controllers/resource-quota';

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
    const controlPlane = await startControlPlane(cfg, {
      backend: security.backend,
      authenticators: security.authenticators,
      // pods/log and pods/exec are answered by the pod's kubelet through the API server.
      subresources: new Map([...security.subresources, ...kubeletProxySubresources(serverTlsCredentials(cfg.paths.server.tls)), ...disruptionSubresources()]),
      nonResourceHandlers: security.nonResourceHandlers,
      // LimitRange defaults, then ResourceQuota enforcement.
      admission: resourcePolicyAdmission({ backend: security.backend, resources: BUILTIN_MODULES.flat(), signal: policyCaches.signal, log: log.child('admission') }),
      log,
      resources: BUILTIN_MODULES.flat(),
      machinery,
      openapi: (catalog) => createOpenApiProvider(catalog, schemaSource(registry), `v${k.major}.${k.minor}.${k.patch}`),
    });
    const stopTokens = new AbortController();
    const tokenControllers = await security.start(controlPlane, stopTokens.signal);
    // The controller manager talks to this server's API like any client, once it listens.
    const controllerManager = await startControllers(
      { tlsDir: cfg.paths.server.tls, apiServer: cfg.kubeconfigServer.replace(/:\d+$/, `:${controlPlane.port}`), identity: controllerIdentity(cfg.nodeName), clusterCidr: cfg.network?.clusterCidr },
      log.child('controller-manager'),
    );
    const schedulerFlags = schedulerArgs(cfg.scheduler?.args ?? []);
    if (schedulerFlags.unsupported.length > 0) log.warn('ignoring --kube-scheduler-arg values k3ts does not support (only config=<file>)', { args: schedulerFlags.unsupported.join(' ') });
    const scheduler = cfg.scheduler?.disabled
      ? undefined
      : await startScheduler(
          { tlsDir: cfg.paths.server.tls, apiServer: cfg.kubeconfigServer.replace(/:\d+$/, `:${controlPlane.port}`), identity: controllerIdentity(cfg.nodeName), configFile: schedulerFlags.configFile },
          log.child('scheduler'),
        );
    // The local agent (containerd + kubelet) registers this host as a node, unless --disable-agent.
    const agent = cfg.disableAgent ? undefined : await startServerAgent(flags, cfg, controlPlane.port, log.child('agent'));
    log.info('k3ts server is ready', { ms: Math.round(performance.now() - started) });
    await untilAborted(ctx.signal);
    log.info('shutting down', { signal: String(ctx.signal.reason) });
    await agent?.stop();
    await scheduler?.stop();
    await controllerManager.stop();
    stopTokens.abort();
    await tokenControllers.done;
    await controlPlane.stop();
    policyCaches.abort();
  } finally {
    await backend.close();
  }
  log.info('stopped');
}
