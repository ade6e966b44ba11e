// The iptables-restore --noflush input of one network policy sync (filter table only, NWPLCY-*
// chains: not K3TS-*, which the service proxy prunes, nor FLANNEL-*):
//   FORWARD (first rule) → NWPLCY-FORWARD, INPUT (first rule) → NWPLCY-INPUT
//   NWPLCY-FORWARD: replies pass; `-s <local pod>` → NWPLCY-E-<pod> (egress), `-d <local pod>` →
//     NWPLCY-I-<pod> (ingress), for the pods of this node some policy isolates.
//   NWPLCY-INPUT: the same egress jumps (a pod talking to its own node: DNS on the node address).
//   NWPLCY-I/E-<pod>: clear the allow mark, jump to NWPLCY-PI/PE-<policy> of every policy selecting
//     the pod, REJECT unless one of them set the mark.
//   NWPLCY-PI/PE-<policy>: per rule and peer (pod IPs, ipBlock with an NWPLCY-EX- chain for its
//     excepts), the mark directly or through NWPLCY-PP-<rule> (the rule's ports).
// Traffic from the node itself to its pods goes through OUTPUT and is never filtered.
import { createHash } from 'node:crypto';
import { labelSelectorMatches } from '../api/validation/labels';
import type { NpPeer, NpPod, NpPolicy, NpPort, NpRule, PolicyWorld } from './policy-model';

export const CHAIN_PREFIX = 'NWPLCY-';
export const FORWARD_CHAIN = 'NWPLCY-FORWARD';
export const INPUT_CHAIN = 'NWPLCY-INPUT';
const INGRESS_MARK = '0x10000';
const EGRESS_MARK = '0x20000';
const ALL_MARKS = '0x30000';
const JUMP_COMMENT = 'k3ts network policy';

/** [built-in chain, our chain] of the filter table; each jump is kept the first rule of its chain. */
export const POLICY_JUMPS: readonly (readonly [string, string])[] = Object.freeze([
  ['FORWARD', FORWARD_CHAIN],
  ['INPUT', INPUT_CHAIN],
]);

/** What the filter table holds now, as far as a sync needs it. */
export interface ExistingRules {
  /** Chain names (only NWPLCY-* ones matter). */
  readonly chains: readonly string[];
  /** The `-A` lines of the built-in chains our jumps live in (FORWARD, INPUT). */
  readonly builtinRules: readonly string[];
}

export interface PolicyRulesInput {
  readonly world: PolicyWorld;
  /** This node: only its pods are guarded (ingress where the destination lives, egress where the source does). */
  readonly nodeName: string;
  readonly existing: ExistingRules;
  /**
   * The per-chain rules of the last applied sync: chains whose rules are unchanged (and still exist)
   * are left out of the input, so the kernel keeps them as they are.
   */
  readonly previous?: ReadonlyMap<string, string>;
}

export interface PolicyRuleSet {
  /** iptables-restore --noflush input. */
  readonly text: string;
  /** Rules and chains of the whole rule set (also those left out as unchanged). */
  readonly rules: number;
  readonly chains: number;
  /** Rules of every NWPLCY chain of this sync (pass as `previous` next time once applied). */
  readonly chainRules: ReadonlyMap<string, string>;
  /** Chains left out as unchanged. */
  readonly unchanged: number;
  /** Nothing to apply: every chain unchanged, the jumps in place, no stale chain. */
  readonly noop: boolean;
  /** Local pods isolated for ingress / egress. */
  readonly isolated: { readonly ingress: number; readonly egress: number };
}

type Dir = 'ingress' | 'egress';

function chainName(kind: string, key: string): string {
  const h = createHash('sha256').update(key).digest('base64').replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  return `${CHAIN_PREFIX}${kind}-${h.slice(0, 16)}`;
}

const q = (s: string) => `"${s.replace(/["\\]/g, '').slice(0, 250)}"`;
const pkey = (p: { namespace: string; name: string }) => `${p.namespace}/${p.name}`;

