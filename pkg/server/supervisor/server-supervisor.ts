// The supervisor as `k3ts server` wires it: config from the server's flags, the join-token files
// from its data dir, and (once the API listens) a client of this server's own API under the
// supervisor identity (server/tls/client-supervisor.*, system:masters), which also removes the
// node-password Secrets of deleted Nodes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HttpsTransport } from '../../client/transport';
import { RestClient } from '../../client/rest-client';
import { systemClock } from '../../client/clock';
import { startNodePasswordCleanup } from './node-password-cleanup';
import type { Logger } from '../../log/logger';
import { networkAddonsFromFlags } from '../../servicelb/network-addons';
import type { ServerConfig, ServerFlagValues } from '../server-config';
import { createSupervisor, type Supervisor } from './supervisor';

export interface ServerSupervisor {
  readonly handle: Supervisor['handle'];
  /** Starts answering authenticated requests: the API listens on `apiPort`. */
  attach(apiPort: number): void;
  /** Stops the node-password cleanup and closes the client. */
  close(): Promise<void>;
}

export function serverSupervisor(flags: ServerFlagValues, cfg: ServerConfig, log: Logger): ServerSupervisor {
  const p = cfg.paths.server;
  const sup = createSupervisor(
    {
      tlsDir: p.tls,
      tokenFiles: [p.token, p.agentToken],
      cluster: {
        clusterCidr: flags.clusterCidr,
        serviceCidr: flags.serviceCidr,
        clusterDns: flags.clusterDns,
        clusterDomain: flags.clusterDomain,
        flannelBackend: flags.flannelBackend,
        serviceNodePortRange: flags.serviceNodePortRange,
        builtinDns: networkAddonsFromFlags(flags).clusterDnsIP !== undefined,
        networkPolicy: !flags.disableNetworkPolicy,
        embeddedRegistry: flags.embeddedRegistry === true,
      },
    },
    log,
  );
  let client: RestClient | undefined;
  const stopCleanup = new AbortController();
  let cleanup: Promise<void> | undefined;
  return {
    handle: sup.handle,
    attach(apiPort) {
      const host = cfg.listen.address === '0.0.0.0' || cfg.listen.address === '::' ? '127.0.0.1' : cfg.listen.address;
      client = new RestClient({
        transport: new HttpsTransport({
          server: `https://${host.includes(':') ? `[${host}]` : host}:${apiPort}`,
          caPem: fs.readFileSync(path.join(p.tls, 'server-ca.crt'), 'utf8'),
          certPem: fs.readFileSync(path.join(p.tls, 'client-supervisor.crt'), 'utf8'),
          keyPem: fs.readFileSync(path.join(p.tls, 'client-supervisor.key'), 'utf8'),
        }),
        userAgent: 'k3ts-supervisor',
      });
      sup.attach(client);
      cleanup = startNodePasswordCleanup(client, { clock: systemClock, log }, stopCleanup.signal).catch((e: unknown) => log.warn('node password cleanup stopped', { error: (e as Error).message }));
    },
    async close() {
      stopCleanup.abort();
      await cleanup;
      client?.close();
    },
  };
}
