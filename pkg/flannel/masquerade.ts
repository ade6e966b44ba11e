// Masquerading and forwarding for the pod network, as flannel does it: nat FLANNEL-POSTRTG (jumped
// to from POSTROUTING) SNATs pod traffic that leaves the cluster CIDR and leaves pod↔pod traffic
// alone; filter FLANNEL-FWD (jumped to from FORWARD) accepts traffic from and to the cluster CIDR.
// Chains are rewritten atomically with iptables-restore --noflush; the jumps are checked and
// inserted first in their built-in chain. Not K3TS-* names: the service proxy owns (and prunes) those.
import type { NetExec } from './net-exec';
import { FlannelError } from './errors';

export const POSTRTG_CHAIN = 'FLANNEL-POSTRTG';
export const FWD_CHAIN = 'FLANNEL-FWD';
/** Packets the service proxy marked for its own masquerade. */
const PROXY_MASQ_MARK = '0x4000/0x4000';

export const FLANNEL_JUMPS: readonly (readonly [table: string, chain: string, target: string, comment: string])[] = [
  ['nat', 'POSTROUTING', POSTRTG_CHAIN, 'flanneld masq'],
  ['filter', 'FORWARD', FWD_CHAIN, 'flanneld forward'],
];

export type IptablesMode = 'nft' | 'legacy';

/** The iptables-restore --noflush input for the node's pod range `podCidr` in cluster `network`. */
export function masqueradeRules(network: string, podCidr: string, ipMasq: boolean): string {
  const nat = ipMasq
    ? [
        `-A ${POSTRTG_CHAIN} -m mark --mark ${PROXY_MASQ_MARK} -m comment --comment "flanneld masq" -j RETURN`,
        `-A ${POSTRTG_CHAIN} -s ${podCidr} -d ${network} -m comment --comment "flanneld masq" -j RETURN`,
        `-A ${POSTRTG_CHAIN} -s ${network} -d ${podCidr} -m comment --comment "flanneld masq" -j RETURN`,
        `-A ${POSTRTG_CHAIN} ! -s ${network} -d ${podCidr} -m comment --comment "flanneld masq" -j RETURN`,
        `-A ${POSTRTG_CHAIN} -s ${network} ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`,
        `-A ${POSTRTG_CHAIN} ! -s ${network} -d ${network} -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`,
      ]
    : [];
  return [
    '*nat',
    `:${POSTRTG_CHAIN} - [0:0]`,
    ...nat,
    'COMMIT',
    '*filter',
    `:${FWD_CHAIN} - [0:0]`,
    `-A ${FWD_CHAIN} -s ${network} -m comment --comment "flanneld forward" -j ACCEPT`,
    `-A ${FWD_CHAIN} -d ${network} -m comment --comment "flanneld forward" -j ACCEPT`,
    'COMMIT',
    '',
  ].join('\n');
}

/** The iptables-restore --noflush input removing flannel's chains and the jumps into them from `save`; undefined when none. */
export function masqueradeCleanup(save: string): string | undefined {
  const ours = new Set([POSTRTG_CHAIN, FWD_CHAIN]);
  const out: string[] = [];
  let table = '';
  let body: string[] = [];
  let chains: string[] = [];
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      body = [];
      chains = [];
    } else if (line.startsWith(':') && ours.has(line.slice(1).split(' ')[0]!)) {
      chains.push(line.slice(1).split(' ')[0]!);
    } else if (line.startsWith('-A ')) {
      const chain = line.split(' ')[1]!;
      const jump = / -j (\S+)/.exec(line)?.[1] ?? '';
      if (!ours.has(chain) && ours.has(jump)) body.push(`-D ${line.slice(3)}`);
    } else if (line === 'COMMIT') {
      for (const c of chains) body.push(`-F ${c}`);
      for (const c of chains) body.push(`-X ${c}`);
      if (body.length) out.push(`*${table}`, ...body, 'COMMIT');
    }
  }
  return out.length ? `${out.join('\n')}\n` : undefined;
}

/** iptables of one backend, run through `exec` (so it works inside another network namespace). */
export class FlannelIptables {
  constructor(
    private readonly exec: NetExec,
    readonly mode: IptablesMode,
  ) {}

  async apply(network: string, podCidr: string, ipMasq: boolean): Promise<void> {
    const bin = `iptables-${this.mode}`;
    try {
      await this.exec.run(`${bin}-restore`, ['-w', '--noflush'], masqueradeRules(network, podCidr, ipMasq));
      for (const [table, chain, target, comment] of FLANNEL_JUMPS) {
        const rule = ['-m', 'comment', '--comment', comment, '-j', target];
        const exists = await this.exec.run(bin, ['-w', '-t', table, '-C', chain, ...rule]).then(
          () => true,
          () => false,
        );
        if (!exists) await this.exec.run(bin, ['-w', '-t', table, '-I', chain, '1', ...rule]);
      }
    } catch (e) {
      throw new FlannelError('iptables', `could not apply the pod network's iptables rules (${this.mode}): ${(e as Error).message}`, { cause: e });
    }
  }

  /** Removes the chains and jumps; the number of restore lines applied (0 when there was nothing). */
  async remove(): Promise<number> {
    let save: string;
    try {
      save = await this.exec.run(`iptables-${this.mode}-save`, []);
    } catch {
      return 0; // this backend is not installed
    }
    const input = masqueradeCleanup(save);
    if (!input) return 0;
    await this.exec.run(`iptables-${this.mode}-restore`, ['-w', '--noflush'], input);
    return input.split('\n').filter((l) => l.startsWith('-D ') || l.startsWith('-X ')).length;
  }
}
