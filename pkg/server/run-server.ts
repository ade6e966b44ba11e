// `k3ts server` composition root: build each part from its config slice, start them in order,
// stop them in reverse when the signal aborts.
import * as fs from 'node:fs';
import { nativeSqliteBinding } from '../embed/native-sqlite';
import { createLogger } from '../log/logger';
import { versionInfo } from '../version/version';
import { serverConfig, type ServerFlagValues } from './server-config';
import { untilAborted } from './until-aborted';

export interface RunContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
  readonly configFiles: readonly string[];
}

export async function runServer(flags: ServerFlagValues, ctx: RunContext): Promise<void> {
  const cfg = serverConfig(flags);
  const log = createLogger({ level: cfg.debug ? 'debug' : 'info', component: 'server' });
  const v = versionInfo();
  log.info('starting k3ts server', { version: v.version, commit: v.commit.slice(0, 8), dataDir: cfg.paths.root, config: ctx.configFiles.join(',') || 'none' });

  fs.mkdirSync(cfg.paths.server.db, { recursive: true, mode: 0o700 });
  // The datastore (issue 3) opens on this binding; loading it here proves the executable's addon works.
  nativeSqliteBinding(cfg.paths.assets, log.child('embed'));

  log.info('k3ts server is ready');
  await untilAborted(ctx.signal);
  log.info('shutting down', { signal: String(ctx.signal.reason) });
  log.info('stopped');
}
