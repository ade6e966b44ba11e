// install.sh as a user runs it (`curl … | sh -`), against release files served on loopback, with
// every directory it writes pointed at a temp dir; the uninstall script it writes; shellcheck; and
// `k3ts server` telling a notify socket READY=1 only once the API answers.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtBinary, freePort, PATH_WITH_HOST_TOOLS, startProcess } from './helpers/binary';

const REPO = path.resolve(__dirname, '..');
const INSTALL_SH = path.join(REPO, 'install.sh');
const isRoot = process.getuid?.() === 0;

interface Release {
  readonly url: string;
  readonly requests: string[];
  /** Replaces the checksum file's hash (to make the download fail verification). */
  setHash(hash: string | undefined): void;
  close(): Promise<void>;
}

async function serveRelease(binary: string): Promise<Release> {
  const data = fs.readFileSync(binary);
  const realHash = createHash('sha256').update(data).digest('hex');
  let hash = realHash;
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/releases/latest/download/k3ts') return void res.end(data);
    if (req.url === '/releases/latest/download/sha256sum-amd64.txt') return void res.end(`${hash}  k3ts\n${'0'.repeat(64)}  k3ts-arm64\n`);
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/releases`,
    requests,
    setHash: (h) => (hash = h ?? realHash),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const mode = (f: string) => (fs.statSync(f).mode & 0o777).toString(8);

describe.skipIf(!isRoot || process.arch !== 'x64')('install.sh', () => {
  let release: Release;
  let dir: string;
  let binary: string;

  beforeAll(async () => {
    binary = builtBinary();
    release = await serveRelease(binary);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-install-'));
  });
  afterAll(async () => {
    await release?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function dirs(name: string) {
    const root = path.join(dir, name);
    return {
      root,
      bin: path.join(root, 'bin'),
      systemd: path.join(root, 'systemd'),
      data: path.join(root, 'data'),
      config: path.join(root, 'etc'),
      env: (extra: Record<string, string> = {}) => ({
        PATH: PATH_WITH_HOST_TOOLS,
        INSTALL_K3TS_BASE_URL: release.url,
        INSTALL_K3TS_BIN_DIR: path.join(root, 'bin'),
        INSTALL_K3TS_SYSTEMD_DIR: path.join(root, 'systemd'),
        INSTALL_K3TS_DATA_DIR: path.join(root, 'data'),
        INSTALL_K3TS_CONFIG_DIR: path.join(root, 'etc'),
        INSTALL_K3TS_SKIP_ENABLE: 'true',
        INSTALL_K3TS_SKIP_START: 'true',
        ...extra,
      }),
    };
  }

  /** `curl -sfL …/install.sh | sh -s - ARGS`: the script comes on stdin. */
  const runInstall = (env: Record<string, string>, args: readonly string[] = []) =>
    execa('sh', ['-s', '-', ...args], { input: fs.readFileSync(INSTALL_SH), env, extendEnv: false, reject: false });

  it('passes shellcheck', async () => {
    const r = await execa('shellcheck', ['-s', 'sh', INSTALL_SH], { reject: false });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('installs a server: verified binary, links, 0600 env file, a notify unit, killall and uninstall scripts', async () => {
    const d = dirs('server');
    const before = release.requests.length;
    const r = await runInstall(d.env({ K3TS_TOKEN: "s3cr'et", K3TS_NODE_NAME: 'n1' }), ['server', '--tls-san', 'k3ts.example']);
    expect(r.stderr + r.stdout).toContain('k3ts server installed as service k3ts');
    expect(r.exitCode).toBe(0);
    expect(release.requests.slice(before)).toEqual(['/releases/latest/download/sha256sum-amd64.txt', '/releases/latest/download/k3ts']);

    const k3ts = path.join(d.bin, 'k3ts');
    expect(fs.readFileSync(k3ts).equals(fs.readFileSync(binary))).toBe(true);
    expect(mode(k3ts)).toBe('755');
    expect((await execa(k3ts, ['--version'])).stdout).toMatch(/^k3ts version v1\.36/);
    // kubectl and ctr exist on this host: no link; crictl does not: linked to k3ts.
    expect(fs.existsSync(path.join(d.bin, 'kubectl'))).toBe(false);
    expect(fs.readlinkSync(path.join(d.bin, 'crictl'))).toBe('k3ts');

    const unit = fs.readFileSync(path.join(d.systemd, 'k3ts.service'), 'utf8');
    for (const line of ['Type=notify', 'Delegate=yes', 'KillMode=process', 'Restart=always', `EnvironmentFile=-${d.systemd}/k3ts.service.env`]) expect(unit).toContain(line);
    expect(unit).toContain(`ExecStart=${k3ts} server '--tls-san' 'k3ts.example'`);
    const envFile = path.join(d.systemd, 'k3ts.service.env');
    expect(mode(envFile)).toBe('600');
    expect(fs.readFileSync(envFile, 'utf8').split('\n').sort().filter(Boolean)).toEqual(["K3TS_NODE_NAME='n1'", "K3TS_TOKEN='s3cr'\\''et'"]);
    // The env file is valid shell (openrc sources it) and gives back the exact token.
    expect((await execa('sh', ['-c', `. '${envFile}'; printf %s "$K3TS_TOKEN"`])).stdout).toBe("s3cr'et");

    for (const script of ['k3ts-killall.sh', 'k3ts-uninstall.sh']) {
      const f = path.join(d.bin, script);
      expect(mode(f)).toBe('755');
      const sc = await execa('shellcheck', ['-s', 'sh', f], { reject: false });
      expect(sc.stdout, script).toBe('');
    }
  });

  it('skips the download when the installed binary already has the release hash', async () => {
    const d = dirs('server');
    const before = release.requests.length;
    const r = await runInstall(d.env());
    expect(r.exitCode).toBe(0);
    expect(r.stdout + r.stderr).toContain('already this release');
    expect(release.requests.slice(before)).toEqual(['/releases/latest/download/sha256sum-amd64.txt']);
  });

  it('refuses a download whose checksum does not match and installs nothing', async () => {
    const d = dirs('badsum');
    release.setHash('f'.repeat(64));
    try {
      const r = await runInstall(d.env());
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain(`checksum mismatch for k3ts: expected ${'f'.repeat(64)}`);
      expect(fs.existsSync(path.join(d.bin, 'k3ts'))).toBe(false);
      expect(fs.existsSync(path.join(d.systemd, 'k3ts.service'))).toBe(false);
    } finally {
      release.setHash(undefined);
    }
  });

  it('K3TS_URL makes an agent and needs a token', async () => {
    const d = dirs('agent');
    const noToken = await runInstall(d.env({ K3TS_URL: 'https://10.0.0.1:6443' }));
    expect(noToken.exitCode).not.toBe(0);
    expect(noToken.stderr).toContain('an agent needs K3TS_TOKEN or K3TS_TOKEN_FILE');
    const plain = await runInstall(d.env({ K3TS_URL: 'http://10.0.0.1:6443', K3TS_TOKEN: 't' }));
    expect(plain.stderr).toContain('K3TS_URL must start with https://');

    const r = await runInstall(d.env({ K3TS_URL: 'https://10.0.0.1:6443', K3TS_TOKEN: 'K10abc::server:pw' }));
    expect(r.exitCode).toBe(0);
    const unit = fs.readFileSync(path.join(d.systemd, 'k3ts-agent.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${path.join(d.bin, 'k3ts')} agent\n`);
    expect(fs.readFileSync(path.join(d.systemd, 'k3ts-agent.service.env'), 'utf8')).toContain("K3TS_URL='https://10.0.0.1:6443'");
    expect(fs.existsSync(path.join(d.bin, 'k3ts-agent-uninstall.sh'))).toBe(true);
  });

  it('the uninstall script removes everything the install wrote', async () => {
    const d = dirs('uninstall');
    expect((await runInstall(d.env())).exitCode).toBe(0);
    fs.mkdirSync(path.join(d.data, 'server'), { recursive: true });
    fs.mkdirSync(d.config, { recursive: true });
    // In a network namespace of its own: the killall it runs removes k3ts's iptables rules and
    // bridge, which must not touch other suites' agents in this host's namespace.
    const r = await execa('unshare', ['--net', path.join(d.bin, 'k3ts-uninstall.sh')], { env: { PATH: PATH_WITH_HOST_TOOLS }, extendEnv: false, reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(fs.readdirSync(d.bin)).toEqual([]);
    expect(fs.readdirSync(d.systemd)).toEqual([]);
    expect(fs.existsSync(d.data)).toBe(false);
    expect(fs.existsSync(d.config)).toBe(false);
  });
});

