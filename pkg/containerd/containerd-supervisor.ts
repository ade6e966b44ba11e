// The host's containerd, run by the agent as a child process: config written under the agent's
// directories, the process in its own cgroup (`/k3ts/containerd`), restarted with backoff when it
// dies, stopped with SIGTERM on shutdown. Containers live in their shims, so they survive both a
// containerd restart and an agent restart (the kubelet re-adopts them).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { sleep, systemClock, type Clock } from '../client/clock';
import type { Logger } from '../log/logger';
import { Cgroups } from './cgroups';
import { renderContainerdConfig, type ContainerdConfigValues } from './containerd-config';
import { ContainerdError, INSTALL_ADVICE } from './errors';
import { findOnPath } from '../fsutil/find-on-path';

export interface ContainerdSupervisorConfig extends Omit<ContainerdConfigValues, 'streamServerPort'> {
  /** `--containerd`, or undefined to look containerd up on PATH. */
  readonly binary?: string;
  readonly configFile: string;
  /** containerd's stdout/stderr go here (appended). */
  readonly logFile: string;
  /** cgroup path for containerd and its shims. */
  readonly cgroup: string;
  /** PATH used to find containerd, runc and the shim. */
  readonly searchPath: string;
  readonly socketTimeoutMs?: number;
  /** First restart delay; doubles up to maxBackoffMs, and resets after a minute of uptime. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface SupervisorDeps {
  readonly log: Logger;
  readonly clock?: Clock;
  readonly cgroups?: Cgroups;
}

/** An executable named `name` on `searchPath`, or undefined. */
export function findExecutable(name: string, searchPath: string): string | undefined {
  return findOnPath(name, searchPath);
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export class ContainerdSupervisor {
  readonly #cfg: ContainerdSupervisorConfig;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #cgroups: Cgroups;
  readonly #stopping = new AbortController();
  #binary = '';
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #loop: Promise<void> | undefined;
  #restarts = 0;

  constructor(cfg: ContainerdSupervisorConfig, deps: SupervisorDeps) {
    this.#cfg = cfg;
    this.#log = deps.log;
    this.#clock = deps.clock ?? systemClock;
    this.#cgroups = deps.cgroups ?? new Cgroups();
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Writes the config, starts containerd and resolves once its socket accepts connections. */
  async start(): Promise<void> {
    const cfg = this.#cfg;
    const found = cfg.binary ?? findExecutable('containerd', cfg.searchPath);
    if (!found || !fs.existsSync(found)) throw new ContainerdError('not-installed', `containerd ${cfg.binary ? `was not found at ${cfg.binary}` : `is not on PATH (${cfg.searchPath})`}: ${INSTALL_ADVICE}`);
    if (!findExecutable('runc', cfg.searchPath)) throw new ContainerdError('not-installed', `runc is not on PATH (${cfg.searchPath}), containerd cannot run containers without it: ${INSTALL_ADVICE}`);
    if (!fs.existsSync(path.join(cfg.cniBinDir, 'bridge'))) throw new ContainerdError('not-installed', `the CNI plugins are missing (no ${cfg.cniBinDir}/bridge): ${INSTALL_ADVICE}`);
    this.#binary = found;
    try {
      for (const dir of [path.dirname(cfg.configFile), cfg.root, cfg.state, cfg.runcRoot, cfg.cniConfDir, path.dirname(cfg.address), path.dirname(cfg.logFile)]) fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
      this.#cgroups.create(cfg.cgroup);
    } catch (e) {
      throw new ContainerdError('setup', `preparing containerd's directories and cgroup ${cfg.cgroup} failed: ${(e as Error).message}`, { cause: e });
    }
    await this.#stopStale();
    const streamServerPort = await freeLoopbackPort();
    fs.writeFileSync(cfg.configFile, renderContainerdConfig({ ...cfg, streamServerPort }), { mode: 0o600 });
    await this.#spawnAndWait();
    this.#loop = this.#supervise();
  }

  /** A containerd left running by an agent that was killed (found by its pid file) is stopped first. */
  async #stopStale(): Promise<void> {
    const pidFile = path.join(this.#cfg.state, 'containerd.pid');
    let pid: number;
    try {
      pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    } catch {
      return;
    }
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return;
    }
    if (!cmdline.includes(this.#cfg.configFile)) return;
    this.#log.warn('stopping a containerd left over from an earlier run', { pid });
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 200 && fs.existsSync(`/proc/${pid}`); i++) await sleep(this.#clock, 50);
    if (fs.existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  }

  async #spawnAndWait(): Promise<void> {
    const cfg = this.#cfg;
    const out = fs.openSync(cfg.logFile, 'a');
    // setpriv --pdeathsig: containerd dies with the agent process even on SIGKILL (shims do not).
    const setpriv = findExecutable('setpriv', cfg.searchPath);
    const [cmd, args] = setpriv ? [setpriv, ['--pdeathsig', 'KILL', this.#binary, '--config', cfg.configFile]] : [this.#binary, ['--config', cfg.configFile]];
    fs.rmSync(cfg.address, { force: true });
    const started = this.#clock.now();
    const child = spawn(cmd, args, { stdio: ['ignore', out, out], detached: true, env: { PATH: cfg.searchPath, HOME: '/root' } });
    fs.closeSync(out);
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let exitInfo: string | undefined;
    child.once('exit', (code, signal) => (exitInfo = signal ? `signal ${signal}` : `code ${code}`));
    child.once('error', (e) => (exitInfo = e.message));
    if (child.pid === undefined) {
      await this.#exited.catch(() => undefined);
      throw new ContainerdError('start-failed', `containerd could not be started: ${exitInfo ?? 'no pid'}`);
    }
    try {
      this.#cgroups.attach(cfg.cgroup, child.pid);
    } catch (e) {
      this.#log.warn('could not move containerd into its cgroup', { cgroup: cfg.cgroup, error: (e as Error).message });
    }
    fs.writeFileSync(path.join(cfg.state, 'containerd.pid'), String(child.pid));
    const timeout = cfg.socketTimeoutMs ?? 30_000;
    while (!(await canConnect(cfg.address))) {
      if (exitInfo) throw new ContainerdError('start-failed', `containerd exited during start-up (${exitInfo}); see ${cfg.logFile}:\n${tail(cfg.logFile)}`);
      if (this.#clock.now() - started > timeout) {
        child.kill('SIGKILL');
        throw new ContainerdError('start-failed', `containerd did not open ${cfg.address} within ${timeout} ms; see ${cfg.logFile}:\n${tail(cfg.logFile)}`);
      }
      await sleep(this.#clock, 20);
    }
    this.#log.info('containerd is running', { pid: child.pid, socket: cfg.address, ms: this.#clock.now() - started, log: cfg.logFile });
  }

  async #supervise(): Promise<void> {
    const signal = this.#stopping.signal;
    let backoff = this.#cfg.initialBackoffMs ?? 200;
    const maxBackoff = this.#cfg.maxBackoffMs ?? 30_000;
    while (!signal.aborted) {
      const since = this.#clock.now();
      await this.#exited;
      if (signal.aborted) return;
      const child = this.#child;
      this.#log.warn('containerd exited; restarting', { pid: child?.pid, code: child?.exitCode, signal: child?.signalCode, inMs: backoff });
      if (this.#clock.now() - since > 60_000) backoff = this.#cfg.initialBackoffMs ?? 200;
      if (!(await sleep(this.#clock, backoff, signal))) return;
      backoff = Math.min(backoff * 2, maxBackoff);
      try {
        await this.#spawnAndWait();
        this.#restarts++;
      } catch (e) {
        this.#log.error('containerd restart failed', { error: (e as Error).message });
      }
    }
  }

  /** SIGTERM (SIGKILL after `graceMs`); running containers keep running in their shims. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping.abort();
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const exited = new AbortController();
      void sleep(this.#clock, graceMs, exited.signal).then((timedOut) => {
        if (timedOut && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      await this.#exited;
      exited.abort();
    }
    await this.#loop;
    fs.rmSync(path.join(this.#cfg.state, 'containerd.pid'), { force: true });
    this.#log.info('containerd stopped');
  }
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
