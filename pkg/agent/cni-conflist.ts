// The CNI network config the agent writes for containerd: a Linux bridge with host-local IPAM over
// the node's podCIDR, plus portmap for hostPort and bandwidth (pod traffic shaping annotations) when
// that plugin is installed — what flannel's CNI plugin delegates to; Debian ships no flannel plugin.
// The MTU is the pod network's (pkg/flannel: the interface's minus the VXLAN overhead). containerd
// adds the loopback interface itself and reloads the conf dir when the file appears (atomic
// rename, so it never reads half a file).
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CNI_NETWORK_NAME = 'k3ts';
export const CONFLIST_FILE = '10-k3ts.conflist';

export interface CniConflistOptions {
  readonly podCidr: string;
  /** Linux bridge name (default k3ts0). */
  readonly bridge?: string;
  /** host-local's lease directory (kept under the agent's run dir, not /var/lib/cni). */
  readonly ipamDataDir: string;
  readonly mtu?: number;
  /** Add the bandwidth plugin (only when installed: containerd fails every pod on a missing plugin). */
  readonly bandwidth?: boolean;
}

export function renderCniConflist(o: CniConflistOptions): string {
  const conf = {
    cniVersion: '1.0.0',
    name: CNI_NETWORK_NAME,
    plugins: [
      {
        type: 'bridge',
        bridge: o.bridge ?? 'k3ts0',
        isGateway: true,
        // Masquerading is the service proxy's job (own POSTROUTING rules first, notes/runtime.md gotcha 5).
        ipMasq: false,
        hairpinMode: true,
        ...(o.mtu ? { mtu: o.mtu } : {}),
        ipam: { type: 'host-local', ranges: [[{ subnet: o.podCidr }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: o.ipamDataDir },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
      ...(o.bandwidth ? [{ type: 'bandwidth', capabilities: { bandwidth: true } }] : []),
    ],
  };
  return JSON.stringify(conf, null, 2) + '\n';
}

/** Writes the conflist into `confDir` when its content changed; returns true when it wrote. */
export function writeCniConflist(confDir: string, o: CniConflistOptions): boolean {
  const file = path.join(confDir, CONFLIST_FILE);
  const text = renderCniConflist(o);
  try {
    if (fs.readFileSync(file, 'utf8') === text) return false;
  } catch {
    // not written yet
  }
  fs.mkdirSync(confDir, { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o644 });
  fs.renameSync(tmp, file);
  return true;
}
