// The foundation, exercised through the built executable only (dist/k3ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtBinary, freePort, PATH_WITH_HOST_TOOLS, PATH_WITHOUT_NODE, runK3ts, startProcess } from './helpers/binary';

describe('k3ts executable', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-launcher-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('is one file under 100 MB', () => {
    expect(fs.statSync(builtBinary()).size).toBeLessThan(100 * 1000 * 1000);
  });

  it('prints its version from any directory with no node on PATH', async () => {
    for (const args of [['--version'], ['version']]) {
      const r = await runK3ts(args, { cwd: tmp });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^k3ts version v1\.36\.\d+\+k3ts\S* \([0-9a-f]{8}|unknown\)/m);
      expect(r.stdout).toContain(`node version ${process.version}`);
      expect(r.stdout).toContain('arch linux/x64');
    }
    const which = await import('execa').then(({ execa }) => execa('/usr/bin/sh', ['-c', 'command -v node || echo none'], { env: { PATH: PATH_WITHOUT_NODE }, extendEnv: false }));
    expect(which.stdout).toBe('none');
  });

  it('lists server flags in --help', async () => {
    const r = await runK3ts(['server', '--help']);
    expect(r.exitCode).toBe(0);
    for (const flag of ['--data-dir', '--config', '--https-listen-port', '--write-kubeconfig', '--write-kubeconfig-mode', '--token', '--token-file', '--server', '--node-name', '--node-ip', '--disable-agent', '--datastore-endpoint', '--debug', '--tls-san', '--cluster-cidr']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('[$K3TS_TOKEN]');
    for (const cmd of ['agent', 'kubectl', 'check-config']) {
      const h = await runK3ts([cmd, '--help']);
      if (cmd === 'kubectl') continue; // pass-through: --help goes to kubectl itself
      expect(h.exitCode).toBe(0);
      expect(h.stdout).toContain(`Usage: k3ts ${cmd}`);
    }
  });

  it('rejects a bad flag with a clear error and a non-zero exit', async () => {
    const r = await runK3ts(['server', '--data-dri', tmp]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("unknown option '--data-dri'");
    expect(r.stderr).toContain('--data-dir');
    const bad = await runK3ts(['server', '--https-listen-port', 'http', '--data-dir', tmp]);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toMatch(/invalid value "http" for --https-listen-port \(command line\): expected an integer/);
  });

  it('rejects an unknown config file key, naming it and the file', async () => {
    const cfg = path.join(tmp, 'config.yaml');
    fs.writeFileSync(cfg, `data-dir: ${tmp}/d\nnot-a-flag: true\n`);
    const r = await runK3ts(['server', '--config', cfg]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`unknown config file key "not-a-flag" (${cfg})`);
    const viaEnv = await runK3ts(['server'], { env: { PATH: PATH_WITHOUT_NODE, K3TS_CONFIG_FILE: cfg } });
    expect(viaEnv.exitCode).not.toBe(0);
    expect(viaEnv.stderr).toContain('"not-a-flag"');
  });

  it('exits with an error, not half-started, when its port is taken', async () => {
    const net = await import('node:net');
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as import('node:net').AddressInfo).port;
      const dataDir = path.join(tmp, 'port-taken');
      const r = await runK3ts(['server', '--data-dir', dataDir, '--disable-agent', '--bind-address', '127.0.0.1', '--https-listen-port', String(port), '--write-kubeconfig', path.join(tmp, 'taken.yaml')], { cwd: tmp, timeout: 45_000 });
      expect(r.stderr).toContain(`k3ts: error: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
      expect(r.exitCode).toBe(1);
    } finally {
      taken.close();
    }
  });

  it('extracts its native addon once and reuses it on the next start', async () => {
    const dataDir = path.join(tmp, 'data-dir');
    const cfg = path.join(tmp, 'server.yaml');
    fs.writeFileSync(cfg, `data-dir: ${dataDir}\ndisable-agent: true\n`);
    const args = async () => ['server', '--config', cfg, '--https-listen-port', String(await freePort()), '--write-kubeconfig', path.join(tmp, 'kubeconfig.yaml')];
    const first = startProcess(builtBinary(), await args(), { cwd: tmp });
    try {
      await first.waitFor(/k3ts server is ready/);
      expect(first.output()).toMatch(/INFO +server\/embed extracted embedded assets dir=\S+\/data\/[0-9a-f]{64}/);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const dirs = fs.readdirSync(path.join(dataDir, 'data')).filter((d) => /^[0-9a-f]{64}$/.test(d));
    expect(dirs).toHaveLength(1);
    const addon = path.join(dataDir, 'data', dirs[0]!, 'better_sqlite3.node');
    const before = fs.statSync(addon);
    expect(fs.readlinkSync(path.join(dataDir, 'data', 'current'))).toBe(dirs[0]);

    const second = startProcess(builtBinary(), await args(), { cwd: tmp });
    try {
      await second.waitFor(/k3ts server is ready/);
      expect(second.output()).toContain('using extracted assets');
      expect(second.output()).not.toContain('extracted embedded assets');
    } finally {
      expect(await second.stop()).toBe(0);
    }
    const after = fs.statSync(addon);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('check-config prints a pass/fail list', async () => {
    const r = await runK3ts(['check-config'], { env: { PATH: PATH_WITH_HOST_TOOLS } });
    expect(r.stdout).toMatch(/^cgroups:$/m);
    expect(r.stdout).toMatch(/^binaries:$/m);
    expect(r.stdout).toMatch(/^ {2}(PASS|FAIL) +runc /m);
    expect(r.stdout).toMatch(/^STATUS: /m);
    expect(r.exitCode).toBe(/STATUS: pass/.test(r.stdout) ? 0 : 1);
  });

  it('passes kubectl through with the admin kubeconfig, also as a multi-call symlink', async () => {
    const kubeconfig = path.join(tmp, 'kc.yaml');
    fs.writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n', { mode: 0o600 });
    const env = { PATH: PATH_WITH_HOST_TOOLS, KUBECONFIG: kubeconfig, HOME: tmp };
    const r = await runK3ts(['kubectl', 'version', '--client', '-o', 'json'], { env });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).clientVersion.major).toBe('1');
    const link = path.join(tmp, 'bin', 'kubectl');
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(builtBinary(), link);
    const { execa } = await import('execa');
    const m = await execa(link, ['config', 'view', '-o', 'jsonpath={.kind}'], { env: { ...env, PATH: `${path.dirname(link)}:${env.PATH}` }, extendEnv: false, reject: false });
    expect(m.exitCode).toBe(0);
    expect(m.stdout).toBe('Config');
    const missing = await runK3ts(['kubectl', 'get', 'pods'], { env: { PATH: PATH_WITHOUT_NODE, KUBECONFIG: kubeconfig } });
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain('kubectl was not found on PATH');
  });

  it('agent insists on --server and a token', async () => {
    const r = await runK3ts(['agent', '--data-dir', tmp]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('needs --server');
  });
});
