// The addon manifests packaged in the executable (pkg/deploy/manifests, embedded by
// build/assets.mjs as `manifests/<file>`), written to <data-dir>/server/manifests at every server
// start with the cluster's settings substituted, and removed when their addon is disabled.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { embeddedAssets } from '../embed/asset-source';
import { DeployError } from './errors';

/** Names `--disable` accepts (K3s's), whether or not k3ts packages a manifest for them. */
export const DISABLEABLE_ADDONS = Object.freeze(['coredns', 'servicelb', 'traefik', 'local-storage', 'metrics-server'] as const);

export interface PackagedAddon {
  /** The Addon name, and the `--disable` value that removes it. */
  readonly addon: string;
  readonly file: string;
}

/**
 * What k3ts packages. servicelb is a controller of k3ts itself (no manifest), metrics.k8s.io is
 * served by the API server (no metrics-server), and K3s's rolebindings.yaml extras are part of
 * the bootstrap RBAC policy (pkg/auth/rbac/bootstrap-policy.ts).
 */
export const PACKAGED_ADDONS: readonly PackagedAddon[] = Object.freeze([
  { addon: 'coredns', file: 'coredns.yaml' },
  { addon: 'local-storage', file: 'local-storage.yaml' },
  { addon: 'traefik', file: 'traefik.yaml' },
]);

export interface PackagedManifestsConfig {
  /** --cluster-dns, --cluster-domain. */
  readonly clusterDns: string;
  readonly clusterDomain: string;
  /** --default-local-storage-path (default <data-dir>/storage). */
  readonly defaultLocalStoragePath: string;
  /** Registry prefix for packaged images ('' = the image names as written). */
  readonly systemDefaultRegistry: string;
  /** coredns.yaml is written only with `--cluster-dns-provider coredns`. */
  readonly clusterDnsProvider: 'builtin' | 'coredns';
  /** --disable values. */
  readonly disabled: ReadonlySet<string>;
}

/** Reads a packaged manifest by file name. */
export type ManifestSource = (file: string) => string;

/** From the executable's assets, or from the source tree when running under tsx/vitest. */
export function packagedManifestSource(): ManifestSource {
  const assets = embeddedAssets();
  return (file) => {
    try {
      if (assets) return new TextDecoder().decode(assets.read(`manifests/${file}`));
      return fs.readFileSync(path.join(__dirname, 'manifests', file), 'utf8');
    } catch (e) {
      throw new DeployError('missing-asset', `packaged manifest ${file} is missing: ${(e as Error).message}`);
    }
  };
}

/** Whether a packaged addon is deployed under this configuration. */
export function packagedAddonEnabled(addon: string, cfg: Pick<PackagedManifestsConfig, 'clusterDnsProvider' | 'disabled'>): boolean {
  if (cfg.disabled.has(addon)) return false;
  return addon !== 'coredns' || cfg.clusterDnsProvider === 'coredns';
}

/** `%{NAME}%` → value, for the names K3s's packaged manifests use. Unknown names are left as they are. */
export function substituteManifest(text: string, cfg: PackagedManifestsConfig): string {
  const registry = cfg.systemDefaultRegistry ? `${cfg.systemDefaultRegistry.replace(/\/+$/, '')}/` : '';
  const values: Readonly<Record<string, string>> = {
    CLUSTER_DNS: cfg.clusterDns,
    CLUSTER_DOMAIN: cfg.clusterDomain,
    DEFAULT_LOCAL_STORAGE_PATH: cfg.defaultLocalStoragePath,
    SYSTEM_DEFAULT_REGISTRY: registry,
  };
  return text.replace(/%\{([A-Z_]+)\}%/g, (whole, name: string) => values[name] ?? whole);
}

export interface StagedManifests {
  /** Files written (or already up to date), absolute paths. */
  readonly written: readonly string[];
  /** Files removed because their addon is disabled. */
  readonly removed: readonly string[];
  /** Addons whose objects and Addon must go: packaged ones not enabled, plus every --disable value. */
  readonly undeploy: readonly string[];
}

function writeIfChanged(file: string, text: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === text) return;
  } catch {
    // absent: write it
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Writes the enabled packaged manifests into `dir` and removes the disabled ones. */
export function stagePackagedManifests(dir: string, cfg: PackagedManifestsConfig, source: ManifestSource): StagedManifests {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  const removed: string[] = [];
  const undeploy = new Set<string>([...cfg.disabled].filter((d) => (DISABLEABLE_ADDONS as readonly string[]).includes(d)));
  for (const p of PACKAGED_ADDONS) {
    const file = path.join(dir, p.file);
    if (packagedAddonEnabled(p.addon, cfg)) {
      writeIfChanged(file, substituteManifest(source(p.file), cfg));
      written.push(file);
      continue;
    }
    undeploy.add(p.addon);
    if (fs.existsSync(file)) {
      fs.rmSync(file, { force: true });
      removed.push(file);
    }
  }
  return { written, removed, undeploy: [...undeploy] };
}
