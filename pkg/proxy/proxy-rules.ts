// The iptables-restore input of one full sync (kube-proxy iptables-mode layout under K3TS-* names):
// nat: K3TS-SERVICES (from PREROUTING and OUTPUT) → K3TS-SVC-<hash> → random pick of K3TS-SEP-<hash>
// → DNAT; K3TS-NODEPORTS for local destinations; K3TS-MARK-MASQ marks, K3TS-POSTROUTING masquerades
// marked packets. filter: K3TS-SERVICES rejects Services with no ready endpoint, K3TS-FORWARD
// accepts marked/established traffic. Applied with --noflush: only K3TS-* chains are rewritten and
// K3TS-* chains no longer needed are deleted.
import { createHash } from 'node:crypto';
import type { ProxyEndpoint, ProxyServicePort } from './proxy-model';

export const MASQ_MARK = '0x4000/0x4000';
export const CHAIN_PREFIX = 'K3TS-';

/** Jumps from built-in chains into ours: [table, built-in chain, our chain, comment]. */
export const JUMPS: readonly (readonly [string, string, string, string])[] = Object.freeze([
  ['nat', 'PREROUTING', 'K3TS-SERVICES', 'k3ts service portals'],
  ['nat', 'OUTPUT', 'K3TS-SERVICES', 'k3ts service portals'],
  ['nat', 'POSTROUTING', 'K3TS-POSTROUTING', 'k3ts postrouting rules'],
  ['filter', 'INPUT', 'K3TS-SERVICES', 'k3ts services without endpoints'],
  ['filter', 'FORWARD', 'K3TS-SERVICES', 'k3ts services without endpoints'],
  ['filter', 'OUTPUT', 'K3TS-SERVICES', 'k3ts services without endpoints'],
  ['filter', 'FORWARD', 'K3TS-FORWARD', 'k3ts forwarding rules'],
]);

export interface RulesInput {
  readonly ports: readonly ProxyServicePort[];
  /** The pod network (--cluster-cidr): traffic to a ClusterIP from outside it is masqueraded. */
  readonly clusterCidr: string;
  /** Existing chains per table (from iptables-save), to delete our stale ones. */
  readonly existing: { readonly nat: readonly string[]; readonly filter: readonly string[] };
  /**
   * The per-chain rules of the last applied sync: K3TS-SVC/SVL/XLB/SEP chains whose rules are unchanged
   * (and still exist) are left out of the input, so the kernel keeps them as they are.
   */
  readonly previous?: ReadonlyMap<string, string>;
}

export interface RuleSet {
  /** The iptables-restore --noflush input. */
  readonly text: string;
  /** Rules of every K3TS-SVC/SVL/XLB/SEP chain of this sync (pass as `previous` next time once applied). */
  readonly chainRules: ReadonlyMap<string, string>;
  /** How many of those chains were left out as unchanged. */
  readonly unchanged: number;
}

function hash(kind: string, text: string): string {
  const h = createHash('sha256').update(text).digest('base64').replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  return `${CHAIN_PREFIX}${kind}-${h.slice(0, 16)}`;
}

export const svcChain = (id: string, proto: string) => hash('SVC', `${id}/${proto}`);
export const sepChain = (id: string, proto: string, ip: string, port: number) => hash('SEP', `${id}/${proto}/${ip}:${port}`);
export const svlChain = (id: string, proto: string) => hash('SVL', `${id}/${proto}`);
export const xlbChain = (id: string, proto: string) => hash('XLB', `${id}/${proto}`);

/** Chain names in an iptables-save dump (`:NAME POLICY [..]` lines) of one table. */
export function chainsOf(save: string, table: string): string[] {
  const out: string[] = [];
  let inTable = false;
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) inTable = line.slice(1).trim() === table;
    else if (inTable && line.startsWith(':')) out.push(line.slice(1).split(' ')[0]!);
  }
  return out;
}

const q = (s: string) => `"${s.replace(/"/g, '')}"`;

export function buildRules(i: RulesInput): string {
  return buildRuleSet(i).text;
}

