// Child process for sqlite-crash.test.ts: writes in a loop and prints one line per acknowledged
// write ("ack <kind> <index> <revision>"), plus "compacted <rev>" and "expired" progress lines, until
// it is killed. Background compaction and lease expiry
// run at a fast pace so that the kill can land in the middle of any of them.
import { SqliteBackend } from '../sqlite';

async function main(): Promise<void> {
  const [file, startArg] = process.argv.slice(2);
  if (!file || !startArg) throw new Error('usage: sqlite-writer.ts <db file> <first index>');
  const backend = new SqliteBackend({ path: file, compactIntervalMs: 20, compactRetain: 200, compactBatch: 50 });
  await backend.start();
  const enc = new TextEncoder();
  const counter = await backend.get('/crash/counter');
  let mod = counter.kv?.modRevision ?? (await backend.create('/crash/counter', enc.encode('-1'))).revision;
  process.stdout.write('ready\n');
  for (let i = Number(startArg); ; i++) {
    const c = await backend.create(`/crash/k${i}`, enc.encode(`v${i}`), (i - Number(startArg)) % 10 === 0 ? { lease: 1 } : {});
    process.stdout.write(`ack create ${i} ${c.revision}\n`);
    const u = await backend.update('/crash/counter', enc.encode(String(i)), { expectedModRevision: mod });
    mod = u.revision;
    process.stdout.write(`ack counter ${i} ${u.revision}\n`);
    if (i % 50 === 0) {
      // Yield so the compaction and lease timers run, and report that they did.
      await new Promise((resolve) => setImmediate(resolve));
      process.stdout.write(`compacted ${await backend.compactedRevision()}\n`);
      if ((await backend.get(`/crash/k${Number(startArg)}`)).kv === undefined) process.stdout.write('expired\n');
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
