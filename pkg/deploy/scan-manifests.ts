// The manifest files under the manifests directory, subdirectories included: `x.yaml` is skipped
// when `x.yaml.skip` sits next to it; hidden files and half-written temporaries are ignored.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addonNameFor, isManifestName } from './manifest-file';

export interface ManifestEntry {
  /** Absolute path (Addon spec.source). */
  readonly file: string;
  /** Path relative to the manifests directory. */
  readonly rel: string;
  /** The Addon name (see addonNameFor). */
  readonly addon: string;
}

export interface ManifestScan {
  readonly entries: readonly ManifestEntry[];
  /** Files left out because a `.skip` file names them, relative paths. */
  readonly skipped: readonly string[];
  /** Files left out because an earlier file (sorted by path) has the same Addon name. */
  readonly duplicates: readonly string[];
}

export function scanManifests(dir: string): ManifestScan {
  const entries: ManifestEntry[] = [];
  const skipped: string[] = [];
  const duplicates: string[] = [];
  const names = new Set<string>();
  const walk = (abs: string, rel: string): void => {
    let dirents: fs.Dirent[];
    try {
      dirents = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    const present = new Set(dirents.map((d) => d.name));
    for (const d of dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const childAbs = path.join(abs, d.name);
      const childRel = rel ? path.join(rel, d.name) : d.name;
      if (d.isDirectory() && !d.name.startsWith('.')) {
        walk(childAbs, childRel);
        continue;
      }
      if (!(d.isFile() || d.isSymbolicLink()) || !isManifestName(d.name)) continue;
      if (present.has(`${d.name}.skip`)) {
        skipped.push(childRel);
        continue;
      }
      const addon = addonNameFor(childRel);
      if (names.has(addon)) {
        duplicates.push(childRel);
        continue;
      }
      names.add(addon);
      entries.push({ file: childAbs, rel: childRel, addon });
    }
  };
  walk(dir, '');
  return { entries, skipped, duplicates };
}
