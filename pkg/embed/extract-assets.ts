// Extract the executable's assets into <data-dir>/data/<bundle-hash>/ once, under a lock, checking
// every file's sha256 against the build's record. Later starts find the `.complete` marker and
// reuse the directory. `current`/`previous` links name the active and prior bundles, as K3s does.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AssetSource } from './asset-source';
import { withDirLock } from './dir-lock';
import { EmbedError } from './errors';

export interface ExtractResult {
  readonly dir: string;
  /** False when an earlier start had already extracted this bundle. */
  readonly extracted: boolean;
}

const MARKER = '.complete';

function writeFileAtomic(file: string, bytes: Uint8Array, mode: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function relink(root: string, name: string, target: string): void {
  const link = path.join(root, name);
  const tmp = `${link}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}

function readLink(file: string): string | undefined {
  try {
    return fs.readlinkSync(file);
  } catch {
    return undefined;
  }
}

export function extractAssets(source: AssetSource, assetsRoot: string): ExtractResult {
  const { hash, assets } = source.bundle;
  const dir = path.join(assetsRoot, hash);
  if (fs.existsSync(path.join(dir, MARKER))) return { dir, extracted: false };
  fs.mkdirSync(assetsRoot, { recursive: true, mode: 0o755 });
  return withDirLock(path.join(assetsRoot, `.${hash}.lock`), () => {
    if (fs.existsSync(path.join(dir, MARKER))) return { dir, extracted: false };
    for (const asset of assets) {
      const bytes = source.read(asset.key);
      const got = crypto.createHash('sha256').update(bytes).digest('hex');
      if (got !== asset.sha256 || bytes.byteLength !== asset.size) {
        throw new EmbedError('hash-mismatch', `embedded asset ${asset.key} is corrupt: sha256 ${got} (${bytes.byteLength} bytes), expected ${asset.sha256} (${asset.size} bytes); reinstall k3ts`);
      }
      writeFileAtomic(path.join(dir, asset.key), bytes, asset.key.endsWith('.node') ? 0o755 : 0o644);
    }
    writeFileAtomic(path.join(dir, MARKER), new TextEncoder().encode(`${new Date().toISOString()}\n`), 0o644);
    const current = readLink(path.join(assetsRoot, 'current'));
    if (current && current !== hash) relink(assetsRoot, 'previous', current);
    relink(assetsRoot, 'current', hash);
    return { dir, extracted: true };
  });
}
