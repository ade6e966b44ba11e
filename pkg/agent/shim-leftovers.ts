// What containerd 1.6 leaves outside the agent's own directories when its shims are killed rather
// than stopped: each shim's socket in /run/containerd/s/<sha256(address/namespace/id)> (it ignores
// the state dir for these), and the CNI result cache /var/lib/cni/results/<network>-<id>-<ifname>
// of each sandbox. killall removes them for the shims it kills, so neither grows run after run.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SHIM_SOCKET_DIR = '/run/containerd/s';
export const CNI_RESULT_CACHE = '/var/lib/cni/results';

export interface ShimRef {
  readonly pid: number;
  readonly id: string;
  readonly namespace: string;
  /** containerd's socket the shim was started for. */
  readonly address: string;
}

/** The shim of `cmdline` (NUL-separated), when it is one started for `address`. */
export function parseShimCmdline(pid: number, cmdline: string, address: string): ShimRef | undefined {
  const a = cmdline.split('\0');
  if (!a[0]?.includes('containerd-shim')) return undefined;
  const flag = (f: string) => {
    const i = a.indexOf(f);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const id = flag('-id');
  const namespace = flag('-namespace');
  if (flag('-address') !== address || !id || !namespace) return undefined;
  return { pid, id, namespace, address };
}

export function shimRefs(runDir: string): ShimRef[] {
  const address = path.join(runDir, 'containerd', 'containerd.sock');
  const out: ShimRef[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd: string;
    try {
      cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const ref = parseShimCmdline(Number(name), cmd, address);
    if (ref) out.push(ref);
  }
  return out;
}

export function shimSocketName(ref: Pick<ShimRef, 'address' | 'namespace' | 'id'>): string {
  return createHash('sha256').update(path.join(ref.address, ref.namespace, ref.id)).digest('hex');
}

/** Removes the shims' sockets and their sandboxes' CNI cache entries; returns how many files went. */
export function removeShimLeftovers(refs: readonly ShimRef[], dirs = { socketDir: SHIM_SOCKET_DIR, cniCache: CNI_RESULT_CACHE }): number {
  let removed = 0;
  const rm = (f: string) => {
    try {
      fs.rmSync(f);
      removed++;
    } catch {
      // already gone
    }
  };
  for (const r of refs) rm(path.join(dirs.socketDir, shimSocketName(r)));
  let cached: string[] = [];
  try {
    cached = fs.readdirSync(dirs.cniCache);
  } catch {
    // no cache dir
  }
  const ids = refs.map((r) => `-${r.id}-`);
  for (const f of cached) if (ids.some((id) => f.includes(id))) rm(path.join(dirs.cniCache, f));
  return removed;
}
