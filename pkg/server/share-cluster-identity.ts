// On an external datastore, make this server use the cluster identity (CAs, keys) stored there,
// or store its own when it is the first; returns the config with the join token to keep.
import * as fs from 'node:fs';
import { ensureClusterCertificates } from '../certs';
import type { Logger } from '../log/logger';
import type { Backend } from '../storage/backend';
import { parseEndpoint } from '../storage/open-backend';
import { bootstrapPassword, bootstrapSync } from './bootstrap-data';
import type { ServerConfig, ServerFlagValues } from './server-config';

export async function shareClusterIdentity(cfg: ServerConfig, flags: Pick<ServerFlagValues, 'token' | 'tokenFile'>, backend: Backend, log: Logger): Promise<ServerConfig> {
  const driver = parseEndpoint(cfg.datastore.endpoint, { defaultSqlitePath: cfg.paths.server.sqlite }).driver;
  if (driver === 'sqlite' || driver === 'memory') return cfg;
  const given = flags.token ?? (flags.tokenFile ? fs.readFileSync(flags.tokenFile, 'utf8').trim() : undefined);
  const { password, generated } = bootstrapPassword(given, cfg.paths.server.token);
  const sync = bootstrapSync(backend, cfg.paths.server.root, password, log.child('bootstrap'));
  if ((await sync.load()) === 'none') {
    await ensureClusterCertificates({ tlsDir: cfg.paths.server.tls, ...cfg.certs });
    await sync.publish();
  }
  // A token made up here must become the join token the other servers are given.
  return generated ? { ...cfg, joinTokens: { ...cfg.joinTokens, token: password } } : cfg;
}
