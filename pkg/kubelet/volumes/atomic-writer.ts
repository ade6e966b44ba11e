// The atomic writer layout upstream's kubelet uses for configMap, secret, downwardAPI and projected
// volumes: the files live in a timestamped directory `..<time>.<random>`, `..data` is a symlink to
// it, and each top-level name the user sees is a symlink through `..data`. An update writes a new
// timestamped directory and renames a fresh `..data_tmp` symlink over `..data`, so a reader in the
// container sees either the whole old payload or the whole new one, never a mix.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubeletError } from '../errors';

export interface FileProjection {
  readonly data: string | Buffer;
  readonly mode: number;
}

export type Payload = ReadonlyMap<string, FileProjection>;

const DATA_DIR = '..data';
const DATA_TMP = '..data_tmp';

/** Checks a projected path: relative, no `..` element, not starting with `..`. */
export function validatePayloadPath(p: string): void {
  if (!p || path.isAbsolute(p) || p.split('/').includes('..') || p.startsWith('..')) {
    throw new KubeletError('invalid-pod', `volume item path "${p}" must be relative, must not contain ".." and must not start with ".."`, { reason: 'CreateContainerConfigError' });
  }
}

function timestampName(nowMs: number): string {
  const d = new Date(nowMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `..${d.getUTCFullYear()}_${two(d.getUTCMonth() + 1)}_${two(d.getUTCDate())}_${two(d.getUTCHours())}_${two(d.getUTCMinutes())}_${two(d.getUTCSeconds())}.`;
}

function samePayload(tsDir: string, payload: Payload): boolean {
  const seen = new Set<string>();
  const walk = (rel: string): boolean => {
    for (const e of fs.readdirSync(path.join(tsDir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!walk(r)) return false;
        continue;
      }
      const want = payload.get(r);
      if (!want) return false;
      const file = path.join(tsDir, r);
      if ((fs.statSync(file).mode & 0o7777) !== want.mode) return false;
      const have = fs.readFileSync(file);
      if (!have.equals(Buffer.isBuffer(want.data) ? want.data : Buffer.from(want.data))) return false;
      seen.add(r);
    }
    return true;
  };
  try {
    return walk('') && seen.size === payload.size;
  } catch {
    return false;
  }
}

function currentTsDir(dir: string): string | undefined {
  try {
    return fs.readlinkSync(path.join(dir, DATA_DIR));
  } catch {
    return undefined;
  }
}

/**
 * Makes `dir` hold exactly `payload` in the atomic writer layout. Returns false (and touches
 * nothing) when the payload is already there.
 */
export function writePayloadAtomically(dir: string, payload: Payload, nowMs: number): boolean {
  for (const p of payload.keys()) validatePayloadPath(p);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const old = currentTsDir(dir);
  if (old && samePayload(path.join(dir, old), payload)) return false;
  // A directory written by the old flat layout (plain files) is converted in place.

  const tsDir = fs.mkdtempSync(path.join(dir, timestampName(nowMs)));
  fs.chmodSync(tsDir, 0o755);
  for (const [rel, f] of payload) {
    const file = path.join(tsDir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    fs.writeFileSync(file, f.data);
    fs.chmodSync(file, f.mode);
  }
  const tmp = path.join(dir, DATA_TMP);
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(path.basename(tsDir), tmp);
  fs.renameSync(tmp, path.join(dir, DATA_DIR));

  const top = new Set([...payload.keys()].map((p) => p.split('/')[0]!));
  for (const name of top) {
    const link = path.join(dir, name);
    let ok = false;
    try {
      ok = fs.lstatSync(link).isSymbolicLink() && fs.readlinkSync(link) === path.join(DATA_DIR, name);
    } catch {
      // absent
    }
    if (ok) continue;
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(path.join(DATA_DIR, name), link);
  }
  // Names no longer projected, the previous timestamped directory and any left by a crash.
  for (const name of fs.readdirSync(dir)) {
    if (name === DATA_DIR || name === path.basename(tsDir) || top.has(name)) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  return true;
}