describe.skipIf(!isRoot || !fs.existsSync('/usr/bin/socat') || !fs.existsSync('/usr/bin/systemd-notify'))('k3ts server under a notify unit', () => {
  it('sends READY=1 only once the API answers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-notify-'));
    const sock = path.join(dir, 'notify.sock');
    const listener = spawn('socat', ['-u', `UNIX-RECV:${sock}`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let got = '';
    let readyzAtNotify: number | undefined;
    const port = await freePort();
    const readyz = () =>
      new Promise<number>((resolve) => {
        const req = https.get({ host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, timeout: 2000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
      });
    listener.stdout.on('data', (d: Buffer) => {
      const first = !got.includes('READY=1');
      got += d.toString();
      if (first && got.includes('READY=1')) void readyz().then((s) => (readyzAtNotify = s));
    });
    const server = startProcess(builtBinary(), ['server', '--data-dir', path.join(dir, 'data'), '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--disable-agent', '--write-kubeconfig', path.join(dir, 'kc')], {
      cwd: dir,
      env: { PATH: PATH_WITH_HOST_TOOLS, HOME: dir, NOTIFY_SOCKET: sock },
    });
    try {
      await server.waitFor(/k3ts server is ready/, 90_000);
      const deadline = Date.now() + 10_000;
      while (readyzAtNotify === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(got).toContain('READY=1');
      expect(got).toContain('STATUS=k3ts server is ready');
      expect(readyzAtNotify).toBe(200);
    } finally {
      await server.stop(30_000);
      listener.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

