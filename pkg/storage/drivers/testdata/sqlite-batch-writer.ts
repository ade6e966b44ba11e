// Child process for sqlite-batch-crash.test.ts: WRITERS concurrent loops, so that their writes share
// group commits. Each loop creates a key, then updates it with compare-and-swap; every acknowledged
// write is printed ("ack <key> <revision> <value>", synchronously: stdout is a pipe) until the
// process is killed.
import { SqliteBackend } from '../sqlite';

const WRITERS = 16;

async function main(): Promise<void> {
  const [file, round] = process.argv.slice(2);
  if (!file || !round) throw new Error('usage: sqlite-batch-writer.ts <db file> <round>');
  const backend = new SqliteBackend({ path: file, compactIntervalMs: 0 });
  await backend.start();
  const enc = new TextEncoder();
  process.stdout.write('ready\n');
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; ; i++) {
      const key = `/crash/r${round}/w${w}/k${i}`;
      const c = await backend.create(key, enc.encode(`c${i}`));
      process.stdout.write(`ack ${key} ${c.revision} c${i}\n`);
      const u = await backend.update(key, enc.encode(`u${i}`), { expectedModRevision: c.revision });
      process.stdout.write(`ack ${key} ${u.revision} u${i}\n`);
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
