// Reads files of one branch of a git repository (bare or not) without a work tree.
import { execFileSync } from 'node:child_process';

export interface UpstreamTree {
  readonly repo: string;
  readonly branch: string;
  readonly commit: string;
  readonly files: readonly string[];
  read(path: string): string;
}

export function openUpstreamTree(repo: string, branch: string): UpstreamTree {
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  let commit: string;
  try {
    commit = git('rev-parse', '--verify', `${branch}^{commit}`).trim();
  } catch (err) {
    throw new Error(`cannot read branch ${branch} of ${repo}: ${(err as Error).message.split('\n')[0]}; expected a git repository with that branch`);
  }
  const files = git('ls-tree', '-r', '--name-only', commit).split('\n').filter((f) => f.length > 0);
  return {
    repo,
    branch,
    commit,
    files,
    read: (path) => git('show', `${commit}:${path}`),
  };
}
