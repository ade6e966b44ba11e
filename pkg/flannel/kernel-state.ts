// Reading and changing the kernel state flannel owns, through iproute2: the VXLAN device (created
// with VNI, local address, UDP port and no learning; re-created when those differ), its routes,
// neighbour and FDB entries, and the host-gw routes (pod ranges of the cluster CIDR via a gateway).
import { cidrContains, parseCidr } from '../network/cidr';
import { FlannelError } from './errors';
import type { NetExec } from './net-exec';
import type { CommandPlan, FdbEntry, NeighborEntry, RouteEntry, VxlanState } from './route-plan';

export interface VxlanDeviceSpec {
  readonly name: string;
  readonly vni: number;
  readonly port: number;
  readonly local: string;
  /** The underlying interface. */
  readonly dev: string;
  readonly mtu: number;
  /** The VTEP's own address (the node's pod range .0), as a /32. */
  readonly address: string;
}

interface LinkJson {
  address?: string;
  mtu?: number;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number; learning?: boolean } };
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

async function linkOf(exec: NetExec, name: string): Promise<LinkJson | undefined> {
  try {
    return (JSON.parse(await exec.run('ip', ['-d', '-j', 'addr', 'show', 'dev', name])) as LinkJson[])[0];
  } catch {
    return undefined;
  }
}

/** Creates (or fixes) the VXLAN device and returns its MAC address. */
export async function ensureVxlanDevice(exec: NetExec, s: VxlanDeviceSpec): Promise<string> {
  let link = await linkOf(exec, s.name);
  const d = link?.linkinfo?.info_data;
  if (link && (link.linkinfo?.info_kind !== 'vxlan' || d?.id !== s.vni || d?.local !== s.local || d?.port !== s.port || d?.learning !== false)) {
    await exec.run('ip', ['link', 'del', s.name]);
    link = undefined;
  }
  if (!link) {
    await exec.run('ip', ['link', 'add', s.name, 'type', 'vxlan', 'id', String(s.vni), 'local', s.local, 'dev', s.dev, 'dstport', String(s.port), 'nolearning']);
    link = await linkOf(exec, s.name);
  }
  if (link?.mtu !== s.mtu) await exec.run('ip', ['link', 'set', s.name, 'mtu', String(s.mtu)]);
  const want = s.address.split('/')[0];
  for (const a of link?.addr_info ?? []) if (a.family === 'inet' && a.local !== want) await exec.run('ip', ['addr', 'del', `${a.local}/${a.prefixlen}`, 'dev', s.name]);
  if (!(link?.addr_info ?? []).some((a) => a.family === 'inet' && a.local === want)) await exec.run('ip', ['addr', 'add', `${want}/32`, 'dev', s.name]);
  if (!link?.flags?.includes('UP')) await exec.run('ip', ['link', 'set', s.name, 'up']);
  const mac = (await linkOf(exec, s.name))?.address;
  if (!mac) throw new FlannelError('netlink', `the VXLAN device ${s.name} has no MAC address after creation`);
  return mac;
}

/** Deletes a link if it exists; true when it did. */
export async function deleteLink(exec: NetExec, name: string): Promise<boolean> {
  if (!(await linkOf(exec, name))) return false;
  await exec.run('ip', ['link', 'del', name]);
  return true;
}

const withPrefix = (dst: string) => (dst.includes('/') ? dst : `${dst}/32`);

export async function readVxlanState(exec: NetExec, dev: string): Promise<VxlanState> {
  if (!(await linkOf(exec, dev))) return { routes: [], neighbors: [], fdb: [] };
  const routes = JSON.parse((await exec.run('ip', ['-j', '-4', 'route', 'show', 'dev', dev])) || '[]') as { dst?: string; gateway?: string }[];
  const neigh = JSON.parse((await exec.run('ip', ['-j', '-4', 'neigh', 'show', 'dev', dev])) || '[]') as { dst?: string; lladdr?: string }[];
  const fdb = JSON.parse((await exec.run('bridge', ['-j', 'fdb', 'show', 'dev', dev])) || '[]') as { mac?: string; dst?: string }[];
  return {
    routes: routes.filter((r) => r.dst && r.gateway).map((r): RouteEntry => ({ dst: withPrefix(r.dst!), gateway: r.gateway! })),
    neighbors: neigh.filter((n) => n.dst && n.lladdr).map((n): NeighborEntry => ({ dst: n.dst!, lladdr: n.lladdr!.toLowerCase() })),
    fdb: fdb.filter((f) => f.mac && f.dst && f.mac !== '00:00:00:00:00:00').map((f): FdbEntry => ({ mac: f.mac!.toLowerCase(), dst: f.dst! })),
  };
}

/** Routes into `clusterCidr` via a gateway on any device but `vtep`, except our own pod range: host-gw routes. */
export async function readHostGwRoutes(exec: NetExec, clusterCidr: string, ownPodCidr: string | undefined, vtep: string): Promise<RouteEntry[]> {
  const cluster = parseCidr(clusterCidr);
  const routes = JSON.parse((await exec.run('ip', ['-j', '-4', 'route', 'show'])) || '[]') as { dst?: string; gateway?: string; dev?: string }[];
  return routes
    .filter((r) => r.dst && r.gateway && r.dev !== vtep && r.dst !== 'default' && withPrefix(r.dst) !== ownPodCidr)
    .filter((r) => {
      const [ip, prefix] = withPrefix(r.dst!).split('/');
      return cidrContains(cluster, ip!) && Number(prefix) >= cluster.prefix;
    })
    .map((r) => ({ dst: withPrefix(r.dst!), gateway: r.gateway! }));
}

/** Applies a plan with one `bridge -batch` and one `ip -batch` (-force: keep going past a line that fails). */
export async function applyPlan(exec: NetExec, plan: CommandPlan): Promise<void> {
  if (plan.bridge.length) await exec.run('bridge', ['-force', '-batch', '-'], plan.bridge.join('\n') + '\n');
  if (plan.ip.length) await exec.run('ip', ['-force', '-batch', '-'], plan.ip.join('\n') + '\n');
}