export function buildRuleSet(i: RulesInput): RuleSet {
  const perChain = new Map<string, string[]>();
  const add = (chain: string, line: string) => {
    const list = perChain.get(chain);
    if (list) list.push(line);
    else perChain.set(chain, [line]);
  };
  const natChains = ['K3TS-SERVICES', 'K3TS-NODEPORTS', 'K3TS-POSTROUTING', 'K3TS-MARK-MASQ'];
  const nat: string[] = [
    `-A K3TS-POSTROUTING -m mark ! --mark ${MASQ_MARK} -j RETURN`,
    `-A K3TS-POSTROUTING -j MARK --xor-mark 0x4000`,
    `-A K3TS-POSTROUTING -m comment --comment "k3ts service traffic requiring SNAT" -j MASQUERADE`,
    `-A K3TS-MARK-MASQ -j MARK --or-mark 0x4000`,
  ];
  const nodePorts: string[] = [];
  const filterChains = ['K3TS-SERVICES', 'K3TS-FORWARD'];
  const filter: string[] = [
    `-A K3TS-SERVICES ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    `-A K3TS-FORWARD -m conntrack --ctstate INVALID -j DROP`,
    `-A K3TS-FORWARD -m mark --mark ${MASQ_MARK} -j ACCEPT`,
    `-A K3TS-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  ];
  const sorted = [...i.ports].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.protocol < b.protocol ? -1 : 1));
  for (const sp of sorted) {
    const p = `-p ${sp.protocol} -m ${sp.protocol}`;
    const c = q(sp.id);
    if (!sp.endpoints.length) {
      for (const ip of [...sp.clusterIPs, ...sp.externalIPs]) filter.push(`-A K3TS-SERVICES -d ${ip}/32 ${p} --dport ${sp.port} -m comment --comment ${q(`${sp.id} has no endpoints`)} -j REJECT --reject-with icmp-port-unreachable`);
      if (sp.nodePort) filter.push(`-A K3TS-SERVICES -m addrtype --dst-type LOCAL ${p} --dport ${sp.nodePort} -m comment --comment ${q(`${sp.id} has no endpoints`)} -j REJECT --reject-with icmp-port-unreachable`);
      continue;
    }
    const svc = svcChain(sp.id, sp.protocol);
    const local = sp.endpoints.filter((e) => e.local);
    // kube-proxy's KUBE-SVL: the local endpoints only, for the Local traffic policies.
    const svl = (sp.internalLocal || sp.externalLocal) && local.length ? svlChain(sp.id, sp.protocol) : undefined;
    const xlb = sp.externalLocal ? xlbChain(sp.id, sp.protocol) : undefined;
    const noLocal = (what: string) => q(`${sp.id} has no local endpoints (${what})`);
    for (const ip of sp.clusterIPs) {
      if (sp.internalLocal && !svl) {
        filter.push(`-A K3TS-SERVICES -d ${ip}/32 ${p} --dport ${sp.port} -m comment --comment ${noLocal('internalTrafficPolicy Local')} -j DROP`);
        continue;
      }
      nat.push(`-A K3TS-SERVICES -d ${ip}/32 ${p} --dport ${sp.port} ! -s ${i.clusterCidr} -m comment --comment ${c} -j K3TS-MARK-MASQ`);
      nat.push(`-A K3TS-SERVICES -d ${ip}/32 ${p} --dport ${sp.port} -m comment --comment ${c} -j ${sp.internalLocal ? svl : svc}`);
    }
    for (const ip of sp.externalIPs) {
      if (!xlb) nat.push(`-A K3TS-SERVICES -d ${ip}/32 ${p} --dport ${sp.port} -m comment --comment ${q(`${sp.id} external IP`)} -j K3TS-MARK-MASQ`);
      nat.push(`-A K3TS-SERVICES -d ${ip}/32 ${p} --dport ${sp.port} -m comment --comment ${q(`${sp.id} external IP`)} -j ${xlb ?? svc}`);
      if (xlb && !svl) filter.push(`-A K3TS-SERVICES -d ${ip}/32 ${p} --dport ${sp.port} -m comment --comment ${noLocal('externalTrafficPolicy Local')} -j DROP`);
    }
    if (sp.nodePort) {
      if (!xlb) nodePorts.push(`-A K3TS-NODEPORTS ${p} --dport ${sp.nodePort} -m comment --comment ${c} -j K3TS-MARK-MASQ`);
      nodePorts.push(`-A K3TS-NODEPORTS ${p} --dport ${sp.nodePort} -m comment --comment ${c} -j ${xlb ?? svc}`);
      if (xlb && !svl) filter.push(`-A K3TS-SERVICES -m addrtype --dst-type LOCAL ${p} --dport ${sp.nodePort} -m comment --comment ${noLocal('externalTrafficPolicy Local')} -j DROP`);
    }
    const sepOf = (e: ProxyEndpoint) => ({ ...e, chain: sepChain(sp.id, sp.protocol, e.ip, e.port) });
    const spread = (chain: string, eps: readonly ProxyEndpoint[]) => {
      const seps = eps.map(sepOf);
      perChain.set(chain, []);
      if (sp.affinitySeconds) {
        for (const e of seps) add(chain, `-A ${chain} -m recent --name ${e.chain} --mask 255.255.255.255 --rsource --rcheck --seconds ${sp.affinitySeconds} --reap -j ${e.chain}`);
      }
      seps.forEach((e, n) => {
        const left = seps.length - n;
        add(chain, left > 1 ? `-A ${chain} -m statistic --mode random --probability ${(1 / left).toFixed(10)} -j ${e.chain}` : `-A ${chain} -j ${e.chain}`);
      });
    };
    spread(svc, sp.endpoints);
    if (svl) spread(svl, local);
    if (xlb) {
      // Pods and the node itself reach the Service cluster-wide; other sources only local endpoints, unmasqueraded.
      perChain.set(xlb, []);
      add(xlb, `-A ${xlb} -s ${i.clusterCidr} -m comment --comment "pod traffic for external destinations" -j ${svc}`);
      add(xlb, `-A ${xlb} -m addrtype --src-type LOCAL -m comment --comment "masquerade local traffic" -j K3TS-MARK-MASQ`);
      add(xlb, `-A ${xlb} -m addrtype --src-type LOCAL -m comment --comment "route local traffic" -j ${svc}`);
      if (svl) add(xlb, `-A ${xlb} -j ${svl}`);
    }
    for (const e of sp.endpoints.map(sepOf)) {
      add(e.chain, `-A ${e.chain} -s ${e.ip}/32 -j K3TS-MARK-MASQ`);
      add(e.chain, `-A ${e.chain} ${p}${sp.affinitySeconds ? ` -m recent --name ${e.chain} --mask 255.255.255.255 --rsource --set` : ''} -j DNAT --to-destination ${e.ip}:${e.port}`);
    }
  }
  // Node ports last, for local destinations only (kube-proxy's addrtype LOCAL jump).
  nat.push(`-A K3TS-SERVICES -m addrtype --dst-type LOCAL -j K3TS-NODEPORTS`);
  nat.push(...nodePorts);
  const existingNat = new Set(i.existing.nat);
  const chainRules = new Map<string, string>();
  let unchanged = 0;
  for (const [chain, lines] of perChain) {
    const text = lines.join('\n');
    chainRules.set(chain, text);
    if (i.previous?.get(chain) === text && existingNat.has(chain)) {
      unchanged++;
      continue;
    }
    natChains.push(chain);
    nat.push(...lines);
  }
  const stale = (existing: readonly string[], keep: ReadonlySet<string>) => existing.filter((ch) => ch.startsWith(CHAIN_PREFIX) && !keep.has(ch));
  const natStale = stale(i.existing.nat, new Set([...natChains, ...chainRules.keys()]));
  const filterStale = stale(i.existing.filter, new Set(filterChains));
  const text = [
    '*filter',
    ...[...filterChains, ...filterStale].map((ch) => `:${ch} - [0:0]`),
    ...filter,
    ...filterStale.map((ch) => `-X ${ch}`),
    'COMMIT',
    '*nat',
    ...[...natChains, ...natStale].map((ch) => `:${ch} - [0:0]`),
    ...nat,
    ...natStale.map((ch) => `-X ${ch}`),
    'COMMIT',
    '',
  ].join('\n');
  return { text, chainRules, unchanged };
}

