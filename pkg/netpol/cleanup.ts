// Removal of the network policy rules in both iptables backends, synchronously (k3ts-killall,
// --disable-network-policy at agent start).
import { execFileSync } from 'node:child_process';
import { policyCleanupRules } from './policy-rules';

/** Removes every NWPLCY-* chain and the jumps into them from both backends; returns the rules and chains removed. */
export function cleanNetworkPolicyRules(): number {
  let removed = 0;
  for (const mode of ['nft', 'legacy']) {
    let save: string;
    try {
      save = execFileSync(`iptables-${mode}-save`, ['-t', 'filter'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      continue; // this backend is not installed
    }
    const input = policyCleanupRules(save);
    if (!input) continue;
    execFileSync(`iptables-${mode}-restore`, ['--noflush'], { input, stdio: ['pipe', 'ignore', 'pipe'] });
    removed += input.split('\n').filter((l) => l.startsWith('-X ') || l.startsWith('-D ')).length;
  }
  return removed;
}