/** The chains and the FORWARD/INPUT rules of the filter table in an iptables-save dump. */
export function existingRules(save: string): ExistingRules {
  const chains: string[] = [];
  const builtinRules: string[] = [];
  const builtins = new Set(POLICY_JUMPS.map(([b]) => b));
  let inTable = false;
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) inTable = line.slice(1).trim() === 'filter';
    else if (!inTable) continue;
    else if (line.startsWith(':')) chains.push(line.slice(1).split(' ')[0]!);
    else if (line.startsWith('-A ') && builtins.has(line.split(' ')[1]!)) builtinRules.push(line);
  }
  return { chains, builtinRules };
}

/** Pod and namespace selection, memoised per selector (policies often repeat the same selectors). */
class PeerIndex {
  readonly #byNamespace = new Map<string, NpPod[]>();
  readonly #namespaces: readonly { name: string; labels: Readonly<Record<string, string>> }[];
  readonly #podMemo = new Map<string, NpPod[]>();
  readonly #nsMemo = new Map<string, string[]>();
  constructor(world: PolicyWorld) {
    for (const p of world.pods) {
      const list = this.#byNamespace.get(p.namespace);
      if (list) list.push(p);
      else this.#byNamespace.set(p.namespace, [p]);
    }
    const known = new Set(world.namespaces.map((n) => n.name));
    // Pods of a namespace not (yet) in the cache still select by the name label.
    this.#namespaces = [...world.namespaces, ...[...this.#byNamespace.keys()].filter((n) => !known.has(n)).map((name) => ({ name, labels: { 'kubernetes.io/metadata.name': name } }))];
  }

  /** Pods of `namespace` matching `selector`. */
  podsIn(namespace: string, selector: unknown): NpPod[] {
    const key = `${namespace}\n${JSON.stringify(selector)}`;
    let out = this.#podMemo.get(key);
    if (!out) this.#podMemo.set(key, (out = (this.#byNamespace.get(namespace) ?? []).filter((p) => labelSelectorMatches(selector, p.labels))));
    return out;
  }

  namespacesMatching(selector: unknown): string[] {
    const key = JSON.stringify(selector);
    let out = this.#nsMemo.get(key);
    if (!out) this.#nsMemo.set(key, (out = this.#namespaces.filter((n) => labelSelectorMatches(selector, n.labels)).map((n) => n.name)));
    return out;
  }

  selected(policy: NpPolicy): NpPod[] {
    return this.podsIn(policy.namespace, policy.podSelector);
  }

  /** The pods a podSelector / namespaceSelector peer names (upstream: both together = an AND). */
  peerPods(policy: NpPolicy, peer: NpPeer): NpPod[] {
    if (peer.namespaceSelector !== undefined) return this.namespacesMatching(peer.namespaceSelector).flatMap((ns) => this.podsIn(ns, peer.podSelector ?? {}));
    if (peer.podSelector !== undefined) return this.podsIn(policy.namespace, peer.podSelector);
    return [];
  }
}

