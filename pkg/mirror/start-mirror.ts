// The embedded registry mirror of one agent (K3s's embedded Spegel, k3ts style): an HTTPS server on
// the node port (5001) answering the read-only OCI distribution API from the node's containerd,
// proxying to peers found through Node annotations, and the advertiser that keeps this node's own
// annotations current. TLS: the server presents the kubelet serving certificate (signed by the
// cluster's server CA, SANs = node IPs, 127.0.0.1, localhost) and requires a client certificate
// signed by the cluster's client CA — containerd presents the kubelet's client certificate, and so
// does a peer mirror — so only cluster members can read images.
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../client/clock';
import { SharedInformerFactory } from '../client/informer-factory';
import { RESOURCES } from '../client/resource-ref';
import type { RestClient } from '../client/rest-client';
import type { KubeObject } from '../api/types';
import type { Logger } from '../log/logger';
import { ContainerdContentStore, type ContentStore } from './content-store';
import { MirrorError } from './errors';
import { ImageInventory } from './image-inventory';
import { NodeAdvertiser } from './node-advertiser';
import { PeerDirectory, type Peer } from './peer-directory';
import { FORWARDED_HEADER, createRegistryHandler, type PeerRequest } from './registry-handler';

/** K3s's port for the embedded registry. */
export const MIRROR_PORT = 5001;
const PEER_TIMEOUT_MS = 5_000;

export interface MirrorConfig {
  readonly nodeName: string;
  /** The address peers reach this node at (its first node IP). */
  readonly nodeIP: string;
  /** Listen port (MIRROR_PORT; 0 picks a free one, for tests). */
  readonly port: number;
  readonly host?: string;
  /** containerd's socket; ignored when deps.store is given. */
  readonly containerdAddress: string;
}

export interface MirrorTls {
  readonly serverCaPem: string;
  readonly clientCaPem: string;
  readonly servingCertPem: string;
  readonly servingKeyPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
}

export interface MirrorDeps {
  /** With Node get/list/watch/patch rights (the agent's system:k3ts-controller identity). */
  readonly client: RestClient;
  readonly tls: MirrorTls;
  readonly clock: Clock;
  readonly log: Logger;
  readonly store?: ContentStore;
}

export interface RunningMirror {
  readonly port: number;
  readonly peers: PeerDirectory;
  stop(): Promise<void>;
}

export function peerRequester(tls: MirrorTls): PeerRequest {
  return (peer: Peer, path: string, method: 'GET' | 'HEAD', signal: AbortSignal) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = https.request(new URL(path, peer.endpoint), { method, ca: tls.serverCaPem, cert: tls.clientCertPem, key: tls.clientKeyPem, headers: { [FORWARDED_HEADER]: '1' }, signal, timeout: PEER_TIMEOUT_MS }, (res) => {
        req.setTimeout(0);
        resolve(res);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer from ${peer.endpoint} within ${PEER_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end();
    });
}

export async function startMirror(cfg: MirrorConfig, deps: MirrorDeps): Promise<RunningMirror> {
  const log = deps.log;
  const owned = deps.store ? undefined : new ContainerdContentStore({ address: cfg.containerdAddress });
  const store = deps.store ?? owned!;
  const peers = new PeerDirectory({ self: cfg.nodeName, clock: deps.clock });
  const handler = createRegistryHandler({ store, peers, requestPeer: peerRequester(deps.tls), log });
  const server = https.createServer({ cert: deps.tls.servingCertPem, key: deps.tls.servingKeyPem, ca: deps.tls.clientCaPem, requestCert: true, rejectUnauthorized: true }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((e: unknown) => {
    owned?.close();
    throw new MirrorError('start-failed', `the embedded registry cannot listen on ${cfg.host ?? '0.0.0.0'}:${cfg.port}: ${(e as Error).message}; free the port or start the server without --embedded-registry`, { cause: e });
  });
  const port = (server.address() as AddressInfo).port;
  const host = cfg.nodeIP.includes(':') ? `[${cfg.nodeIP}]` : cfg.nodeIP;
  const endpoint = `https://${host}:${port}`;

  const abort = new AbortController();
  const factory = new SharedInformerFactory({ client: deps.client, clock: deps.clock, log: log.child('peers') });
  factory.informerFor<KubeObject>(RESOURCES.nodes).addEventHandler({ add: (n) => peers.update(n), update: (_o, n) => peers.update(n), delete: (n) => peers.remove(n) });
  factory.start(abort.signal);
  const advertiser = new NodeAdvertiser({ nodeName: cfg.nodeName, endpoint }, { client: deps.client, inventory: new ImageInventory(store), clock: deps.clock, log });
  advertiser.start(abort.signal);
  log.info('embedded registry mirror is listening', { endpoint, local: `https://127.0.0.1:${port}` });

  return {
    port,
    peers,
    async stop() {
      abort.abort();
      await advertiser.done;
      await advertiser.withdraw().catch((e: unknown) => log.warn('cannot withdraw the node\'s mirror annotations', { error: (e as Error).message }));
      await factory.stopped();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      owned?.close();
    },
  };
}
