// A k3ts server WITH its agent (real containerd, real pods) for the agent suites: test images are
// built into <data-dir>/agent/images first; stop() deletes every pod through the API, stops the
// server, then removes whatever the agent left on the host (shims, mounts, bridge, cgroups, run dir).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { cgroupRootFor, runDirFor } from '../../pkg/agent/agent-config';
import { killall } from '../../pkg/agent/killall';
import { findExecutable } from '../../pkg/containerd/containerd-supervisor';
import { buildTestImages } from '../../pkg/images/test-images';
import { builtBinary, freePort, PATH_WITH_HOST_TOOLS, startProcess, type RunningProcess } from './binary';
import { KUBECTL, eventually } from './cluster';

export interface AgentServer {
  readonly dir: string;
  readonly dataDir: string;
  readonly runDir: string;
  readonly nodeName: string;
  readonly port: number;
  readonly kubeconfig: string;
  readonly process: RunningProcess;
  kubectl(args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>;
  /** kubectl that throws on failure and returns stdout. */
  ok(args: readonly string[], input?: string): Promise<string>;
  json(args: readonly string[]): Promise<Record<string, any>>;
  /** Stops the server (SIGTERM, or SIGKILL with `kill`) and starts it again on the same data dir. */
  restart(opts?: { kill?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** Why the agent suites cannot run here, or undefined when they can (root + containerd + busybox-static). */
export function agentSuiteUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  const p = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  for (const tool of ['containerd', 'runc', 'ctr', 'busybox']) if (!findExecutable(tool, p)) return `${tool} is not installed (scripts/debian-packages.txt)`;
  if (!fs.existsSync('/usr/lib/cni/bridge') && !fs.existsSync('/opt/cni/bin/bridge')) return 'the CNI plugins are not installed';
  return undefined;
}

export async function startAgentServer(opts: { nodeName: string; extraArgs?: readonly string[] }): Promise<AgentServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-agent-e2e-'));
  const dataDir = path.join(dir, 'data');
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  buildTestImages(path.join(dataDir, 'agent', 'images'));
  const port = await freePort();
  // --disable traefik: its pod would try to pull its image from the internet, and its LoadBalancer
  // Service would hold ports 80/443 of this host (test/addons.e2e.test.ts covers traefik).
  const args = ['server', '--data-dir', dataDir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--write-kubeconfig', kubeconfig, '--node-name', opts.nodeName, '--kubelet-arg', 'port=0', '--disable', 'traefik', ...(opts.extraArgs ?? [])];
  const launch = async () => {
    const p = startProcess(builtBinary(), args, { cwd: dir, env: { PATH: PATH_WITH_HOST_TOOLS, HOME: dir } });
    await p.waitFor(/k3ts server is ready/, 90_000);
    return p;
  };
  let proc: RunningProcess;
  try {
    proc = await launch();
  } catch (e) {
    killall({ runDir: runDirFor(dataDir), mountRoots: [dataDir], cgroupRoot: cgroupRootFor(dataDir), bridge: 'k3ts0' });
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const kubectl: AgentServer['kubectl'] = async (kargs, kopts = {}) => {
    const r = await execa(KUBECTL, [...kargs], { reject: false, input: kopts.input, timeout: kopts.timeoutMs ?? 60_000, env: { PATH: PATH_WITH_HOST_TOOLS, HOME: dir, KUBECONFIG: kubeconfig }, extendEnv: false });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const ok = async (kargs: readonly string[], input?: string) => {
    const r = await kubectl(kargs, { input });
    if (r.exitCode !== 0) throw new Error(`kubectl ${kargs.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const runDir = runDirFor(dataDir);
  return {
    dir,
    dataDir,
    runDir,
    nodeName: opts.nodeName,
    port,
    kubeconfig,
    get process() {
      return proc;
    },
    kubectl,
    ok,
    json: async (kargs) => JSON.parse(await ok([...kargs, '-o', 'json'])),
    async restart(ropts = {}) {
      if (ropts.kill) proc.child.kill('SIGKILL');
      const code = await proc.stop(30_000);
      if (code !== 0 && !ropts.kill) throw new Error(`server exited with ${code} on SIGTERM:\n${proc.output().slice(-4000)}`);
      proc = await launch();
    },
    async stop() {
      if (proc.child.exitCode === null) {
        // Owners first, or their controllers would make new pods while we delete.
        for (const kind of ['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs']) await kubectl(['delete', kind, '--all', '--all-namespaces', '--wait=false']);
        await kubectl(['delete', 'pods', '--all', '--all-namespaces', '--grace-period=1', '--wait=false']);
        await eventually(async () => (await kubectl(['get', 'pods', '-A', '-o', 'name'])).stdout.trim() === '', 'every pod to be torn down', 60_000).catch(() => undefined);
      }
      await proc.stop(30_000);
      killall({ runDir, mountRoots: [dataDir], cgroupRoot: cgroupRootFor(dataDir), bridge: 'k3ts0' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
