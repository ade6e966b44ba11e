// Air-gap image import: every tarball in `<data-dir>/agent/images/` (OCI image layout or
// docker-save format; plain, .gz or .zst) is imported into containerd's `k8s.io` namespace at agent
// start, one progress line per image. Import goes through `ctr images import` (shipped with
// containerd): it reads both archive formats, unpacks into the configured snapshotter and emits the
// image events the CRI plugin listens to — the simplest robust choice next to reimplementing the
// content/images/snapshots API calls.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import type { Logger } from '../log/logger';
import { ImageError } from './errors';

export interface CtrImporterConfig {
  /** Path of the `ctr` binary. */
  readonly ctr: string;
  /** containerd's socket. */
  readonly address: string;
  readonly snapshotter: string;
  /** Used to find `zstd` for .zst archives. */
  readonly searchPath: string;
  readonly namespace?: string;
}

export const ARCHIVE_PATTERN = /\.(tar|tar\.gz|tgz|tar\.zst|tzst)$/;

export class CtrImporter {
  constructor(private readonly cfg: CtrImporterConfig) {}

  /** Imports one archive read from `input`; resolves with the image names containerd reported. */
  importStream(input: Readable, label: string): Promise<string[]> {
    const args = ['--address', this.cfg.address, '--namespace', this.cfg.namespace ?? 'k8s.io', 'images', 'import', '--snapshotter', this.cfg.snapshotter, '-'];
    return new Promise((resolve, reject) => {
      const child = spawn(this.cfg.ctr, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: this.cfg.searchPath } });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      input.on('error', (e) => {
        child.kill('SIGKILL');
        reject(new ImageError('import-failed', `reading ${label} failed: ${e.message}`, { cause: e }));
      });
      child.stdin.on('error', () => undefined); // ctr may exit early; its exit code tells why
      input.pipe(child.stdin);
      child.on('error', (e) => reject(new ImageError('import-failed', `running ${this.cfg.ctr} failed: ${e.message}`, { cause: e })));
      child.on('exit', (code) => {
        if (code !== 0) return reject(new ImageError('import-failed', `ctr images import of ${label} failed (exit ${code}): ${out.trim()}`));
        resolve([...out.matchAll(/unpacking (\S+) \(/g)].map((m) => m[1]!));
      });
    });
  }

  importBuffer(data: Buffer, label: string): Promise<string[]> {
    return this.importStream(Readable.from([data]), label);
  }

  /** Opens `file`, decompressing .gz/.zst, and imports it. */
  importFile(file: string): Promise<string[]> {
    const label = path.basename(file);
    if (/\.(tar\.gz|tgz)$/.test(file)) return this.importStream(fs.createReadStream(file).pipe(zlib.createGunzip()), label);
    if (/\.(tar\.zst|tzst)$/.test(file)) {
      const zstd = this.cfg.searchPath.split(':').map((d) => path.join(d, 'zstd')).find((f) => fs.existsSync(f));
      if (!zstd) return Promise.reject(new ImageError('unsupported-format', `${label} is zstd-compressed but no zstd binary is on PATH; install zstd or decompress it to .tar`));
      const child = spawn(zstd, ['-dc', file], { stdio: ['ignore', 'pipe', 'inherit'] });
      return this.importStream(child.stdout, label);
    }
    return this.importStream(fs.createReadStream(file), label);
  }
}

export interface ImportSummary {
  readonly images: readonly string[];
  readonly failed: readonly { readonly file: string; readonly error: string }[];
}

/** Imports every archive in `dir` (sorted by name); a failing archive is logged and skipped. */
export async function importImageDirectory(dir: string, importer: CtrImporter, log: Logger): Promise<ImportSummary> {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => ARCHIVE_PATTERN.test(n)).sort();
  } catch {
    return { images: [], failed: [] };
  }
  const images: string[] = [];
  const failed: { file: string; error: string }[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const t0 = performance.now();
    try {
      const got = await importer.importFile(file);
      images.push(...got);
      log.info('imported images', { file: name, images: got.join(',') || 'none', ms: Math.round(performance.now() - t0) });
    } catch (e) {
      failed.push({ file: name, error: (e as Error).message });
      log.error('image import failed', { file: name, error: (e as Error).message });
    }
  }
  return { images, failed };
}
