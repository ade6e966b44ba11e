// How the agent wires the embedded registry (--embedded-registry on the server): the hosts.toml
// entry that puts the local mirror first for the registries under `mirrors:` in registries.yaml,
// and the mirror itself with the agent's controller identity (Node watch + patch of its own
// annotations) and the kubelet's TLS material.
import * as path from 'node:path';
import type { Clock } from '../client/clock';
import { RestClient } from '../client/rest-client';
import { HttpsTransport } from '../client/transport';
import type { LocalMirrorHost } from '../containerd/registries';
import type { Logger } from '../log/logger';
import { versionInfo } from '../version/version';
import { MirrorError } from './errors';
import { MIRROR_PORT, startMirror, type MirrorTls, type RunningMirror } from './start-mirror';

/** The local mirror as containerd sees it: files the agent's join (or its server) wrote into the agent dir. */
export function localMirrorHost(agentDir: string, port = MIRROR_PORT): LocalMirrorHost {
  return { url: `https://127.0.0.1:${port}`, caFile: path.join(agentDir, 'server-ca.crt'), certFile: path.join(agentDir, 'client-kubelet.crt'), keyFile: path.join(agentDir, 'client-kubelet.key') };
}

export interface AgentMirrorInput {
  readonly nodeName: string;
  readonly nodeIPs: readonly string[];
  /** containerd's socket path. */
  readonly containerdAddress: string;
  readonly apiServer: string;
  readonly credentials: MirrorTls & { readonly controllerCertPem?: string; readonly controllerKeyPem?: string };
  readonly clock: Clock;
  readonly log: Logger;
  readonly port?: number;
}

export async function startAgentMirror(i: AgentMirrorInput): Promise<RunningMirror> {
  const c = i.credentials;
  if (!c.controllerCertPem || !c.controllerKeyPem) throw new MirrorError('start-failed', 'the embedded registry needs the agent controller identity (system:k3ts-controller), which this agent was not issued');
  const nodeIP = i.nodeIPs[0];
  if (!nodeIP) throw new MirrorError('start-failed', 'the embedded registry needs a node IP to advertise; pass --node-ip');
  const client = new RestClient({
    transport: new HttpsTransport({ server: i.apiServer, caPem: c.serverCaPem, certPem: c.controllerCertPem, keyPem: c.controllerKeyPem }),
    userAgent: `k3ts-agent/${versionInfo().version} (embedded-registry)`,
  });
  let mirror: RunningMirror;
  try {
    mirror = await startMirror({ nodeName: i.nodeName, nodeIP, port: i.port ?? MIRROR_PORT, containerdAddress: i.containerdAddress }, { client, tls: c, clock: i.clock, log: i.log });
  } catch (e) {
    client.close();
    throw e;
  }
  return {
    port: mirror.port,
    peers: mirror.peers,
    async stop() {
      await mirror.stop();
      client.close();
    },
  };
}