/**
 * The iptables-restore input that removes every K3TS-* chain and every jump into one (for
 * k3ts-killall), from an iptables-save dump of all tables. Undefined when there is nothing.
 */
export function cleanupRules(save: string): string | undefined {
  const out: string[] = [];
  let table = '';
  let body: string[] = [];
  const flush = () => {
    if (table && body.length) out.push(`*${table}`, ...body, 'COMMIT');
    body = [];
  };
  const chains: string[] = [];
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) {
      flush();
      table = line.slice(1).trim();
      chains.length = 0;
    } else if (line.startsWith(':') && line.slice(1).startsWith(CHAIN_PREFIX)) {
      chains.push(line.slice(1).split(' ')[0]!);
    } else if (line.startsWith('-A ')) {
      const chain = line.split(' ')[1]!;
      const jump = / -j (\S+)/.exec(line)?.[1] ?? '';
      if (!chain.startsWith(CHAIN_PREFIX) && jump.startsWith(CHAIN_PREFIX)) body.push(`-D ${line.slice(3)}`);
    } else if (line === 'COMMIT') {
      for (const ch of chains) body.push(`-F ${ch}`);
      for (const ch of chains) body.push(`-X ${ch}`);
      chains.length = 0;
    }
  }
  flush();
  return out.length ? `${out.join('\n')}\n` : undefined;
}
