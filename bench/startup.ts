// Start-up cost of the executable: wall time of `dist/k3ts --version` (median and p90 of N runs)
// against `node -e 0` measured in the same run, plus the time to extract assets on a first
// server start vs reuse on a second. Usage: npx tsx bench/startup.ts [runs]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const runs = Number(process.argv[2] ?? 15);
const bin = path.resolve(__dirname, '..', 'dist', 'k3ts');
if (!fs.existsSync(bin)) throw new Error(`${bin} missing: npm run build first`);

function time(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore', cwd: os.tmpdir() });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function stats(xs: number[]): { median: number; p90: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p90: s[Math.min(s.length - 1, Math.floor(s.length * 0.9))]! };
}

function measure(cmd: string, args: string[]) {
  time(cmd, args); // warm the page cache
  return stats(Array.from({ length: runs }, () => time(cmd, args)));
}

const node = measure(process.execPath, ['-e', '0']);
const version = measure(bin, ['--version']);
const selfTestFresh = stats(Array.from({ length: Math.min(runs, 7) }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-bench-'));
  try {
    return time(bin, ['self-test', '--data-dir', dir]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}));
const reuseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-bench-'));
time(bin, ['self-test', '--data-dir', reuseDir]);
const selfTestReuse = measure(bin, ['self-test', '--data-dir', reuseDir]);
fs.rmSync(reuseDir, { recursive: true, force: true });

const f = (x: number) => `${x.toFixed(1)} ms`;
console.log(`runs: ${runs}  binary: ${(fs.statSync(bin).size / 1e6).toFixed(1)} MB`);
console.log(`node -e 0 (baseline)              median ${f(node.median)}  p90 ${f(node.p90)}`);
console.log(`k3ts --version                    median ${f(version.median)}  p90 ${f(version.p90)}  ratio ${(version.median / node.median).toFixed(2)}x`);
console.log(`k3ts self-test, first extraction  median ${f(selfTestFresh.median)}  p90 ${f(selfTestFresh.p90)}`);
console.log(`k3ts self-test, reusing data dir  median ${f(selfTestReuse.median)}  p90 ${f(selfTestReuse.p90)}`);
