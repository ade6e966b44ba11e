// Entry point of the k3ts executable: build the command tree, run it, map errors to exit codes.
import * as path from 'node:path';
import { CommanderError } from 'commander';
import { buildProgram } from './program';

/** Multi-call: a `kubectl` symlink to k3ts behaves like `k3ts kubectl`. */
function argvFor(argv0: string, argv: readonly string[]): string[] {
  const name = path.basename(argv0);
  const rest = argv.slice(2);
  if (name === 'kubectl' || name === 'crictl' || name === 'ctr') return [...argv.slice(0, 2), name, ...rest];
  return [...argv];
}

async function main(): Promise<void> {
  const shutdown = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (shutdown.signal.aborted) process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    shutdown.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const program = buildProgram({
    env: process.env,
    self: process.execPath,
    stdout: (text) => void process.stdout.write(text),
    shutdownSignal: shutdown.signal,
    setExitCode: (code) => {
      process.exitCode = code;
    },
  });
  program.exitOverride();
  try {
    await program.parseAsync(argvFor(process.argv0, process.argv));
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed the message (help and version exit with code 0).
      process.exitCode = e.exitCode;
    } else {
      const err = e as Error & { code?: string };
      process.stderr.write(`k3ts: error: ${err.message}\n`);
      if (process.env.K3TS_DEBUG === 'true' && err.stack) process.stderr.write(`${err.stack}\n`);
      // A command that failed part-way may leave watches and timers running (a server whose port
      // was taken): stop here rather than live on half-started. stderr is synchronous on files and pipes.
      process.exit(1);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

void main();
