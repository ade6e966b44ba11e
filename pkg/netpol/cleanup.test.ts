import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const RULES = ['*filter', ':NWPLCY-FORWARD - [0:0]', ':NWPLCY-I-X - [0:0]', ':OTHER - [0:0]', '-A NWPLCY-FORWARD -d 10.42.0.5/32 -j NWPLCY-I-X', '-A NWPLCY-I-X -j REJECT', '-A FORWARD -j OTHER', '-I FORWARD 1 -m comment --comment "k3ts network policy" -j NWPLCY-FORWARD', 'COMMIT', ''].join('\n');

describe('cleanNetworkPolicyRules (what k3ts-killall and --disable-network-policy run)', () => {
  it.skipIf(process.getuid?.() !== 0)('removes every NWPLCY chain and jump in both backends and nothing else (in a throwaway network namespace)', () => {
    const script = [
      'set -e',
      'for m in nft legacy; do printf "%s" "$RULES" | iptables-$m-restore --noflush; done',
      `${path.join(ROOT, 'node_modules', '.bin', 'tsx')} -e 'import { cleanNetworkPolicyRules } from "${path.join(ROOT, 'pkg', 'netpol', 'cleanup.ts')}"; console.log("removed", cleanNetworkPolicyRules())'`,
      'for m in nft legacy; do iptables-$m-save -t filter; done',
    ].join('\n');
    const out = execFileSync('unshare', ['--net', 'sh', '-c', script], { encoding: 'utf8', env: { ...process.env, RULES } });
    expect(out).toMatch(/removed (\d+)/);
    expect(Number(/removed (\d+)/.exec(out)![1])).toBe(6);
    expect(out).not.toContain('NWPLCY');
    expect(out.match(/-A FORWARD -j OTHER/g)).toHaveLength(2);
  });
});
