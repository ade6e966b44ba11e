// Readiness for systemd `Type=notify` units: when NOTIFY_SOCKET is set, tell the service manager
// READY=1 once the component answers. Node cannot send on a unix datagram socket, so the message
// goes through `systemd-notify`; run as root it sends on behalf of our PID (`--pid`), so systemd
// attributes it to the main process even after the helper has exited (the unit also sets
// NotifyAccess=all for non-root installs).
import { execFile } from 'node:child_process';

export interface NotifyDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly pid: number;
  /** Runs a command; resolves with an error message or undefined on success. */
  readonly run?: (file: string, args: readonly string[], env: Record<string, string>) => Promise<string | undefined>;
}

const runCommand = (file: string, args: readonly string[], env: Record<string, string>): Promise<string | undefined> =>
  new Promise((resolve) => {
    execFile(file, [...args], { env, timeout: 10_000 }, (err, _stdout, stderr) => resolve(err ? `${err.message.split('\n')[0]}${stderr ? `: ${String(stderr).trim()}` : ''}` : undefined));
  });

/**
 * Sends READY=1 (plus STATUS) when running under a notify-type unit. Resolves with undefined when
 * there is nothing to do or the message went out, or with the reason it could not be sent.
 */
export async function notifyReady(deps: NotifyDeps, status: string): Promise<string | undefined> {
  const socket = deps.env.NOTIFY_SOCKET;
  if (!socket) return undefined;
  const env: Record<string, string> = { NOTIFY_SOCKET: socket, PATH: deps.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
  const run = deps.run ?? runCommand;
  return run('systemd-notify', ['--ready', '--no-block', `--pid=${deps.pid}`, `--status=${status}`], env);
}
