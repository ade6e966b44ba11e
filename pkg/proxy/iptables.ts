// The iptables binaries the proxier drives, picked like kube-proxy does: the backend that already
// has rules (legacy only when it has some and nft has none), nft otherwise.
import { execFile, execFileSync } from 'node:child_process';
import { ProxyError } from './errors';

export type IptablesMode = 'nft' | 'legacy';

export interface Iptables {
  readonly mode: IptablesMode;
  save(): Promise<string>;
  restore(input: string): Promise<void>;
  /** Ensures `-I <chain> 1 -m comment --comment <comment> -j <target>` exists in `table`. */
  ensureJump(table: string, chain: string, target: string, comment: string): Promise<void>;
}

/** Runs without blocking the agent's event loop (a big restore takes a second or more). */
function runAsync(bin: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, [...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new ProxyError('iptables', `${bin} ${args.join(' ')} failed: ${String(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
    // A command that exits before reading its input (or takes none) must not crash the agent with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

function run(bin: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(bin, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (e) {
    const err = e as { stderr?: unknown; message?: string };
    throw new ProxyError('iptables', `${bin} ${args.join(' ')} failed: ${String(err.stderr ?? err.message ?? e).trim()}`);
  }
}

function ruleCount(mode: IptablesMode): number {
  try {
    return run(`iptables-${mode}-save`, []).split('\n').filter((l) => l.startsWith('-A ')).length;
  } catch {
    return -1;
  }
}

export function detectIptablesMode(): IptablesMode {
  return ruleCount('legacy') > 0 && ruleCount('nft') <= 0 ? 'legacy' : 'nft';
}

export function systemIptables(mode: IptablesMode = detectIptablesMode()): Iptables {
  const bin = `iptables-${mode}`;
  return {
    mode,
    save: () => runAsync(`${bin}-save`, []),
    restore: async (input) => void (await runAsync(`${bin}-restore`, ['--noflush'], input)),
    async ensureJump(table, chain, target, comment) {
      const rule = ['-m', 'comment', '--comment', comment, '-j', target];
      const exists = await runAsync(bin, ['-w', '-t', table, '-C', chain, ...rule]).then(() => true, () => false);
      if (!exists) await runAsync(bin, ['-w', '-t', table, '-I', chain, '1', ...rule]);
    },
  };
}
