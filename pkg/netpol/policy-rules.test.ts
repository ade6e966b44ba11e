import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { worldOf } from './policy-model';
import { buildPolicyRules, existingRules, policyCleanupRules } from './policy-rules';

const pod = (ns: string, name: string, ip: string, node: string, labels: Record<string, string>, ports: object[] = []): KubeObject => ({
  metadata: { namespace: ns, name, labels },
  spec: { nodeName: node, containers: [{ name: 'c', ports }] },
  status: { phase: 'Running', podIP: ip },
});
const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({ metadata: { name, labels } });
const policy = (namespace: string, name: string, spec: object): KubeObject => ({ metadata: { namespace, name }, spec });

const pods = [
  pod('a', 'web', '10.42.1.10', 'n1', { app: 'web' }, [{ name: 'http', containerPort: 8080 }]),
  pod('a', 'other', '10.42.0.11', 'n0', { app: 'other' }),
  pod('b', 'client', '10.42.0.12', 'n0', { role: 'client' }),
  pod('b', 'nobody', '10.42.0.13', 'n0', {}),
];
const namespaces = [ns('a', { team: 'a' }), ns('b', { team: 'b' })];

function rulesFor(policies: KubeObject[], node = 'n1', save = '', previous?: ReadonlyMap<string, string>) {
  return buildPolicyRules({ world: worldOf(pods, namespaces, policies), nodeName: node, existing: existingRules(save), previous });
}
const linesOf = (text: string) => text.split('\n');

describe('network policy rules', () => {
  it('no policy: no pod is isolated, only the chains and their jumps', () => {
    const r = rulesFor([]);
    expect(r.isolated).toEqual({ ingress: 0, egress: 0 });
    expect(r.text).toContain('-I FORWARD 1 -m comment --comment "k3ts network policy" -j NWPLCY-FORWARD');
    expect(r.text).toContain('-I INPUT 1 -m comment --comment "k3ts network policy" -j NWPLCY-INPUT');
    expect(r.text).not.toContain('REJECT');
  });

  it('default deny ingress isolates the local selected pods only, with a reject at the end of their chain', () => {
    const r = rulesFor([policy('a', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })]);
    expect(r.isolated).toEqual({ ingress: 1, egress: 0 });
    const jump = linesOf(r.text).find((l) => l.startsWith('-A NWPLCY-FORWARD -d 10.42.1.10/32'))!;
    expect(jump).toBeDefined();
    const chain = / -j (\S+)$/.exec(jump)![1]!;
    expect(linesOf(r.text).filter((l) => l.startsWith(`-A ${chain} `)).at(-1)).toContain('-j REJECT');
    expect(r.text).not.toContain('10.42.0.11/32 -m comment --comment "a/other');
  });

  it('namespaceSelector + podSelector names only the pods matching both; ports and named ports', () => {
    const r = rulesFor([
      policy('a', 'allow', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } }, podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 'http' }, { port: 9000, endPort: 9010, protocol: 'UDP' }] }],
      }),
    ]);
    expect(r.text).toMatch(/-A NWPLCY-PI-\S+ -s 10\.42\.0\.12\/32 .* -j NWPLCY-PP-/);
    expect(r.text).not.toContain('-s 10.42.0.13/32');
    expect(r.text).toMatch(/-A NWPLCY-PP-\S+ -d 10\.42\.1\.10\/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x10000\/0x10000/);
    expect(r.text).toMatch(/-A NWPLCY-PP-\S+ -p udp -m udp --dport 9000:9010 -j MARK/);
  });

  it('egress with ipBlock except and a port; egress jumps also from INPUT; policyTypes default from egress rules', () => {
    const r = rulesFor([policy('b', 'out', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.42.0.0/16', except: ['10.42.1.10/32'] } }], ports: [{ port: 80, protocol: 'TCP' }] }] })], 'n0');
    expect(r.isolated).toEqual({ ingress: 2, egress: 2 });
    expect(r.text).toMatch(/-A NWPLCY-EX-\S+ -d 10\.42\.1\.10\/32 -j RETURN/);
    expect(r.text).toMatch(/-A NWPLCY-INPUT -s 10\.42\.0\.12\/32 .* -j NWPLCY-E-/);
  });

  it('keeps existing jumps that are first, fixes misplaced ones and drops stale chains', () => {
    const first = rulesFor([]);
    const save = ['*filter', ':FORWARD ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':NWPLCY-FORWARD - [0:0]', ':NWPLCY-INPUT - [0:0]', ':NWPLCY-I-OLD - [0:0]', '-A INPUT -m comment --comment "k3ts network policy" -j NWPLCY-INPUT', '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD', '-A FORWARD -m comment --comment "k3ts network policy" -j NWPLCY-FORWARD', 'COMMIT'].join('\n');
    const r = rulesFor([], 'n1', save);
    expect(r.noop).toBe(false);
    expect(r.text).toContain('-D FORWARD -m comment --comment "k3ts network policy" -j NWPLCY-FORWARD');
    expect(r.text).not.toContain('-I INPUT');
    expect(r.text).toContain('-X NWPLCY-I-OLD');
    expect(first.noop).toBe(false);
    expect(policyCleanupRules(save)).toContain('-D FORWARD -m comment --comment "k3ts network policy" -j NWPLCY-FORWARD\n');
  });

  it('leaves unchanged chains out of the next sync; nothing at all when nothing changed', () => {
    const deny = policy('a', 'deny', { podSelector: {}, policyTypes: ['Ingress'] });
    const allow = (role: string) => policy('a', 'allow', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role } } }] }] });
    const first = rulesFor([deny, allow('client')]);
    const applied = ['*filter', ...[...first.chainRules.keys()].map((c) => `:${c} - [0:0]`), ...[...first.chainRules.values()], '-A FORWARD -m comment --comment "k3ts network policy" -j NWPLCY-FORWARD', '-A INPUT -m comment --comment "k3ts network policy" -j NWPLCY-INPUT', 'COMMIT'].join('\n');
    const same = rulesFor([deny, allow('client')], 'n1', applied, first.chainRules);
    expect(same.noop).toBe(true);
    expect(same.unchanged).toBe(first.chains);
    const changed = rulesFor([deny, allow('nobody')], 'n1', applied, first.chainRules);
    expect(changed.noop).toBe(false);
    expect(changed.unchanged).toBe(first.chains - 1);
    expect(changed.text.split('\n').filter((l) => l.startsWith(':'))).toHaveLength(1);
  });

  it.skipIf(process.getuid?.() !== 0)('iptables-restore accepts the input (both backends, in a throwaway network namespace)', () => {
    const r = rulesFor([
      policy('a', 'allow', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 'http' }, { protocol: 'SCTP' }] }], egress: [{}] }),
    ]);
    for (const mode of ['nft', 'legacy']) {
      const out = execFileSync('unshare', ['--net', 'sh', '-c', `iptables-${mode}-restore --noflush && iptables-${mode}-save -t filter`], { input: r.text, encoding: 'utf8' });
      expect(out).toContain('-A FORWARD -m comment --comment "k3ts network policy" -j NWPLCY-FORWARD');
      const cleanup = policyCleanupRules(out)!;
      const both = execFileSync('unshare', ['--net', 'sh', '-c', `iptables-${mode}-restore --noflush; echo "$CLEAN" | iptables-${mode}-restore --noflush && iptables-${mode}-save -t filter`], { input: r.text, encoding: 'utf8', env: { ...process.env, CLEAN: cleanup } });
      expect(both).not.toContain('NWPLCY');
    }
  });
});
