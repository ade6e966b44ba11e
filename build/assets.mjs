// Files embedded in the executable besides the native addon: key (path inside data/<hash>/) → source.
import * as fs from 'node:fs';
import * as path from 'node:path';

const ASSET_DIRS = [
  // [directory in the repo, prefix inside the executable]
  ['pkg/deploy/manifests', 'manifests'],
];

export function embeddedAssetFiles(root) {
  const files = {};
  for (const [dir, prefix] of ASSET_DIRS) {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) continue;
    for (const name of fs.readdirSync(abs).sort()) {
      if (/\.(ya?ml|json)$/.test(name)) files[`${prefix}/${name}`] = path.join(abs, name);
    }
  }
  return files;
}
