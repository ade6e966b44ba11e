// The agent inside `k3ts server` (unless --disable-agent): its config from the server's node flags
// and network settings, its credentials issued from the server's own CAs, the API at the local port.
import type { Logger } from '../log/logger';
import type { ServerConfig, ServerFlagValues } from '../server/server-config';
import { networkAddonsFromFlags } from '../servicelb/network-addons';
import { agentConfig } from './agent-config';
import { issueNodeCredentials } from './node-credentials';
import { startAgent, type RunningAgent } from './start-agent';

export async function startServerAgent(flags: ServerFlagValues, cfg: ServerConfig, apiPort: number, log: Logger, envPath?: string): Promise<RunningAgent> {
  const ac = agentConfig({
    searchPath: envPath,
    flags,
    paths: cfg.paths,
    network: { clusterCidr: flags.clusterCidr, serviceCidr: flags.serviceCidr, clusterDns: flags.clusterDns, clusterDomain: flags.clusterDomain, builtinDns: networkAddonsFromFlags(flags).clusterDnsIP !== undefined, flannelBackend: flags.flannelBackend },
    nodeName: cfg.nodeName,
    // As K3s (kubelet --hostname-override): the kubernetes.io/hostname label is the node name.
    hostname: cfg.nodeName,
    nodeIPs: cfg.certs.nodeIPs,
    controlPlane: true,
    embeddedRegistry: flags.embeddedRegistry,
  });
  const credentials = await issueNodeCredentials({ serverTlsDir: cfg.paths.server.tls, agentDir: ac.paths.agentDir, nodeName: ac.nodeName, hostname: ac.hostname, nodeIPs: ac.nodeIPs });
  return startAgent(ac, { log, credentials, apiServer: cfg.kubeconfigServer.replace(/:\d+$/, `:${apiPort}`), networkPolicy: !flags.disableNetworkPolicy });
}
