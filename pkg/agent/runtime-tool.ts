// `k3ts ctr …` / `k3ts crictl …` (also through ctr/crictl symlinks to k3ts): the host's tool with
// the agent's containerd socket and, for ctr, the CRI namespace filled in unless given.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { findOnPath } from '../fsutil/find-on-path';
import { runDirFor } from './agent-config';
import { AgentError } from './errors';

export interface RuntimeToolContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The k3ts executable: never picked as the tool (it may be reached through a symlink). */
  readonly self: string;
  readonly dataDir: string;
}

/** The arguments the tool runs with: ours first, so the user's later flags win where the tool allows. */
export function runtimeToolArgs(tool: 'ctr' | 'crictl', args: readonly string[], socket: string): string[] {
  const has = (...names: string[]) => args.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
  if (tool === 'ctr') {
    return [...(has('--address', '-a') ? [] : ['--address', socket]), ...(has('--namespace', '-n') ? [] : ['--namespace', 'k8s.io']), ...args];
  }
  return [...(has('--runtime-endpoint', '-r') ? [] : ['--runtime-endpoint', `unix://${socket}`]), ...(has('--image-endpoint', '-i') ? [] : ['--image-endpoint', `unix://${socket}`]), ...args];
}

export function runRuntimeTool(tool: 'ctr' | 'crictl', args: readonly string[], ctx: RuntimeToolContext): Promise<number> {
  const file = findOnPath(tool, ctx.env.PATH, { exclude: ctx.self });
  if (!file) {
    const advice = tool === 'ctr' ? 'install containerd (apt-get install -y containerd), which provides ctr' : 'install crictl from the cri-tools release (it is not packaged by Debian 12)';
    throw new AgentError('missing-tool', `${tool} was not found on PATH: ${advice}`);
  }
  const socket = path.join(runDirFor(ctx.dataDir), 'containerd', 'containerd.sock');
  return new Promise((resolve, reject) => {
    const child = spawn(file, runtimeToolArgs(tool, args, socket), { stdio: 'inherit', env: { ...ctx.env } as NodeJS.ProcessEnv });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}
