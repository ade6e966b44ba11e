// Every kind of rule the proxier writes (ClusterIP, NodePort, affinity, external IPs, REJECT,
// internalTrafficPolicy / externalTrafficPolicy Local) is accepted by BOTH iptables backends:
// applied with `iptables-<mode>-restore --noflush` and read back, inside a throwaway network
// namespace (`unshare --net`), so the host's rules are never touched. Root only.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { servicePorts } from './proxy-model';
import { JUMPS, buildRules, cleanupRules } from './proxy-rules';

const has = (bin: string) => ['/usr/sbin', '/sbin', '/usr/bin'].some((d) => fs.existsSync(path.join(d, bin)));
const modes = (['nft', 'legacy'] as const).filter((m) => has(`iptables-${m}-restore`));
const root = process.getuid?.() === 0 && has('unshare');

const slice = (name: string, eps: { ip: string; node: string }[]) => ({
  metadata: { namespace: 'default', name: `${name}-x`, labels: { 'kubernetes.io/service-name': name } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: eps.map((e) => ({ addresses: [e.ip], nodeName: e.node, conditions: { ready: true } })),
});
const eps = [{ ip: '10.42.0.4', node: 'me' }, { ip: '10.42.1.4', node: 'other' }];
const svc = (name: string, spec: Record<string, unknown>, status?: Record<string, unknown>) => ({ metadata: { namespace: 'default', name }, spec: { ports: [{ name: 'http', port: 80, ...(spec.nodePort ? { nodePort: spec.nodePort } : {}) }], ...spec }, ...(status ? { status } : {}) });

const ports = [
  ...servicePorts(svc('plain', { type: 'NodePort', clusterIP: '10.43.0.20', nodePort: 30020, sessionAffinity: 'ClientIP', externalIPs: ['192.0.2.50'] }), [slice('plain', eps)], 'me'),
  ...servicePorts(svc('itp', { clusterIP: '10.43.0.21', internalTrafficPolicy: 'Local' }), [slice('itp', eps)], 'me'),
  ...servicePorts(svc('itp-none', { clusterIP: '10.43.0.22', internalTrafficPolicy: 'Local' }), [slice('itp-none', [eps[1]!])], 'me'),
  ...servicePorts(svc('etp', { type: 'LoadBalancer', clusterIP: '10.43.0.23', nodePort: 30023, externalTrafficPolicy: 'Local' }, { loadBalancer: { ingress: [{ ip: '192.0.2.2' }] } }), [slice('etp', eps)], 'me'),
  ...servicePorts(svc('etp-none', { type: 'LoadBalancer', clusterIP: '10.43.0.24', nodePort: 30024, externalTrafficPolicy: 'Local' }, { loadBalancer: { ingress: [{ ip: '192.0.2.2' }] } }), [slice('etp-none', [eps[1]!])], 'me'),
  ...servicePorts(svc('empty', { type: 'NodePort', clusterIP: '10.43.0.25', nodePort: 30025 }), [], 'me'),
];

describe.skipIf(!root || modes.length === 0)('the proxier rules on both iptables backends', () => {
  for (const mode of modes) {
    it(`iptables-${mode}-restore accepts every rule, and the cleanup removes them all`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-ipt-'));
      try {
        const rules = buildRules({ ports, clusterCidr: '10.42.0.0/16', existing: { nat: [], filter: [] } });
        const jumps = ['*nat', ...JUMPS.filter(([t]) => t === 'nat').map(([, c, target, comment]) => `-I ${c} 1 -m comment --comment "${comment}" -j ${target}`), 'COMMIT', '*filter', ...JUMPS.filter(([t]) => t === 'filter').map(([, c, target, comment]) => `-I ${c} 1 -m comment --comment "${comment}" -j ${target}`), 'COMMIT', ''].join('\n');
        fs.writeFileSync(path.join(dir, 'rules'), rules);
        fs.writeFileSync(path.join(dir, 'jumps'), jumps);
        const saved = execFileSync('unshare', ['--net', 'sh', '-c', `cd ${dir} && iptables-${mode}-restore --noflush < rules && iptables-${mode}-restore --noflush < jumps && iptables-${mode}-save`], { encoding: 'utf8' });
        expect(saved).toMatch(/-A K3TS-XLB-\S+ -s 10\.42\.0\.0\/16 .*-j K3TS-SVC-/);
        expect(saved).toMatch(/-A K3TS-SVL-\S+ -j K3TS-SEP-/);
        expect(saved).toMatch(/has no local endpoints \(internalTrafficPolicy Local\)" -j DROP/);
        expect(saved).toMatch(/has no local endpoints \(externalTrafficPolicy Local\)" -j DROP/);
        expect(saved).toMatch(/default\/empty:http has no endpoints" -j REJECT/);
        expect(saved).toMatch(/--rcheck --seconds 10800 --reap/);
        const cleanup = cleanupRules(saved);
        expect(cleanup).toBeDefined();
        fs.writeFileSync(path.join(dir, 'cleanup'), cleanup!);
        const after = execFileSync('unshare', ['--net', 'sh', '-c', `cd ${dir} && iptables-${mode}-restore --noflush < rules && iptables-${mode}-restore --noflush < jumps && iptables-${mode}-restore --noflush < cleanup && iptables-${mode}-save`], { encoding: 'utf8' });
        expect(after).not.toMatch(/K3TS-/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
