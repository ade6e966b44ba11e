// A k3ts server (the built executable) on free ports in a temp dir, and the real kubectl against it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { RestClient } from '../../pkg/client/rest-client';
import { HttpsTransport } from '../../pkg/client/transport';
import { eventually as pollUntil } from '../../pkg/controllers/testing/eventually';
import { builtBinary, freePort, PATH_WITH_HOST_TOOLS, startProcess, type RunningProcess } from './binary';

export const KUBECTL = '/usr/bin/kubectl';

export interface TestServer {
  readonly dir: string;
  readonly dataDir: string;
  readonly kubeconfig: string;
  readonly port: number;
  readonly process: RunningProcess;
  /** Runs kubectl with this server's admin kubeconfig. */
  kubectl(args: readonly string[], opts?: { input?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>;
  restart(): Promise<void>;
  /** SIGKILL the server (no shutdown at all), then start it again on the same data dir and port. */
  crashAndRestart(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  readonly extraArgs?: readonly string[];
  readonly dir?: string;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-e2e-'));
  const dataDir = path.join(dir, 'data');
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  const port = await freePort();
  const args = ['server', '--data-dir', dataDir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--write-kubeconfig', kubeconfig, '--disable-agent', ...(opts.extraArgs ?? [])];
  const launch = async () => {
    const p = startProcess(builtBinary(), args, { cwd: dir, env: { PATH: PATH_WITH_HOST_TOOLS, HOME: dir } });
    await p.waitFor(/k3ts server is ready/, 60_000);
    return p;
  };
  let proc = await launch();
  const server: TestServer = {
    dir,
    dataDir,
    kubeconfig,
    port,
    get process() {
      return proc;
    },
    async kubectl(kargs, kopts = {}) {
      const r = await execa(KUBECTL, [...kargs], {
        reject: false,
        input: kopts.input,
        timeout: kopts.timeoutMs ?? 60_000,
        env: { PATH: PATH_WITH_HOST_TOOLS, HOME: dir, KUBECONFIG: kubeconfig, ...(kopts.env ?? {}) },
        extendEnv: false,
      });
      return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    async restart() {
      const code = await proc.stop();
      if (code !== 0) throw new Error(`server exited with ${code} on SIGTERM:\n${proc.output()}`);
      proc = await launch();
    },
    async crashAndRestart() {
      const exited = new Promise((r) => proc.child.once('exit', r));
      proc.child.kill('SIGKILL');
      await exited;
      proc = await launch();
    },
    async stop() {
      await proc.stop();
      if (!opts.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Polls `fn` until it returns a truthy value or the deadline passes (e2e defaults: 20 s, every 100 ms). */
export function eventually<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  return pollUntil(fn, what, timeoutMs, intervalMs);
}

/** A REST client for the server's API as the admin (server/tls/client-admin.*). */
export function adminClient(s: Pick<TestServer, 'dataDir' | 'port'>): RestClient {
  const tls = path.join(s.dataDir, 'server', 'tls');
  return new RestClient({
    transport: new HttpsTransport({
      server: `https://127.0.0.1:${s.port}`,
      caPem: fs.readFileSync(path.join(tls, 'server-ca.crt'), 'utf8'),
      certPem: fs.readFileSync(path.join(tls, 'client-admin.crt'), 'utf8'),
      keyPem: fs.readFileSync(path.join(tls, 'client-admin.key'), 'utf8'),
    }),
  });
}
