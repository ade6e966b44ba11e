// Small file helpers: atomic writes with an exact mode, and reads that return undefined for a
// missing file. Every failure is rethrown as CertError('io') naming the path.
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic as replaceFile } from '../../fsutil/write-file-atomic';
import { CertError } from '../errors';

function ioError(action: string, path: string, e: unknown): CertError {
  const reason = e instanceof Error ? e.message : String(e);
  return new CertError('io', `cannot ${action} ${path}: ${reason}`, { cause: e });
}

/** Creates `dir` and missing parents (0755) without touching the mode of existing ones. */
export async function makeDirs(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (e) {
    throw ioError('create directory', dir, e);
  }
}

/** Creates `dir` (and parents) and sets `dir` itself to `mode` even when it already existed. */
export async function ensureDir(dir: string, mode: number): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode });
    await chmod(dir, mode);
  } catch (e) {
    throw ioError('create directory', dir, e);
  }
}

/** Atomic replace (see pkg/fsutil/write-file-atomic.ts) with this package's error codes. */
export async function writeFileAtomic(path: string, data: string | Buffer, mode: number): Promise<void> {
  try {
    await replaceFile(path, data, mode);
  } catch (e) {
    throw ioError('write', path, e);
  }
}

export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError('read', path, e);
  }
}
