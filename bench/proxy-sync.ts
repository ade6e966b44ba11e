// Service proxy sync cost with many Services: building the iptables-restore input for N Services ×
// M ready endpoints (a full sync, and an incremental one after one endpoint changed, which leaves
// unchanged K3TS-SVC/SEP chains out), and, as root, applying both for real with
// `iptables-<mode>-restore --noflush` inside a throwaway network namespace (`unshare --net`, so the
// host's rules are never touched). Baseline in the same run: one `iptables-<mode>-save` there.
// Usage: npx tsx bench/proxy-sync.ts [services=1000] [endpoints=5]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { servicePorts } from '../pkg/proxy/proxy-model';
import { buildRuleSet, chainsOf } from '../pkg/proxy/proxy-rules';
import { detectIptablesMode } from '../pkg/proxy/iptables';

const services = Number(process.argv[2] ?? 1000);
const endpoints = Number(process.argv[3] ?? 5);

function world(changed: number) {
  return Array.from({ length: services }, (_, i) => {
    const name = `svc-${i}`;
    const svc = { metadata: { namespace: 'bench', name }, spec: { type: 'NodePort', clusterIP: `10.43.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80, nodePort: 30000 + i }] } };
    const slice = {
      metadata: { namespace: 'bench', name: `${name}-x`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: endpoints }, (_, e) => ({ addresses: [`10.42.${(i * endpoints + e) >> 8 & 255}.${(i * endpoints + e + (i === changed ? 1 : 0)) & 255}`], conditions: { ready: true } })),
    };
    return servicePorts(svc, [slice]);
  }).flat();
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

const [ports, modelMs] = time(() => world(-1));
const cidr = '10.42.0.0/16';
const [full, fullMs] = time(() => buildRuleSet({ ports, clusterCidr: cidr, existing: { nat: [], filter: [] } }));
const existing = { nat: chainsOf(full.text, 'nat'), filter: chainsOf(full.text, 'filter') };
const [incr, incrMs] = time(() => buildRuleSet({ ports: world(7), clusterCidr: cidr, existing, previous: full.chainRules }));
const lines = (t: string) => t.split('\n').length;
console.log(`${services} services × ${endpoints} endpoints: full input ${lines(full.text)} lines (${(full.text.length / 1024).toFixed(0)} KiB), incremental ${lines(incr.text)} lines (${incr.unchanged} chains left out)`);
console.log(`model from objects: ${modelMs.toFixed(1)} ms; build full: ${fullMs.toFixed(1)} ms; incremental (model + build): ${incrMs.toFixed(1)} ms`);
if (process.getuid?.() === 0) {
  const mode = detectIptablesMode();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-proxy-bench-'));
  fs.writeFileSync(path.join(dir, 'full'), full.text);
  fs.writeFileSync(path.join(dir, 'incr'), incr.text);
  const ms = `$(( ($(date +%s%N) - t) / 1000000 ))`;
  const script = `set -e; cd ${dir}; t=$(date +%s%N); iptables-${mode}-save >/dev/null; echo save ${ms}; t=$(date +%s%N); iptables-${mode}-restore --noflush < full; echo full ${ms}; t=$(date +%s%N); iptables-${mode}-save >/dev/null; echo loadedSave ${ms}; t=$(date +%s%N); iptables-${mode}-restore --noflush < incr; echo incr ${ms}`;
  const out = execFileSync('unshare', ['--net', 'sh', '-c', script], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  const f = Object.fromEntries(out.trim().split('\n').map((l) => l.split(' ')).map(([k, v]) => [k, Number(v)]));
  const base = Math.max(1, f.save ?? 1);
  console.log(`iptables-${mode}-restore in a fresh netns: full ${f.full} ms (${((f.full ?? 0) / base).toFixed(0)}× save), incremental ${f.incr} ms (${((f.incr ?? 0) / base).toFixed(0)}× save); baseline iptables-${mode}-save ${f.save} ms (empty), ${f.loadedSave} ms with these rules (each sync also saves)`);
} else console.log('not root: iptables-restore not measured');
