// etcd put rate through the k3ts etcd driver vs raw etcd Puts over the same gRPC client, on the same
// etcd, in the same run: `npx tsx bench/storage-etcd.ts [--endpoint http://127.0.0.1:2379]`
// (default: $K3TS_TEST_ETCD_URL, see scripts/start-test-databases.sh). Raw Put is the ceiling: the
// driver's create/update are etcd Txns with a compare, which is what optimistic concurrency costs.
// bench/storage.ts calls benchEtcdPuts() and prints the lines from formatEtcdFigures().
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createEtcdBackend } from '../pkg/storage/drivers/etcd';
import { EtcdRpc } from '../pkg/storage/drivers/etcd/etcd-rpc';
import { measureRate, randomValue, type Rate } from './storage';

export interface EtcdPutFigures {
  readonly endpoint: string;
  readonly valueBytes: number;
  readonly concurrency: number;
  /** One request at a time. */
  readonly rawPut: Rate;
  readonly driverCreate: Rate;
  readonly driverUpdate: Rate;
  /** `concurrency` requests in flight (etcd batches concurrent proposals into one raft entry). */
  readonly rawPutParallel: Rate;
  readonly driverCreateParallel: Rate;
}

export interface EtcdBenchOptions {
  readonly endpoint: string;
  /** Value size in bytes (default 1024). */
  readonly valueBytes?: number;
  /** Minimum duration of each measurement (default 1500 ms). */
  readonly minMs?: number;
  /** Requests in flight for the parallel figures (default 16). */
  readonly concurrency?: number;
}

/** Runs `workers` sequential loops of `op` side by side for at least `minMs`; returns the total rate. */
async function measureParallel(op: (i: number) => Promise<unknown>, workers: number, minMs: number): Promise<Rate> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() - start < minMs) await op(next++);
    }),
  );
  const ms = performance.now() - start;
  return { ops: next, ms, perSec: (next / ms) * 1000 };
}

export async function benchEtcdPuts(opts: EtcdBenchOptions): Promise<EtcdPutFigures> {
  const valueBytes = opts.valueBytes ?? 1024;
  const minMs = opts.minMs ?? 1500;
  const concurrency = opts.concurrency ?? 16;
  const value = randomValue(valueBytes);
  const root = `/k3ts-bench/${randomUUID().slice(0, 8)}/`;
  const raw = new EtcdRpc([opts.endpoint], undefined, 30_000);
  const backend = createEtcdBackend({ endpoints: [opts.endpoint], keyPrefix: `${root}driver` });
  await backend.start();
  try {
    const rawValue = Buffer.from(value);
    const rawPut = await measureRate((i) => raw.unary('KV/Put', { key: Buffer.from(`${root}raw/${i}`), value: rawValue }), { minMs });
    const driverCreate = await measureRate((i) => backend.create(`/registry/bench/${i}`, value), { minMs });
    const mods: number[] = [];
    for (let k = 0; k < 100; k++) mods.push((await backend.create(`/registry/hot/${k}`, value)).revision);
    const driverUpdate = await measureRate(async (i) => {
      const k = i % mods.length;
      mods[k] = (await backend.update(`/registry/hot/${k}`, value, { expectedModRevision: mods[k]! })).revision;
    }, { minMs });
    const rawPutParallel = await measureParallel((i) => raw.unary('KV/Put', { key: Buffer.from(`${root}rawp/${i}`), value: rawValue }), concurrency, minMs);
    const driverCreateParallel = await measureParallel((i) => backend.create(`/registry/benchp/${i}`, value), concurrency, minMs);
    return { endpoint: opts.endpoint, valueBytes, concurrency, rawPut, driverCreate, driverUpdate, rawPutParallel, driverCreateParallel };
  } finally {
    await backend.close();
    const end = Buffer.from(root);
    end[end.length - 1]!++;
    await raw.unary('KV/DeleteRange', { key: Buffer.from(root), range_end: end }).catch(() => undefined);
    raw.close();
  }
}

export function formatEtcdFigures(f: EtcdPutFigures): string[] {
  const line = (label: string, r: Rate, vs?: Rate): string =>
    `  ${label.padEnd(44)}${`${Math.round(r.perSec).toLocaleString('en-US')}/s`.padStart(10)}${vs ? `  ${((r.perSec / vs.perSec) * 100).toFixed(0)}% of raw Put` : ''}`;
  return [
    `etcd (${f.endpoint}), ${f.valueBytes} B values`,
    line('raw etcd Put, 1 in flight', f.rawPut),
    line('driver create (Txn), 1 in flight', f.driverCreate, f.rawPut),
    line('driver update (Txn + compare), 1 in flight', f.driverUpdate, f.rawPut),
    line(`raw etcd Put, ${f.concurrency} in flight`, f.rawPutParallel),
    line(`driver create, ${f.concurrency} in flight`, f.driverCreateParallel, f.rawPutParallel),
  ];
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (require.main === module) {
  const endpoint = argValue('--endpoint') ?? process.env.K3TS_TEST_ETCD_URL;
  if (!endpoint) {
    console.error('no etcd endpoint: pass --endpoint URL or run eval "$(scripts/start-test-databases.sh)" first');
    process.exitCode = 2;
  } else {
    benchEtcdPuts({ endpoint })
      .then((f) => console.log(formatEtcdFigures(f).join('\n')))
      .catch((e: unknown) => {
        console.error(e);
        process.exitCode = 1;
      });
  }
}
