// Network policy sync cost: P policies over M pods on this node (namespace bench, 10 app groups and
// 5 tiers), each policy selecting one app group (M/10 pods) with an ingress rule from its tier's
// pods plus every pod of the namespaces labelled team=bench on TCP 80 and the named port http, and
// an egress rule to an ipBlock with one except on UDP 53. Prints the rule count and the time to
// build the iptables-restore input, and, as root, to apply it for real with
// `iptables-<mode>-restore --noflush` inside a throwaway network namespace (`unshare --net`, the
// host's rules are never touched): a first full sync and a sync after one pod's label changed,
// the latter with only the changed chains, after listing FORWARD and INPUT (what the controller does
// between full syncs).
// Usage: npx tsx bench/network-policy.ts [policies=200] [pods=50]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeObject } from '../pkg/api/types';
import { worldOf } from '../pkg/netpol/policy-model';
import { buildPolicyRules, existingRules } from '../pkg/netpol/policy-rules';
import { detectIptablesMode } from '../pkg/proxy/iptables';

const policies = Number(process.argv[2] ?? 200);
const pods = Number(process.argv[3] ?? 50);
const NODE = 'bench-node';

function objects(relabelled: number): { pods: KubeObject[]; namespaces: KubeObject[]; policies: KubeObject[] } {
  const podObjs = Array.from({ length: pods }, (_, i) => ({
    metadata: { namespace: 'bench', name: `pod-${i}`, labels: { app: `app-${(i === relabelled ? i + 1 : i) % 10}`, tier: `t-${i % 5}` } },
    spec: { nodeName: NODE, containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 + (i % 3) }] }] },
    status: { phase: 'Running', podIP: `10.42.${((i + 2) >> 8) & 255}.${(i + 2) & 255}` },
  }));
  const namespaces = [{ metadata: { name: 'bench', labels: { team: 'bench' } } }];
  const pols = Array.from({ length: policies }, (_, i) => ({
    metadata: { namespace: 'bench', name: `policy-${i}` },
    spec: {
      podSelector: { matchLabels: { app: `app-${i % 10}` } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { tier: `t-${i % 5}` } } }, { namespaceSelector: { matchLabels: { team: 'bench' } }, podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: [`t-${(i + 1) % 5}`] }] } }], ports: [{ port: 80 }, { port: 'http' }] }],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: [`10.${(i % 200) + 1}.0.0/16`] } }], ports: [{ port: 53, protocol: 'UDP' }] }],
    },
  }));
  return { pods: podObjs, namespaces, policies: pols };
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

const base = objects(-1);
const [full, fullMs] = time(() => buildPolicyRules({ world: worldOf(base.pods, base.namespaces, base.policies), nodeName: NODE, existing: existingRules('') }));
const changed = objects(7);
const [incr, incrMs] = time(() => buildPolicyRules({ world: worldOf(changed.pods, changed.namespaces, changed.policies), nodeName: NODE, existing: existingRules(full.text.replace('COMMIT', '-A FORWARD -m comment --comment "k3ts network policy" -j NWPLCY-FORWARD\n-A INPUT -m comment --comment "k3ts network policy" -j NWPLCY-INPUT\nCOMMIT')), previous: full.chainRules }));
const lines = (t: string) => t.split('\n').length;
console.log(`${policies} policies × ${pods} pods (all on this node): ${full.rules} rules in ${full.chains} chains, ${lines(full.text)} input lines (${(full.text.length / 1024).toFixed(0)} KiB); isolated pods ingress ${full.isolated.ingress}, egress ${full.isolated.egress}`);
console.log(`build (model + rules): full ${fullMs.toFixed(1)} ms, after one relabel ${incrMs.toFixed(1)} ms (${incr.chains - incr.unchanged} of ${incr.chains} chains rewritten, ${lines(incr.text)} input lines)`);
if (process.getuid?.() === 0) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-netpol-bench-'));
  try {
    fs.writeFileSync(path.join(dir, 'full'), full.text);
    fs.writeFileSync(path.join(dir, 'incr'), incr.text);
    // The backend the agent would pick first, then the other one.
    const first = detectIptablesMode();
    for (const mode of [first, first === 'nft' ? 'legacy' : 'nft']) {
      const ms = `$(( ($(date +%s%N) - t) / 1000000 ))`;
      const script = `set -e; cd ${dir}; t=$(date +%s%N); iptables-${mode}-save >/dev/null; echo save ${ms}; t=$(date +%s%N); iptables-${mode}-restore --noflush < full; echo full ${ms}; t=$(date +%s%N); iptables-${mode}-save -t filter >/dev/null; echo loadedSave ${ms}; t=$(date +%s%N); iptables-${mode} -w -t filter -S FORWARD >/dev/null; iptables-${mode} -w -t filter -S INPUT >/dev/null; echo list ${ms}; t=$(date +%s%N); iptables-${mode}-restore --noflush < incr; echo incr ${ms}; echo rules $(iptables-${mode}-save -t filter | grep -c '^-A NWPLCY-')`;
      const out = execFileSync('unshare', ['--net', 'sh', '-c', script], { encoding: 'utf8' });
      const f = Object.fromEntries(out.trim().split('\n').map((l) => l.split(' ')).map(([k, v]) => [k, Number(v)]));
      console.log(`iptables-${mode} in a fresh netns: first sync restore ${f.full} ms; sync after a relabel: list FORWARD+INPUT ${f.list} ms + restore ${f.incr} ms (a full save with these rules: ${f.loadedSave} ms, of the empty table ${f.save} ms); ${f.rules} NWPLCY rules loaded`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
} else console.log('not root: iptables-restore not measured');
