// The iptables binaries the network policy controller drives (the backend the service proxy picks:
// pkg/proxy/iptables detectIptablesMode), run without blocking the agent's event loop.
import { execFile } from 'node:child_process';
import { detectIptablesMode, type IptablesMode } from '../proxy/iptables';
import { NetpolError } from './errors';

export interface PolicyIptables {
  readonly mode: IptablesMode;
  /** iptables-save of the filter table. */
  save(): Promise<string>;
  /** iptables-restore --noflush. */
  restore(input: string): Promise<void>;
  /** The `-A` lines of one filter chain (`iptables -S <chain>`), cheaper than a save with many rules. */
  listRules(chain: string): Promise<string[]>;
}

function run(bin: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, [...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new NetpolError('iptables', `${bin} ${args.join(' ')} failed: ${String(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

export function policyIptables(mode: IptablesMode = detectIptablesMode()): PolicyIptables {
  const bin = `iptables-${mode}`;
  return {
    mode,
    save: () => run(`${bin}-save`, ['-t', 'filter']),
    restore: async (input) => void (await run(`${bin}-restore`, ['--noflush'], input)),
    listRules: async (chain) => (await run(bin, ['-w', '-t', 'filter', '-S', chain])).split('\n').filter((l) => l.startsWith('-A ')),
  };
}
