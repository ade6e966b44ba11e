// What k3ts-killall removes of the pod network (synchronously, like the rest of killall): the VXLAN
// device (its routes, neighbours and FDB entries go with it), host-gw routes into the cluster CIDR
// recorded in subnet.env, the FLANNEL-* chains and jumps in both iptables backends, and subnet.env.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { cidrContains, parseCidr } from '../network/cidr';
import { masqueradeCleanup } from './masquerade';
import { parseSubnetEnv, subnetFileFor } from './subnet-env';

export interface PodNetworkCleanup {
  readonly device: boolean;
  readonly routes: number;
  readonly rules: number;
}

function tryRun(bin: string, args: readonly string[], input?: string): string | undefined {
  try {
    return execFileSync(bin, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'], timeout: 30_000 });
  } catch {
    return undefined;
  }
}

export function cleanupPodNetworkSync(runDir: string, device = 'flannel.1'): PodNetworkCleanup {
  const file = subnetFileFor(runDir);
  let routes = 0;
  let network: string | undefined;
  try {
    network = parseSubnetEnv(fs.readFileSync(file, 'utf8')).FLANNEL_NETWORK;
  } catch {
    // never written (backend none, or no pod range yet)
  }
  const deviceRemoved = tryRun('ip', ['link', 'show', 'dev', device]) !== undefined && tryRun('ip', ['link', 'del', device]) !== undefined;
  if (network) {
    const cluster = parseCidr(network);
    const list = JSON.parse(tryRun('ip', ['-j', '-4', 'route', 'show']) || '[]') as { dst?: string; gateway?: string }[];
    for (const r of list) {
      if (!r.dst || !r.gateway || !r.dst.includes('/')) continue;
      const [ip, prefix] = r.dst.split('/');
      if (cidrContains(cluster, ip!) && Number(prefix) >= cluster.prefix && tryRun('ip', ['route', 'del', r.dst, 'via', r.gateway]) !== undefined) routes++;
    }
  }
  let rules = 0;
  for (const mode of ['nft', 'legacy']) {
    const save = tryRun(`iptables-${mode}-save`, []);
    const input = save && masqueradeCleanup(save);
    if (input && tryRun(`iptables-${mode}-restore`, ['-w', '--noflush'], input) !== undefined) rules += input.split('\n').filter((l) => l.startsWith('-D ') || l.startsWith('-X ')).length;
  }
  fs.rmSync(file, { force: true });
  return { device: deviceRemoved, routes, rules };
}
