// /run/flannel/subnet.env, the file flannel writes for its CNI plugin and for tools that read the
// node's pod range: FLANNEL_NETWORK (cluster CIDR), FLANNEL_SUBNET (the node's pod range written as
// its first address, the bridge gateway), FLANNEL_MTU, FLANNEL_IPMASQ.
//
// Where: /run/flannel/subnet.env for the default data dir (as K3s); for any other data dir
// `<agent run dir>/flannel/subnet.env`, so several test agents on one host never overwrite each
// other's file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nthAddress, parseCidr } from '../network/cidr';

export const DEFAULT_SUBNET_FILE = '/run/flannel/subnet.env';

export interface SubnetEnv {
  readonly network: string;
  readonly podCidr: string;
  readonly mtu: number;
  readonly ipMasq: boolean;
}

/** The agent run dir of the default data dir (agent-config.ts runDirFor). */
const DEFAULT_RUN_DIR = '/run/k3ts';

export function subnetFileFor(runDir: string): string {
  return path.resolve(runDir) === DEFAULT_RUN_DIR ? DEFAULT_SUBNET_FILE : path.join(runDir, 'flannel', 'subnet.env');
}

export function renderSubnetEnv(e: SubnetEnv): string {
  const c = parseCidr(e.podCidr);
  return [`FLANNEL_NETWORK=${e.network}`, `FLANNEL_SUBNET=${nthAddress(c, 1)}/${c.prefix}`, `FLANNEL_MTU=${e.mtu}`, `FLANNEL_IPMASQ=${e.ipMasq}`, ''].join('\n');
}

export function parseSubnetEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Writes the file atomically when its content changed; true when it wrote. */
export function writeSubnetEnv(file: string, e: SubnetEnv): boolean {
  const text = renderSubnetEnv(e);
  try {
    if (fs.readFileSync(file, 'utf8') === text) return false;
  } catch {
    // not written yet
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, text, { mode: 0o644 });
  fs.renameSync(`${file}.tmp`, file);
  return true;
}
