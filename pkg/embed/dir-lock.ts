// A cross-process lock made of an atomically created directory holding the owner's pid.
// A lock whose owner is gone is taken over. (Node has no flock; mkdir is atomic on every fs.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EmbedError } from './errors';

export interface DirLockOptions {
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  readonly isAlive?: (pid: number) => boolean;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(lockDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs `fn` while holding the lock; synchronous because extraction happens before anything else starts. */
export function withDirLock<T>(lockDir: string, fn: () => T, opts: DirLockOptions = {}): T {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const alive = opts.isAlive ?? processAlive;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = ownerOf(lockDir);
      // No pid yet means the owner is between mkdir and writing it: wait, unless that lasts.
      if (owner !== undefined && !alive(owner)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new EmbedError('lock-timeout', `timed out waiting for lock ${lockDir} held by pid ${owner ?? 'unknown'}`);
      sleepSync(opts.pollMs ?? 50);
    }
  }
  try {
    fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
    return fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}
