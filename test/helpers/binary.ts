// Helpers for suites that run the built executable (dist/k3ts), never the sources.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { execa, type Options } from 'execa';

export const REPO = path.resolve(__dirname, '..', '..');

export function builtBinary(name = 'k3ts'): string {
  // K3TS_TEST_BINARY points the x64 suites at another build (`npm run build -- --out FILE`).
  const override = name === 'k3ts' ? process.env.K3TS_TEST_BINARY : undefined;
  const file = override ? path.resolve(override) : path.join(REPO, 'dist', name);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run "npm run build${name === 'k3ts' ? '' : ' -- --arch arm64'}" before the end-to-end suites`);
  return file;
}

/** A PATH with no node on it, so the executable proves it needs nothing from the host. */
export const PATH_WITHOUT_NODE = '/usr/local/sbin:/usr/sbin';
/** Adds /usr/bin (where kubectl and node live) for tests that need host tools. */
export const PATH_WITH_HOST_TOOLS = `${PATH_WITHOUT_NODE}:/usr/bin`;

export interface RunResult {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runK3ts(args: readonly string[], opts: Pick<Options, 'cwd' | 'env' | 'timeout'> = {}): Promise<RunResult> {
  const r = await execa(builtBinary(), [...args], { reject: false, timeout: 60_000, env: { PATH: PATH_WITHOUT_NODE }, extendEnv: false, ...opts });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything written to stderr so far. */
  output(): string;
  /** Resolves when stderr matches `re`, rejects on exit or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export function startProcess(file: string, args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): RunningProcess {
  const child = spawn(file, [...args], { cwd: opts.cwd, env: opts.env ?? { PATH: PATH_WITHOUT_NODE }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (b: Buffer) => {
    out += b.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitFor(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            cleanup();
            resolve(m[0]);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re}; output:\n${out}`));
        }, timeoutMs);
        const onExit = (code: number | null) => {
          cleanup();
          reject(new Error(`process exited (${code}) before ${re}; output:\n${out}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.on('exit', onExit);
        check();
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
