// Files carried inside the single executable (SEA assets): the better-sqlite3 addon, packaged
// manifests… The build records each asset's sha256 and size, and a bundle hash over all of them,
// because Node 20 cannot list SEA assets at run time.
import * as sea from 'node:sea';

export interface AssetInfo {
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
}

export interface AssetBundle {
  /** sha256 over every asset's key and hash: names the extraction directory data/<hash>/. */
  readonly hash: string;
  readonly assets: readonly AssetInfo[];
}

export interface AssetSource {
  readonly bundle: AssetBundle;
  read(key: string): Uint8Array;
}

declare const __K3TS_ASSETS__: AssetBundle | undefined;

/** The executable's own assets, or undefined when running from source (tsx/vitest). */
export function embeddedAssets(): AssetSource | undefined {
  if (typeof sea.isSea !== 'function' || !sea.isSea() || typeof __K3TS_ASSETS__ !== 'object') return undefined;
  const bundle = __K3TS_ASSETS__;
  return {
    bundle,
    read(key) {
      if (!bundle.assets.some((a) => a.key === key)) throw new Error(`no embedded asset named ${key}`);
      return new Uint8Array(sea.getRawAsset(key) as ArrayBuffer);
    },
  };
}
