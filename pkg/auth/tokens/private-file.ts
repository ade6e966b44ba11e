// Writing secrets to disk: temp file created 0600 beside the target, fsync, rename, so a reader
// never sees a torn file and the content is never briefly readable by others.
import { chmod, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../fsutil/write-file-atomic';
import { TokenError } from './errors';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export async function writePrivateFile(path: string, data: string | Buffer, mode = PRIVATE_FILE_MODE): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
    await writeFileAtomic(path, data, mode);
  } catch (e) {
    throw new TokenError('io', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Creates `dir` if missing and makes it private (0700) even if it existed. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    await chmod(dir, PRIVATE_DIR_MODE);
  } catch (e) {
    throw new TokenError('io', `cannot create ${dir}: ${(e as Error).message}`, { cause: e });
  }
}
