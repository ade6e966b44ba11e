#!/usr/bin/env node
// Build the k3ts single executable.
//
//   npm run build                      → dist/k3ts        (linux/x64, this machine's node)
//   npm run build -- --arch arm64      → dist/k3ts-arm64  (cross: node from npm, addon via aarch64 g++,
//                                                          SEA blob made by the arm64 node under qemu)
//   options: --no-code-cache  --out FILE  --skip-smoke
//
// Steps: native addon for the target → esbuild bundle (with the asset table defined in) → SEA blob
// (assets + code cache) → copy of node, stripped → postject → size check (< 100 MB) → smoke test.
import { execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { embeddedAssetFiles } from './assets.mjs';
import { prepareArm64 } from './cross-arm64.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const SIZE_LIMIT = 100 * 1000 * 1000;

function parseArgs(argv) {
  const opts = { arch: 'x64', codeCache: true, out: undefined, smoke: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--arch') opts.arch = argv[++i];
    else if (a.startsWith('--arch=')) opts.arch = a.slice(7);
    else if (a === '--no-code-cache') opts.codeCache = false;
    else if (a === '--out') opts.out = argv[++i];
    else if (a === '--skip-smoke') opts.smoke = false;
    else throw new Error(`unknown build option ${a} (expected --arch x64|arm64, --no-code-cache, --out FILE, --skip-smoke)`);
  }
  if (opts.arch !== 'x64' && opts.arch !== 'arm64') throw new Error(`unsupported --arch ${opts.arch}: expected x64 or arm64`);
  opts.out = path.resolve(ROOT, opts.out ?? (opts.arch === 'x64' ? 'dist/k3ts' : `dist/k3ts-${opts.arch}`));
  return opts;
}

const log = (msg) => process.stderr.write(`== ${msg}\n`);
const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function targetToolchain(arch) {
  if (arch === 'x64') {
    if (process.arch !== 'x64') throw new Error('the x64 build must run on x64');
    const addon = path.join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    if (!fs.existsSync(addon)) throw new Error(`${addon} is missing: run npm ci first`);
    return { node: process.execPath, addon, runNode: [process.execPath], strip: 'strip', runner: [] };
  }
  return prepareArm64({ root: ROOT, nodeVersion: process.versions.node, log });
}

async function bundle(outDir, defines) {
  const outfile = path.join(outDir, 'k3ts.cjs');
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'cmd/k3ts/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: Object.fromEntries(Object.entries(defines).map(([k, v]) => [k, JSON.stringify(v)])),
  });
  return outfile;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const tc = targetToolchain(opts.arch);
  // A non-default --out gets its own work dir, so several builds can run at once.
  const defaultOut = opts.out === path.resolve(ROOT, opts.arch === 'x64' ? 'dist/k3ts' : `dist/k3ts-${opts.arch}`);
  const work = defaultOut ? path.join(ROOT, '.build', opts.arch) : `${opts.out}.work`;
  fs.mkdirSync(work, { recursive: true });
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });

  // Assets: the addon for the target arch plus packaged files; the table is compiled in.
  const files = { 'better_sqlite3.node': tc.addon, ...embeddedAssetFiles(ROOT) };
  const assets = Object.entries(files).map(([key, file]) => ({ key, sha256: sha256(file), size: fs.statSync(file).size }));
  const bundleHash = crypto.createHash('sha256').update(assets.map((a) => `${a.key}\0${a.sha256}\n`).join('')).digest('hex');

  log(`esbuild bundle (${opts.arch})`);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const main = await bundle(work, {
    __K3TS_VERSION__: `v1.36.0+k3ts${pkg.version.split('.')[1] ?? '0'}`,
    __K3TS_COMMIT__: gitCommit(),
    __K3TS_BUILD_DATE__: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    __K3TS_ASSETS__: { hash: bundleHash, assets },
  });
  log(`bundle ${(fs.statSync(main).size / 1e6).toFixed(2)} MB, ${assets.length} assets, bundle hash ${bundleHash.slice(0, 16)}`);

  const blob = path.join(work, 'sea-prep.blob');
  const seaConfig = path.join(work, 'sea-config.json');
  fs.writeFileSync(seaConfig, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: opts.codeCache && tc.codeCache !== false, assets: files }, null, 2));
  log(`SEA blob (code cache: ${opts.codeCache && tc.codeCache !== false})`);
  // The code cache is V8- and arch-specific: the target's own node must make the blob.
  run(tc.runNode[0], [...tc.runNode.slice(1), '--experimental-sea-config', seaConfig]);

  log('copy node, strip, inject');
  const tmpOut = `${opts.out}.tmp`;
  fs.rmSync(tmpOut, { force: true });
  fs.copyFileSync(tc.node, tmpOut);
  fs.chmodSync(tmpOut, 0o755);
  run(tc.strip, [tmpOut]);
  const postject = path.join(ROOT, 'node_modules/postject/dist/cli.js');
  const pj = spawnSync(process.execPath, [postject, tmpOut, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE], { encoding: 'utf8' });
  if (pj.status !== 0) throw new Error(`postject failed:\n${pj.stdout}${pj.stderr}`);
  fs.renameSync(tmpOut, opts.out);

  const size = fs.statSync(opts.out).size;
  if (opts.smoke) {
    log('smoke test');
    const tmp = fs.mkdtempSync(path.join(path.dirname(opts.out), '.smoke-'));
    try {
      const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: tmp };
      process.stderr.write(run(tc.runner[0] ?? opts.out, [...tc.runner.slice(1), ...(tc.runner.length ? [opts.out] : []), '--version'], { cwd: tmp, env }));
      process.stderr.write(run(tc.runner[0] ?? opts.out, [...tc.runner.slice(1), ...(tc.runner.length ? [opts.out] : []), 'self-test', '--data-dir', tmp], { cwd: tmp, env }));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  const mb = (size / 1e6).toFixed(1);
  process.stdout.write(`built ${path.relative(ROOT, opts.out)}: ${mb} MB (${size} bytes, limit 100 MB) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (size >= SIZE_LIMIT) throw new Error(`${opts.out} is ${mb} MB: over the 100 MB limit`);
}

main().catch((e) => {
  process.stderr.write(`build failed: ${e.message}\n`);
  process.exit(1);
});
