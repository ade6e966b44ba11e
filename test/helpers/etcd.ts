// A private etcd (the host's /usr/bin/etcd) on free loopback ports in a temp dir, for suites that
// need what only a real datastore does on demand: compaction, so that old resourceVersions are
// gone and the API answers 410. Compaction goes through etcd's JSON gateway (/v3/kv/compaction).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, startProcess, type RunningProcess } from './binary';
import { eventually } from './cluster';

export const ETCD = '/usr/bin/etcd';

export function etcdAvailable(): boolean {
  return fs.existsSync(ETCD);
}

export interface TestEtcd {
  /** http://127.0.0.1:PORT, for --datastore-endpoint. */
  readonly endpoint: string;
  readonly process: RunningProcess;
  /** The current revision of the whole keyspace. */
  revision(): Promise<number>;
  /** Compacts every revision below `revision` (physically, so it is done when this resolves). */
  compact(revision: number): Promise<void>;
  stop(): Promise<void>;
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`etcd ${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

export async function startEtcd(): Promise<TestEtcd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const proc = startProcess(
    ETCD,
    [
      '--name', 'k3ts-test',
      '--data-dir', path.join(dir, 'data'),
      '--listen-client-urls', client,
      '--advertise-client-urls', client,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `k3ts-test=${peer}`,
      '--log-level', 'warn',
    ],
    { cwd: dir, env: { PATH: '/usr/bin', HOME: dir } },
  );
  const stop = async () => {
    await proc.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually(async () => {
      if (proc.child.exitCode !== null) throw new Error(`etcd exited (${proc.child.exitCode}):\n${proc.output()}`);
      const r = await fetch(`${client}/health`);
      return r.ok && ((await r.json()) as { health?: string }).health === 'true';
    }, 'etcd to be healthy', 30_000);
  } catch (e) {
    await stop();
    throw e;
  }
  const revision = async () => {
    const header = (await post(`${client}/v3/kv/range`, { key: Buffer.from('\0').toString('base64') })).header as { revision?: string } | undefined;
    return Number(header?.revision ?? NaN);
  };
  return {
    endpoint: client,
    process: proc,
    revision,
    async compact(rev) {
      await post(`${client}/v3/kv/compaction`, { revision: String(rev), physical: true });
    },
    stop,
  };
}
