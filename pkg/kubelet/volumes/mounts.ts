// The few mount operations volumes need (tmpfs for emptyDir medium Memory), behind a seam so unit
// tests can record them. The system implementation shells out to mount(8)/umount(8) and reads
// /proc/self/mountinfo.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubeletError } from '../errors';

export interface Mounter {
  /** Mount points at or below `dir`, deepest first. */
  mountsUnder(dir: string): string[];
  /** Whether a file system is mounted at `dir` (cheap: the per-sync check). */
  isMountPoint(dir: string): boolean;
  mountTmpfs(dir: string, sizeBytes: number | undefined): void;
  unmount(dir: string): void;
}

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export const systemMounter: Mounter = Object.freeze({
  mountsUnder(dir: string): string[] {
    const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    const out: string[] = [];
    for (const line of text.split('\n')) {
      const f = line.split(' ')[4];
      if (!f) continue;
      const mp = unescapeMountPath(f);
      if (mp === dir || mp.startsWith(`${dir}/`)) out.push(mp);
    }
    return out.sort((a, b) => b.length - a.length);
  },
  isMountPoint(dir: string): boolean {
    try {
      return fs.statSync(dir).dev !== fs.statSync(path.dirname(dir)).dev;
    } catch {
      return false;
    }
  },
  mountTmpfs(dir: string, sizeBytes: number | undefined): void {
    const opts = ['mode=1777', ...(sizeBytes ? [`size=${sizeBytes}`] : [])].join(',');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new KubeletError('io', `mounting a tmpfs at ${dir} failed: ${(e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message}`, { cause: e, reason: 'CreateContainerConfigError' });
    }
  },
  unmount(dir: string): void {
    try {
      execFileSync('umount', [dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch {
      execFileSync('umount', ['-l', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
  },
});
