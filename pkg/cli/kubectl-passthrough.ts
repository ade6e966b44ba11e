// `k3ts kubectl …`: run the kubectl found on PATH with the admin kubeconfig, as K3s does.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { findOnPath } from '../fsutil/find-on-path';
import { CliError } from './errors';

export interface KubectlContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The k3ts executable itself: never picked as "kubectl" (it may be reached through a symlink). */
  readonly self: string;
  /** Candidate admin kubeconfigs in order of preference. */
  readonly kubeconfigs: readonly string[];
}

export function findKubectl(ctx: KubectlContext): string | undefined {
  return findOnPath('kubectl', ctx.env.PATH, { exclude: ctx.self });
}

export function pickKubeconfig(ctx: KubectlContext): string | undefined {
  if (ctx.env.KUBECONFIG) return ctx.env.KUBECONFIG;
  return ctx.kubeconfigs.find((f) => fs.existsSync(f));
}

/** Runs kubectl and resolves with its exit code. */
export function runKubectl(args: readonly string[], ctx: KubectlContext): Promise<number> {
  const kubectl = findKubectl(ctx);
  if (!kubectl) throw new CliError('missing-tool', 'kubectl was not found on PATH: install kubectl (https://kubernetes.io/docs/tasks/tools/) or put it on PATH');
  const kubeconfig = pickKubeconfig(ctx);
  if (!kubeconfig) {
    throw new CliError('missing-tool', `no admin kubeconfig found (looked at ${ctx.kubeconfigs.join(', ')}): start "k3ts server" first or set KUBECONFIG`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, [...args], { stdio: 'inherit', env: { ...ctx.env, KUBECONFIG: kubeconfig } });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 1 : 1)));
  });
}
