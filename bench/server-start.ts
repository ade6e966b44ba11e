// Time from `k3ts server` exec to /readyz answering ok: a first start (certificates, empty
// datastore) and warm restarts on the same data dir, median of N each, plus idle RSS after start.
// Usage: npx tsx bench/server-start.ts [runs]
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const runs = Number(process.argv[2] ?? 5);
const bin = path.resolve(__dirname, '..', 'dist', 'k3ts');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function readyz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, timeout: 500 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'ok'));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

async function startOnce(dataDir: string): Promise<{ ms: number; child: ChildProcess; port: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(bin, ['server', '-d', dataDir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '-o', path.join(dataDir, 'kc.yaml'), '--disable-agent'], { stdio: 'ignore' });
  const deadline = t0 + 30_000;
  for (;;) {
    if (await readyz(port)) return { ms: performance.now() - t0, child, port };
    if (performance.now() > deadline) throw new Error('server did not become ready in 30 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function stop(child: ChildProcess): Promise<void> {
  const done = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await done;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-bench-start-'));
  try {
    const first: number[] = [];
    const warm: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const dir = path.join(root, `d${i}`);
      const a = await startOnce(dir);
      first.push(a.ms);
      await stop(a.child);
      const b = await startOnce(dir);
      warm.push(b.ms);
      await new Promise((r) => setTimeout(r, 1000)); // let start-up garbage settle before reading RSS
      rss.push(rssKiB(b.child.pid!));
      await stop(b.child);
    }
    console.log(`k3ts server → /readyz ok (${runs} runs each, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})`);
    console.log(`first start (certs + empty db): median ${median(first).toFixed(0)} ms  [${first.map((x) => x.toFixed(0)).join(', ')}]`);
    console.log(`warm restart:                  median ${median(warm).toFixed(0)} ms  [${warm.map((x) => x.toFixed(0)).join(', ')}]`);
    console.log(`idle RSS 1 s after ready:      median ${(median(rss) / 1024).toFixed(1)} MiB`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
