// `k3ts check-config`: can this host run k3ts? Reads /proc and /sys and looks for the runtime
// binaries the agent supervises. Every probe reads through an injectable host view so tests can
// describe a machine without being on it.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  readonly group: string;
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

export interface HostView {
  readFile(file: string): string | undefined;
  exists(file: string): boolean;
  /** Directories searched for executables. */
  readonly path: readonly string[];
}

export function realHost(env: Readonly<Record<string, string | undefined>>): HostView {
  return {
    readFile: (f) => {
      try {
        return fs.readFileSync(f, 'utf8');
      } catch {
        return undefined;
      }
    },
    exists: (f) => fs.existsSync(f),
    path: (env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':').filter(Boolean),
  };
}

const CNI_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];
const REQUIRED_CGROUPS = ['cpu', 'cpuacct', 'memory', 'pids', 'devices', 'freezer', 'cpuset'];
const KERNEL_FEATURES: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  // [name, why, /sys/module names or /proc/filesystems entries that prove it]
  ['overlay', 'overlayfs snapshotter', ['/sys/module/overlay', 'fs:overlay']],
  ['bridge', 'pod network bridge', ['/sys/module/bridge']],
  ['br_netfilter', 'iptables sees bridged pod traffic', ['/sys/module/br_netfilter', '/proc/sys/net/bridge/bridge-nf-call-iptables']],
  ['vxlan', 'flannel vxlan backend', ['/sys/module/vxlan']],
  ['veth', 'pod interfaces', ['/sys/module/veth']],
  ['netfilter', 'service proxy (iptables)', ['/proc/net/ip_tables_names', '/sys/module/nf_tables', '/sys/module/ip_tables', '/sys/module/nf_conntrack']],
];

function which(host: HostView, name: string, extra: readonly string[] = []): string | undefined {
  for (const dir of [...host.path, ...extra]) {
    const file = path.join(dir, name);
    if (host.exists(file)) return file;
  }
  return undefined;
}

function cgroupChecks(host: HostView): CheckResult[] {
  const table = host.readFile('/proc/cgroups');
  if (table === undefined) return [{ group: 'cgroups', name: '/proc/cgroups', status: 'fail', detail: 'not readable' }];
  const enabled = new Map<string, boolean>();
  for (const line of table.split('\n')) {
    const [name, , , en] = line.trim().split(/\s+/);
    if (name && !name.startsWith('#')) enabled.set(name, en === '1');
  }
  const v2 = host.readFile('/sys/fs/cgroup/cgroup.controllers');
  const results: CheckResult[] = [
    { group: 'cgroups', name: 'hierarchy', status: 'pass', detail: v2 !== undefined ? 'cgroup v2 (unified)' : 'cgroup v1' },
  ];
  for (const c of REQUIRED_CGROUPS) {
    const on = v2 !== undefined ? v2.split(/\s+/).includes(c) || (c === 'cpuacct' && v2.includes('cpu')) || c === 'devices' || c === 'freezer' : enabled.get(c) === true;
    results.push({ group: 'cgroups', name: c, status: on ? 'pass' : c === 'cpuset' ? 'warn' : 'fail', detail: on ? 'enabled' : 'missing' });
  }
  return results;
}

function kernelChecks(host: HostView): CheckResult[] {
  const filesystems = host.readFile('/proc/filesystems') ?? '';
  return KERNEL_FEATURES.map(([name, why, proofs]) => {
    const found = proofs.find((p) => (p.startsWith('fs:') ? new RegExp(`\\s${p.slice(3)}$`, 'm').test(filesystems) : host.exists(p)));
    return { group: 'kernel', name, status: found ? 'pass' : 'warn', detail: found ? `${why}: present` : `${why}: not detected (module may load on demand)` };
  });
}

function sysctlChecks(host: HostView): CheckResult[] {
  const fwd = host.readFile('/proc/sys/net/ipv4/ip_forward')?.trim();
  return [{ group: 'sysctl', name: 'net.ipv4.ip_forward', status: fwd === '1' ? 'pass' : 'warn', detail: fwd === '1' ? '1' : `${fwd ?? 'unreadable'} (the agent sets it to 1)` }];
}

function binaryChecks(host: HostView): CheckResult[] {
  const bins: ReadonlyArray<readonly [string, string, readonly string[]]> = [
    ['containerd', 'apt-get install containerd', []],
    ['containerd-shim-runc-v2', 'apt-get install containerd', []],
    ['runc', 'apt-get install runc', []],
    ['iptables', 'apt-get install iptables', []],
    ['ip', 'apt-get install iproute2', []],
    ['bridge', 'apt-get install containernetworking-plugins', CNI_DIRS],
    ['host-local', 'apt-get install containernetworking-plugins', CNI_DIRS],
    ['loopback', 'apt-get install containernetworking-plugins', CNI_DIRS],
    ['portmap', 'apt-get install containernetworking-plugins', CNI_DIRS],
  ];
  return bins.map(([name, advice, extra]) => {
    const found = which(host, name, extra);
    return { group: 'binaries', name, status: found ? 'pass' : 'fail', detail: found ?? `not found (${advice})` };
  });
}

export function checkConfig(host: HostView): CheckResult[] {
  const kernel = host.readFile('/proc/sys/kernel/osrelease')?.trim() ?? 'unknown';
  return [
    { group: 'system', name: 'kernel', status: 'pass', detail: kernel },
    ...cgroupChecks(host),
    ...kernelChecks(host),
    ...sysctlChecks(host),
    ...binaryChecks(host),
  ];
}

export function formatCheckResults(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  let group = '';
  for (const r of results) {
    if (r.group !== group) {
      group = r.group;
      lines.push(`${group}:`);
    }
    lines.push(`  ${r.status.toUpperCase().padEnd(4)}  ${r.name.padEnd(26)} ${r.detail}`);
  }
  const fails = results.filter((r) => r.status === 'fail').length;
  const warns = results.filter((r) => r.status === 'warn').length;
  lines.push('', fails === 0 ? `STATUS: pass (${warns} warning${warns === 1 ? '' : 's'})` : `STATUS: ${fails} check${fails === 1 ? '' : 's'} failed`);
  return lines.join('\n') + '\n';
}
