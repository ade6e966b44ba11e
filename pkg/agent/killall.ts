// The full stop of an agent's runtime (what `k3ts-killall.sh` does for K3s), for uninstall and for
// tests: every process under the agent's containerd shims, the shims, containerd, the mounts and
// network namespaces under the agent's directories, the CNI bridge, the pods' cgroups and the run
// dir. Only things the agent made are touched: processes are found by the agent's own socket path.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cgroups } from '../containerd/cgroups';
import { cleanupPodNetworkSync } from '../flannel/cleanup';
import { cleanupRules } from '../proxy/proxy-rules';
import { cleanNetworkPolicyRules } from '../netpol/cleanup';
import { removeShimLeftovers, shimRefs } from './shim-leftovers';

/** rmdir a cgroup directory and its sub-groups, deepest first; groups still holding processes stay. */
function removeEmptyCgroupTree(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeEmptyCgroupTree(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // busy or already gone
  }
}

export interface KillallTarget {
  /** The agent's run dir (containerd state and socket, runc state, CNI leases). */
  readonly runDir: string;
  /** Directories whose mounts are removed (containerd root, kubelet dir…). */
  readonly mountRoots: readonly string[];
  readonly cgroupRoot: string;
  /** CNI bridge to delete. */
  readonly bridge?: string;
  /** CNI network name whose portmap rules are removed (default k3ts). */
  readonly network?: string;
  /**
   * false when the agent ran in a network namespace of its own (the multi-node test harness): its
   * iptables rules and bridge go with that namespace, and the caller's namespace must not be touched.
   */
  readonly sameNetworkNamespace?: boolean;
}

export interface KillallReport {
  readonly killed: number;
  readonly unmounted: number;
  readonly cgroupsLeft: boolean;
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Pids of the agent's shims and containerd plus all their descendants. */
export function agentProcesses(runDir: string): number[] {
  const socket = path.join(runDir, 'containerd', 'containerd.sock');
  const pids = allPids();
  const roots = new Set(pids.filter((p) => {
    const c = cmdline(p);
    return c.includes('containerd-shim') && c.includes(socket);
  }));
  const pidFile = path.join(runDir, 'containerd', 'containerd.pid');
  try {
    const cd = Number(fs.readFileSync(pidFile, 'utf8').trim());
    if (cd > 0 && cmdline(cd).includes('containerd')) roots.add(cd);
  } catch {
    // no pid file
  }
  const out = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of pids) {
      if (out.has(p)) continue;
      const parent = parentOf(p);
      if (parent !== undefined && out.has(parent)) {
        out.add(p);
        grew = true;
      }
    }
  }
  return [...out];
}

function mountsUnder(roots: readonly string[]): string[] {
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const mp = line.split(' ')[4]?.replace(/\\040/g, ' ');
    if (mp && roots.some((r) => mp === r || mp.startsWith(`${r}/`))) out.push(mp);
  }
  return out.sort((a, b) => b.length - a.length);
}

const HOSTPORT_CHAINS = ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'];

/**
 * The iptables-restore input that removes the portmap plugin's per-pod chains for CNI network
 * `network` (left behind when pods were killed without StopPodSandbox) and, once no other network
 * uses them, portmap's shared CNI-HOSTPORT-* chains and their jumps. Undefined when there is nothing.
 */
