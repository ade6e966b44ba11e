// Builds the air-gap bundle k3ts-airgap-<arch>.tar.gz: everything `./install.sh` needs on a host
// with no network at all.
//   npm run package:airgap [-- --arch x64|arm64] [--out DIR] [--binary FILE]
// Layout (under k3ts-airgap-<arch>/):
//   install.sh, README.txt, k3ts-airgap.manifest (sha256 of every file)
//   bin/k3ts                       the single executable (dist/k3ts or dist/k3ts-arm64, built first)
//   runtime/bin/                   containerd, containerd-shim-runc-v2, ctr, runc  (from Debian's packages)
//   runtime/cni/                   bridge, host-local, loopback, portmap, bandwidth, firewall
//   images/k3ts-images.tar         pause and busybox (OCI layout; the agent imports it at start)
// x64 takes the runtime from this host's installed Debian packages; arm64 downloads the arm64
// packages with apt-get (needs `dpkg --add-architecture arm64 && apt-get update` once).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBusyboxImage } from '../pkg/images/busybox-image';
import { buildPauseImage } from '../pkg/images/pause-image';

const ROOT = path.resolve(__dirname, '..');
const RUNTIME_BIN = ['containerd', 'containerd-shim-runc-v2', 'ctr', 'runc'];
const CNI = ['bridge', 'host-local', 'loopback', 'portmap', 'bandwidth', 'firewall'];
const PACKAGES = ['containerd', 'runc', 'containernetworking-plugins', 'busybox-static'];

function args(): { arch: 'x64' | 'arm64'; out: string; binary?: string } {
  const argv = process.argv.slice(2);
  const get = (n: string) => {
    const i = argv.indexOf(n);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const arch = get('--arch') ?? 'x64';
  if (arch !== 'x64' && arch !== 'arm64') throw new Error(`--arch ${arch}: expected x64 or arm64`);
  const binary = get('--binary');
  return { arch, out: path.resolve(get('--out') ?? path.join(ROOT, 'dist')), binary: binary ? path.resolve(binary) : undefined };
}

/** Where each needed file is, from installed packages (x64) or from downloaded .debs (arm64). */
function packageRoot(arch: 'x64' | 'arm64', work: string): string {
  if (arch === 'x64') return '/';
  const foreign = execFileSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' });
  if (!foreign.split('\n').includes('arm64')) throw new Error('the arm64 bundle needs the arm64 Debian packages: run "dpkg --add-architecture arm64 && apt-get update" first');
  const debs = path.join(work, 'debs');
  const root = path.join(work, 'root');
  fs.mkdirSync(debs, { recursive: true });
  execFileSync('apt-get', ['download', ...PACKAGES.map((p) => `${p}:arm64`)], { cwd: debs, stdio: 'inherit' });
  for (const deb of fs.readdirSync(debs)) execFileSync('dpkg-deb', ['-x', path.join(debs, deb), root]);
  return root;
}

function find(root: string, name: string, dirs: readonly string[]): string {
  for (const d of dirs) {
    const f = path.join(root, d, name);
    if (fs.existsSync(f)) return f;
  }
  throw new Error(`${name} not found under ${dirs.map((d) => path.join(root, d)).join(', ')}: install ${PACKAGES.join(' ')}`);
}

async function main(): Promise<void> {
  const { arch, out, binary: given } = args();
  const binary = given ?? path.join(ROOT, 'dist', arch === 'x64' ? 'k3ts' : 'k3ts-arm64');
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: run "npm run build${arch === 'x64' ? '' : ' -- --arch arm64'}" first`);
  const name = `k3ts-airgap-${arch}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-airgap-'));
  try {
    const pkgRoot = packageRoot(arch, work);
    const top = path.join(work, name);
    const put = (from: string, rel: string, mode: number) => {
      const to = path.join(top, rel);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
      fs.chmodSync(to, mode);
    };
    put(binary, 'bin/k3ts', 0o755);
    put(path.join(ROOT, 'install.sh'), 'install.sh', 0o755);
    for (const b of RUNTIME_BIN) put(find(pkgRoot, b, ['usr/bin', 'usr/sbin']), `runtime/bin/${b}`, 0o755);
    for (const c of CNI) put(find(pkgRoot, c, ['usr/lib/cni', 'opt/cni/bin']), `runtime/cni/${c}`, 0o755);
    // One image archive per image (the agent imports each tarball in agent/images/).
    const ociArch = arch === 'x64' ? 'amd64' : 'arm64';
    fs.mkdirSync(path.join(top, 'images'), { recursive: true });
    fs.writeFileSync(path.join(top, 'images', 'pause.tar'), buildPauseImage(ociArch).archive);
    fs.writeFileSync(path.join(top, 'images', 'busybox.tar'), buildBusyboxImage({ name: 'k3ts.local/busybox:1', arch: ociArch, busybox: find(pkgRoot, 'busybox', ['bin', 'usr/bin']) }).archive);
    fs.writeFileSync(
      path.join(top, 'README.txt'),
      [
        `k3ts air-gap bundle (${arch})`,
        '',
        'Install with no network:  sudo ./install.sh            (a server)',
        '                          sudo K3TS_URL=https://<server>:6443 K3TS_TOKEN=<token> ./install.sh   (an agent)',
        '',
        'install.sh copies bin/k3ts to /usr/local/bin, containerd/runc to /usr/local/bin and the CNI',
        'plugins to /opt/cni/bin when the host has none, and the images to',
        '/var/lib/rancher/k3ts/agent/images/, which the agent imports at start.',
        'Images: k3ts.local/pause:1 (sandbox), k3ts.local/busybox:1.',
        '',
      ].join('\n'),
    );
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(path.relative(top, p));
      }
    };
    walk(top);
    const manifest = files.map((f) => `${createHash('sha256').update(fs.readFileSync(path.join(top, f))).digest('hex')}  ${f}`).join('\n');
    fs.writeFileSync(path.join(top, 'k3ts-airgap.manifest'), `${manifest}\n`);
    fs.mkdirSync(out, { recursive: true });
    const tarball = path.join(out, `${name}.tar.gz`);
    execFileSync('tar', ['-czf', tarball, '--owner=0', '--group=0', '--numeric-owner', '-C', work, name]);
    process.stdout.write(`built ${path.relative(process.cwd(), tarball)}: ${(fs.statSync(tarball).size / 1e6).toFixed(1)} MB, ${files.length + 1} files\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`package-airgap: ${e.message}\n`);
  process.exit(1);
});
