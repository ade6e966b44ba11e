// The air-gap bundle: `npm run package:airgap` builds k3ts-airgap-x64.tar.gz; inside a network
// namespace with no route out of the host, install.sh installs from the unpacked bundle (binary,
// containerd, runc, CNI plugins, images), and the installed k3ts server runs a pod from the
// bundle's busybox image with the bundle's containerd.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupRootFor, runDirFor } from '../pkg/agent/agent-config';
import { killall } from '../pkg/agent/killall';
import { agentSuiteUnavailable } from './helpers/agent-cluster';
import { builtBinary, PATH_WITH_HOST_TOOLS, startProcess, type RunningProcess } from './helpers/binary';
import { KUBECTL, eventually } from './helpers/cluster';

const REPO = path.resolve(__dirname, '..');
const unavailable = agentSuiteUnavailable() ?? (process.arch !== 'x64' ? 'x64 only' : undefined);

const run = (file: string, args: readonly string[]) => execFileSync(file, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe.skipIf(unavailable !== undefined)('air-gap bundle', () => {
  const id = randomBytes(3).toString('hex');
  const netns = `k3ts-ag${id}`;
  const hostVeth = `k3ag${id}`;
  // A /30 in 10.240.0.0/12, like the netns harness; the namespace gets no default route at all.
  const prefix = `10.${240 + randomInt(16)}.${randomInt(256)}`;
  const hostIp = `${prefix}.1`;
  const nodeIp = `${prefix}.2`;
  let dir: string;
  let root: string;
  let server: RunningProcess | undefined;
  let kubeconfig: string;
  const dataDir = () => path.join(root, 'data');

  const inNs = (file: string, args: readonly string[], env: Record<string, string>, input?: string) =>
    execa('/usr/bin/nsenter', [`--net=/run/netns/${netns}`, '--', file, ...args], { env, extendEnv: false, reject: false, input, cwd: root });
  const kubectl = async (args: readonly string[]) => {
    const r = await execa(KUBECTL, [...args], { env: { PATH: PATH_WITH_HOST_TOOLS, HOME: dir, KUBECONFIG: kubeconfig }, extendEnv: false, reject: false, timeout: 60_000 });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-airgap-e2e-'));
    root = path.join(dir, 'host');
    fs.mkdirSync(root);
    kubeconfig = path.join(dir, 'kubeconfig.yaml');
    const pack = await execa('npx', ['tsx', path.join(REPO, 'scripts/package-airgap.ts'), '--out', dir, '--binary', builtBinary()], { cwd: REPO, reject: false });
    if (pack.exitCode !== 0) throw new Error(`package-airgap failed:\n${pack.stderr}`);
    run('tar', ['-xzf', path.join(dir, 'k3ts-airgap-x64.tar.gz'), '-C', dir]);
    run('ip', ['netns', 'add', netns]);
    run('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', `${hostVeth}p`]);
    run('ip', ['link', 'set', `${hostVeth}p`, 'netns', netns]);
    run('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostVeth]);
    run('ip', ['link', 'set', hostVeth, 'up']);
    run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', netns, 'link', 'set', `${hostVeth}p`, 'name', 'eth0']);
    run('ip', ['-n', netns, 'addr', 'add', `${nodeIp}/30`, 'dev', 'eth0']);
    run('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
  }, 180_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      await kubectl(['delete', 'pods', '--all', '--grace-period=1', '--wait=false']);
      await eventually(async () => (await kubectl(['get', 'pods', '-o', 'name'])).stdout.trim() === '', 'pods to be torn down', 60_000).catch(() => undefined);
      await server.stop(30_000);
    }
    if (root) killall({ runDir: runDirFor(dataDir()), mountRoots: [dataDir()], cgroupRoot: cgroupRootFor(dataDir()), sameNetworkNamespace: false });
    try {
      run('ip', ['netns', 'del', netns]);
    } catch {
      // not created
    }
    try {
      run('ip', ['link', 'del', hostVeth]);
    } catch {
      // gone with the namespace
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('the namespace has no route out of the host', async () => {
    const r = await inNs('ip', ['route', 'get', '1.1.1.1'], { PATH: PATH_WITH_HOST_TOOLS });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/unreachable/i);
  });

  it('install.sh installs from the bundle with no network, and the server runs a pod from the bundled image', async () => {
    const bin = path.join(root, 'bin');
    const env = {
      PATH: PATH_WITH_HOST_TOOLS,
      INSTALL_K3TS_BIN_DIR: bin,
      INSTALL_K3TS_SYSTEMD_DIR: path.join(root, 'systemd'),
      INSTALL_K3TS_CNI_DIR: path.join(root, 'cni'),
      INSTALL_K3TS_DATA_DIR: dataDir(),
      INSTALL_K3TS_CONFIG_DIR: path.join(root, 'etc'),
      INSTALL_K3TS_SKIP_ENABLE: 'true',
      INSTALL_K3TS_SKIP_START: 'true',
      // A base URL nobody answers: any download attempt would fail the install.
      INSTALL_K3TS_BASE_URL: 'http://192.0.2.1/none',
    };
    const install = await inNs('sh', [path.join(dir, 'k3ts-airgap-x64', 'install.sh')], env);
    expect(install.stderr).not.toContain('[ERROR]');
    expect(install.stdout).toContain('installing k3ts from the air-gap bundle');
    expect(install.exitCode).toBe(0);
    for (const f of ['k3ts', 'containerd', 'containerd-shim-runc-v2', 'runc', 'ctr']) expect(fs.statSync(path.join(bin, f)).mode & 0o111, f).not.toBe(0);
    for (const f of ['bridge', 'host-local', 'loopback', 'portmap']) expect(fs.existsSync(path.join(root, 'cni', f)), f).toBe(true);
    expect(fs.readdirSync(path.join(dataDir(), 'agent', 'images')).sort()).toEqual(['busybox.tar', 'pause.tar']);

    // The installed binary, with the bundle's containerd and runc first on PATH.
    server = startProcess('/usr/bin/nsenter', [`--net=/run/netns/${netns}`, '--', path.join(bin, 'k3ts'), 'server', '--data-dir', dataDir(), '--node-ip', nodeIp, '--write-kubeconfig', kubeconfig, '--node-name', `airgap-${id}`], {
      cwd: root,
      env: { PATH: `${bin}:${PATH_WITH_HOST_TOOLS}`, HOME: root },
    });
    await server.waitFor(/k3ts server is ready/, 120_000);
    fs.writeFileSync(kubeconfig, fs.readFileSync(kubeconfig, 'utf8').replace(/server: https:\/\/[^\s]+/, `server: https://${nodeIp}:6443`));
    const containerdPids = run('pgrep', ['-f', `${bin}/containerd `]).trim();
    expect(containerdPids).not.toBe('');

    const pod = await kubectl(['run', 'hello', '--image=k3ts.local/busybox:1', '--image-pull-policy=Never', '--restart=Never', '--', 'sh', '-c', 'echo air-gapped; sleep 3600']);
    expect(pod.stderr).toBe('');
    await eventually(async () => (await kubectl(['get', 'pod', 'hello', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 'the pod to run', 90_000);
    await eventually(async () => (await kubectl(['logs', 'hello'])).stdout.includes('air-gapped'), 'the pod log', 30_000);
  }, 300_000);
});
