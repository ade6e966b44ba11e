// How flannel runs iproute2/iptables: as child processes, optionally inside another network
// namespace (nsenter --net=<file>) so the same code programs a test's "node" namespaces.
import { execFile } from 'node:child_process';
import { FlannelError } from './errors';

export interface NetExec {
  /** Runs `bin args…` (stdin = input) and resolves with stdout; rejects with FlannelError('netlink'). */
  run(bin: string, args: readonly string[], input?: string): Promise<string>;
}

export interface SystemNetExecOptions {
  /** A network namespace file (e.g. /run/netns/x); the host's namespace when unset. */
  readonly netns?: string;
  readonly path?: string;
}

export function systemNetExec(o: SystemNetExecOptions = {}): NetExec {
  const env = { ...process.env, PATH: o.path ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' };
  return {
    run(bin, args, input) {
      const [file, argv] = o.netns ? ['nsenter', [`--net=${o.netns}`, '--', bin, ...args]] : [bin, [...args]];
      return new Promise((resolve, reject) => {
        const child = execFile(file, argv, { encoding: 'utf8', env, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
          if (err) reject(new FlannelError('netlink', `${bin} ${args.join(' ')} failed: ${String(stderr || err.message).trim()}`));
          else resolve(stdout);
        });
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(input ?? '');
      });
    },
  };
}
