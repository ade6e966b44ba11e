// The better-sqlite3 addon object to hand to the sqlite driver (`nativeBinding`). Inside the single
// executable it is dlopen'ed from the extracted assets; from source, better-sqlite3 finds its own
// build in node_modules and this returns undefined.
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from '../log/logger';
import { embeddedAssets } from './asset-source';
import { EmbedError } from './errors';
import { extractAssets } from './extract-assets';

export const SQLITE_ADDON_ASSET = 'better_sqlite3.node';

export function loadAddon(file: string): unknown {
  const mod: { exports: unknown } = { exports: {} };
  try {
    process.dlopen(mod, file, os.constants.dlopen.RTLD_NOW);
  } catch (e) {
    throw new EmbedError('load-failed', `cannot load native addon ${file}: ${(e as Error).message} (is the data dir on a noexec mount?)`);
  }
  return mod.exports;
}

export function nativeSqliteBinding(assetsRoot: string, log: Logger): unknown {
  const source = embeddedAssets();
  if (!source) return undefined;
  const started = performance.now();
  const { dir, extracted } = extractAssets(source, assetsRoot);
  log.info(extracted ? 'extracted embedded assets' : 'using extracted assets', { dir, ms: Math.round(performance.now() - started) });
  return loadAddon(path.join(dir, SQLITE_ADDON_ASSET));
}
