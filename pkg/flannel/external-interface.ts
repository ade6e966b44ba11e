// The interface and address the pod network uses between nodes (flannel's "external interface"):
// --flannel-iface by name, else the interface holding --node-ip, else the default route's interface.
import { FlannelError } from './errors';
import type { NetExec } from './net-exec';

export interface ExternalInterface {
  readonly name: string;
  readonly address: string;
  readonly mtu: number;
}

interface IpAddrLink {
  ifname?: string;
  mtu?: number;
  addr_info?: { family?: string; local?: string; scope?: string }[];
}

function ipv4Of(l: IpAddrLink): string[] {
  return (l.addr_info ?? []).filter((a) => a.family === 'inet' && a.local && a.scope !== 'host').map((a) => a.local!);
}

/** Picks the interface from `ip -j addr show` output (pure; see findExternalInterface). */
export function pickExternalInterface(links: readonly IpAddrLink[], want: { iface?: string; nodeIp?: string; defaultDev?: string }): ExternalInterface {
  const describe = (l: IpAddrLink, address: string | undefined, why: string): ExternalInterface => {
    if (!address) throw new FlannelError('interface', `interface ${l.ifname} (${why}) has no IPv4 address`);
    return { name: l.ifname ?? '', address, mtu: l.mtu ?? 1500 };
  };
  if (want.iface) {
    const l = links.find((x) => x.ifname === want.iface);
    if (!l) throw new FlannelError('interface', `--flannel-iface ${want.iface}: no such interface (have ${links.map((x) => x.ifname).join(', ')})`);
    const addrs = ipv4Of(l);
    return describe(l, want.nodeIp && addrs.includes(want.nodeIp) ? want.nodeIp : addrs[0], '--flannel-iface');
  }
  if (want.nodeIp) {
    const l = links.find((x) => ipv4Of(x).includes(want.nodeIp!));
    if (!l) throw new FlannelError('interface', `--node-ip ${want.nodeIp} is not an address of any interface; pass --flannel-iface`);
    return describe(l, want.nodeIp, '--node-ip');
  }
  const l = links.find((x) => x.ifname === want.defaultDev);
  if (!l) throw new FlannelError('interface', 'no default route and neither --flannel-iface nor --node-ip: cannot pick the pod network interface');
  return describe(l, ipv4Of(l)[0], 'default route');
}

export async function findExternalInterface(exec: NetExec, want: { iface?: string; nodeIp?: string }): Promise<ExternalInterface> {
  const links = JSON.parse((await exec.run('ip', ['-j', '-4', 'addr', 'show'])) || '[]') as IpAddrLink[];
  let defaultDev: string | undefined;
  if (!want.iface && !want.nodeIp) {
    const routes = JSON.parse((await exec.run('ip', ['-j', '-4', 'route', 'show', 'default'])) || '[]') as { dev?: string }[];
    defaultDev = routes[0]?.dev;
  }
  return pickExternalInterface(links, { ...want, defaultDev });
}