export function buildPolicyRules(i: PolicyRulesInput): PolicyRuleSet {
  const { world, nodeName } = i;
  const index = new PeerIndex(world);
  const chains = new Map<string, string[]>();
  const chain = (name: string): string[] => {
    let c = chains.get(name);
    if (!c) chains.set(name, (c = []));
    return c;
  };
  const fwd = chain(FORWARD_CHAIN);
  const input = chain(INPUT_CHAIN);
  const established = (c: string) => `-A ${c} -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies to allowed connections" -j RETURN`;
  fwd.push(established(FORWARD_CHAIN));
  input.push(established(INPUT_CHAIN));

  // Which policies select each local pod, per direction.
  const byPod = { ingress: new Map<string, { pod: NpPod; policies: NpPolicy[] }>(), egress: new Map<string, { pod: NpPod; policies: NpPolicy[] }>() };
  const policies = [...world.policies].sort((a, b) => (pkey(a) < pkey(b) ? -1 : 1));
  const selectedBy = new Map<NpPolicy, NpPod[]>();
  for (const pol of policies) {
    const sel = index.selected(pol);
    selectedBy.set(pol, sel);
    for (const pod of sel) {
      if (pod.node !== nodeName) continue;
      for (const dir of ['ingress', 'egress'] as const) {
        if (!pol[dir]) continue;
        const m = byPod[dir];
        const e = m.get(pkey(pod)) ?? { pod, policies: [] };
        e.policies.push(pol);
        m.set(pkey(pod), e);
      }
    }
  }

  const policyChains = new Map<string, string>();
  const policyChain = (pol: NpPolicy, dir: Dir): string => {
    const key = `${dir}/${pkey(pol)}`;
    const known = policyChains.get(key);
    if (known) return known;
    const name = chainName(dir === 'ingress' ? 'PI' : 'PE', key);
    policyChains.set(key, name);
    const lines = chain(name);
    const mark = dir === 'ingress' ? INGRESS_MARK : EGRESS_MARK;
    const peerFlag = dir === 'ingress' ? '-s' : '-d';
    const allowTarget = `-j MARK --set-xmark ${mark}/${mark}`;
    const namedCandidates = dir === 'ingress' ? (selectedBy.get(pol) ?? []) : world.pods;
    (pol[dir] ?? []).forEach((rule: NpRule, r) => {
      const comment = `-m comment --comment ${q(`${pkey(pol)} ${dir} rule ${r}`)}`;
      let target = allowTarget;
      if (rule.ports.length) {
        const pp = chainName('PP', `${key}/${r}`);
        const ppLines = chain(pp);
        for (const port of rule.ports) ppLines.push(...portRules(pp, port, namedCandidates, allowTarget));
        target = `-j ${pp}`;
      }
      if (!rule.peers.length) {
        lines.push(`-A ${name} ${comment} ${target}`);
        return;
      }
      rule.peers.forEach((peer, n) => {
        if (peer.ipBlock) {
          if (!peer.ipBlock.except.length) {
            lines.push(`-A ${name} ${peerFlag} ${peer.ipBlock.cidr} ${comment} ${target}`);
            return;
          }
          const ex = chainName('EX', `${key}/${r}/${n}`);
          chain(ex).push(...peer.ipBlock.except.map((e) => `-A ${ex} ${peerFlag} ${e} -j RETURN`), `-A ${ex} ${target}`);
          lines.push(`-A ${name} ${peerFlag} ${peer.ipBlock.cidr} ${comment} -j ${ex}`);
          return;
        }
        const ips = [...new Set(index.peerPods(pol, peer).map((p) => p.ip))].sort();
        for (const ip of ips) lines.push(`-A ${name} ${peerFlag} ${ip}/32 ${comment} ${target}`);
      });
    });
    return name;
  };

  for (const dir of ['egress', 'ingress'] as const) {
    const mark = dir === 'ingress' ? INGRESS_MARK : EGRESS_MARK;
    const entries = [...byPod[dir].values()].sort((a, b) => (a.pod.ip < b.pod.ip ? -1 : 1));
    for (const { pod, policies: pols } of entries) {
      const c = chainName(dir === 'ingress' ? 'I' : 'E', pkey(pod));
      const lines = chain(c);
      lines.push(`-A ${c} -j MARK --set-xmark 0x0/${mark}`);
      for (const pol of pols) lines.push(`-A ${c} -j ${policyChain(pol, dir)}`);
      lines.push(`-A ${c} -m mark ! --mark ${mark}/${mark} -m comment --comment ${q(`${pkey(pod)} ${dir} not allowed by any policy`)} -j REJECT --reject-with icmp-port-unreachable`);
      const jump = `${dir === 'ingress' ? '-d' : '-s'} ${pod.ip}/32 -m comment --comment ${q(`${pkey(pod)} ${dir}`)} -j ${c}`;
      fwd.push(`-A ${FORWARD_CHAIN} ${jump}`);
      if (dir === 'egress') input.push(`-A ${INPUT_CHAIN} ${jump}`);
    }
  }
  fwd.push(`-A ${FORWARD_CHAIN} -j MARK --set-xmark 0x0/${ALL_MARKS}`);
  input.push(`-A ${INPUT_CHAIN} -j MARK --set-xmark 0x0/${ALL_MARKS}`);

  // Jumps: the first rule of their built-in chain, exactly once.
  const jumpLines: string[] = [];
  for (const [builtin, ours] of POLICY_JUMPS) {
    const inBuiltin = i.existing.builtinRules.filter((l) => l.split(' ')[1] === builtin);
    const mine = inBuiltin.filter((l) => / -j (\S+)/.exec(l)?.[1] === ours);
    if (mine.length === 1 && inBuiltin[0] === mine[0]) continue;
    for (const l of mine) jumpLines.push(`-D ${l.slice(3)}`);
    jumpLines.push(`-I ${builtin} 1 -m comment --comment "${JUMP_COMMENT}" -j ${ours}`);
  }
  const existing = new Set(i.existing.chains);
  const stale = i.existing.chains.filter((c) => c.startsWith(CHAIN_PREFIX) && !chains.has(c));
  const chainRules = new Map<string, string>();
  const declare: string[] = [];
  const body: string[] = [];
  let rules = 0;
  for (const [name, lines] of chains) {
    const text = lines.join('\n');
    chainRules.set(name, text);
    rules += lines.length;
    if (existing.has(name) && i.previous?.get(name) === text) continue;
    declare.push(name);
    body.push(...lines);
  }
  const text = ['*filter', ...[...declare, ...stale].map((c) => `:${c} - [0:0]`), ...body, ...jumpLines, ...stale.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
  return {
    text,
    rules,
    chains: chains.size,
    chainRules,
    unchanged: chains.size - declare.length,
    noop: declare.length === 0 && stale.length === 0 && jumpLines.length === 0,
    isolated: { ingress: byPod.ingress.size, egress: byPod.egress.size },
  };
}

function portRules(chainName_: string, port: NpPort, namedCandidates: readonly NpPod[], target: string): string[] {
  const proto = port.protocol.toLowerCase();
  const p = `-p ${proto} -m ${proto}`;
  if (port.port === undefined) return [`-A ${chainName_} -p ${proto} ${target}`];
  if (typeof port.port === 'number') return [`-A ${chainName_} ${p} --dport ${port.port}${port.endPort !== undefined && port.endPort > port.port ? `:${port.endPort}` : ''} ${target}`];
  // A named port: the number of the container port with that name on each destination pod.
  const out: string[] = [];
  const seen = new Set<string>();
  for (const pod of namedCandidates) {
    for (const cp of pod.ports) {
      if (cp.name !== port.port || cp.protocol !== port.protocol) continue;
      const line = `-A ${chainName_} -d ${pod.ip}/32 ${p} --dport ${cp.port} ${target}`;
      if (!seen.has(line)) out.push(line);
      seen.add(line);
    }
  }
  return out;
}

/**
 * The iptables-restore input that removes every NWPLCY-* chain and every jump into one, from an
 * iptables-save dump of all tables (agent stop, --disable-network-policy, k3ts-killall). Undefined
 * when there is nothing.
 */
export function policyCleanupRules(save: string): string | undefined {
  const out: string[] = [];
  let table = '';
  let body: string[] = [];
  const chains: string[] = [];
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      body = [];
      chains.length = 0;
    } else if (line.startsWith(':') && line.slice(1).startsWith(CHAIN_PREFIX)) {
      chains.push(line.slice(1).split(' ')[0]!);
    } else if (line.startsWith('-A ')) {
      const from = line.split(' ')[1]!;
      const jump = / -j (\S+)/.exec(line)?.[1] ?? '';
      if (!from.startsWith(CHAIN_PREFIX) && jump.startsWith(CHAIN_PREFIX)) body.push(`-D ${line.slice(3)}`);
    } else if (line === 'COMMIT') {
      body.push(...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`));
      if (body.length) out.push(`*${table}`, ...body, 'COMMIT');
    }
  }
  return out.length ? `${out.join('\n')}\n` : undefined;
}
