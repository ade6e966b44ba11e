// The addon deployer as `k3ts server` runs it: write the packaged manifests, then keep the
// manifests directory applied through this server's own API as the supervisor (system:masters,
// as K3s's deploy controller writes with its supervisor identity: manifests may hold any kind).
// Every server runs it on its own directory; server-side apply with one field manager makes the
// servers' writes of the same file idempotent.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { systemClock, type Clock } from '../client/clock';
import { RestClient } from '../client/rest-client';
import { HttpsTransport } from '../client/transport';
import type { Logger } from '../log/logger';
import { addonEvents } from './addon-events';
import { runAddonDeployer } from './addon-deployer';
import { kindResolver } from './kind-resolver';
import { packagedManifestSource, stagePackagedManifests, type ManifestSource, type PackagedManifestsConfig } from './packaged-manifests';

export interface DeployerConfig extends PackagedManifestsConfig {
  /** <data-dir>/server/manifests. */
  readonly manifestsDir: string;
  /** server/tls: server-ca.crt and client-supervisor.crt/.key are read from here. */
  readonly tlsDir: string;
  /** Where this server's API answers locally (`https://127.0.0.1:6443`). */
  readonly apiServer: string;
  /** Event source host (the node name). */
  readonly host: string;
  readonly pollMs?: number;
}

export interface RunningDeployer {
  stop(): Promise<void>;
}

/** The deployer's settings from `k3ts server` flags. */
export function deployerConfigFromFlags(
  f: { readonly clusterDns: string; readonly clusterDomain: string; readonly clusterDnsProvider?: string; readonly disable: readonly string[]; readonly defaultLocalStoragePath?: string },
  where: { readonly manifestsDir: string; readonly storageDir: string; readonly tlsDir: string; readonly apiServer: string; readonly host: string },
): DeployerConfig {
  const disabled = new Set(f.disable.flatMap((d) => d.split(',')).map((d) => d.trim()).filter(Boolean));
  return Object.freeze({
    ...where,
    clusterDns: f.clusterDns,
    clusterDomain: f.clusterDomain,
    clusterDnsProvider: f.clusterDnsProvider === 'coredns' ? 'coredns' : 'builtin',
    defaultLocalStoragePath: f.defaultLocalStoragePath || where.storageDir,
    systemDefaultRegistry: '',
    disabled,
  });
}

export async function startAddonDeployer(cfg: DeployerConfig, log: Logger, opts: { clock?: Clock; source?: ManifestSource } = {}): Promise<RunningDeployer> {
  const clock = opts.clock ?? systemClock;
  const staged = stagePackagedManifests(cfg.manifestsDir, cfg, opts.source ?? packagedManifestSource());
  log.info('wrote packaged manifests', { dir: cfg.manifestsDir, written: staged.written.map((f) => path.basename(f)).join(',') || 'none', removed: staged.removed.map((f) => path.basename(f)).join(',') || 'none' });
  const read = (f: string) => fs.readFileSync(path.join(cfg.tlsDir, f), 'utf8');
  const client = new RestClient({
    transport: new HttpsTransport({ server: cfg.apiServer, caPem: read('server-ca.crt'), certPem: read('client-supervisor.crt'), keyPem: read('client-supervisor.key') }),
    userAgent: 'k3ts-deploy',
  });
  const abort = new AbortController();
  const deps = { client, resolve: kindResolver(client), events: addonEvents({ client, clock, log, host: cfg.host }), log, clock };
  const running = runAddonDeployer({ manifestsDir: cfg.manifestsDir, undeploy: staged.undeploy, pollMs: cfg.pollMs }, deps, abort.signal).catch((e: unknown) => log.error('addon deployer stopped', { error: (e as Error).message }));
  return {
    async stop() {
      abort.abort();
      await running;
      client.close();
    },
  };
}