export function portmapCleanup(natSave: string, network: string): string | undefined {
  const rules = natSave.split('\n').filter((l) => l.startsWith('-A '));
  const marker = `name: \\"${network}\\"`;
  const ours = new Set<string>();
  for (const r of rules) {
    if (!r.includes(marker)) continue;
    const jump = / -j (CNI-DN-\S+)/.exec(r)?.[1];
    if (jump) ours.add(jump);
    const chain = r.split(' ')[1]!;
    if (chain.startsWith('CNI-DN-')) ours.add(chain);
  }
  const out: string[] = [];
  const remaining = rules.filter((r) => {
    const chain = r.split(' ')[1]!;
    const jump = / -j (\S+)/.exec(r)?.[1] ?? '';
    if (ours.has(chain)) return false;
    if (ours.has(jump)) {
      out.push(`-D ${r.slice(3)}`);
      return false;
    }
    return true;
  });
  for (const c of ours) out.push(`-F ${c}`, `-X ${c}`);
  const hostportInUse = remaining.some((r) => r.startsWith('-A CNI-HOSTPORT-DNAT '));
  const hostportExists = natSave.includes(':CNI-HOSTPORT-DNAT ');
  if (hostportExists && !hostportInUse) {
    for (const r of remaining) {
      const jump = / -j (\S+)/.exec(r)?.[1] ?? '';
      if (HOSTPORT_CHAINS.includes(jump) && !HOSTPORT_CHAINS.includes(r.split(' ')[1]!)) out.push(`-D ${r.slice(3)}`);
    }
    for (const c of HOSTPORT_CHAINS) if (natSave.includes(`:${c} `)) out.push(`-F ${c}`);
    for (const c of HOSTPORT_CHAINS) if (natSave.includes(`:${c} `)) out.push(`-X ${c}`);
  }
  return out.length ? ['*nat', ...out, 'COMMIT', ''].join('\n') : undefined;
}

function cleanIptables(network: string): void {
  let save: string;
  try {
    save = execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return; // no iptables on this host
  }
  const input = portmapCleanup(save, network);
  if (input) execFileSync('iptables-restore', ['--noflush'], { input, stdio: ['pipe', 'ignore', 'ignore'] });
}

/** Removes the service proxy's K3TS-* chains and the jumps into them, in both iptables backends. */
export function cleanProxyRules(): number {
  let removed = 0;
  for (const mode of ['nft', 'legacy']) {
    let save: string;
    try {
      save = execFileSync(`iptables-${mode}-save`, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      continue; // this backend is not installed
    }
    const input = cleanupRules(save);
    if (!input) continue;
    execFileSync(`iptables-${mode}-restore`, ['--noflush'], { input, stdio: ['pipe', 'ignore', 'pipe'] });
    removed += input.split('\n').filter((l) => l.startsWith('-X ') || l.startsWith('-D ')).length;
  }
  return removed;
}

export function killall(t: KillallTarget): KillallReport {
  const shims = shimRefs(t.runDir);
  const pids = agentProcesses(t.runDir);
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // Give the kernel a moment to reap before unmounting what the processes held.
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && pids.some((p) => fs.existsSync(`/proc/${p}`) && !fs.readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z'))) execFileSync('sleep', ['0.05']);
  removeShimLeftovers(shims);
  const roots = [t.runDir, ...t.mountRoots].map((r) => path.resolve(r));
  let unmounted = 0;
  for (const mp of mountsUnder(roots)) {
    try {
      execFileSync('umount', ['-l', mp], { stdio: 'ignore' });
      unmounted++;
    } catch {
      // already gone
    }
  }
  if (t.sameNetworkNamespace !== false) {
    cleanIptables(t.network ?? 'k3ts');
    cleanProxyRules();
    // The network policy controller's NWPLCY-* chains (both backends).
    cleanNetworkPolicyRules();
    // The pod network: flannel.1, host-gw routes, FLANNEL-* chains in both backends, subnet.env.
    cleanupPodNetworkSync(t.runDir);
  }
  if (t.bridge && t.sameNetworkNamespace !== false) {
    try {
      execFileSync('ip', ['link', 'del', t.bridge], { stdio: 'ignore' });
    } catch {
      // not there
    }
  }
  const cg = new Cgroups();
  const clean = cg.remove(`${t.cgroupRoot}/kubepods`) && cg.remove(`${t.cgroupRoot}/containerd`);
  if (clean) cg.remove(t.cgroupRoot);
  // In hybrid mode runc also mirrors the groups into the unified (v2) hierarchy; empty groups go with rmdir.
  removeEmptyCgroupTree(path.join('/sys/fs/cgroup/unified', t.cgroupRoot));
  fs.rmSync(t.runDir, { recursive: true, force: true });
  return { killed: pids.length, unmounted, cgroupsLeft: !clean };
}
