// `k3ts agent` composition root: read the token, join the server (CA hash check, certificates,
// cluster settings, API server list: join-server.ts), then run the same agent as `k3ts server`
// runs (start-agent.ts) against the remote API until the signal aborts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { FlagValues } from '../cli/flag-spec';
import type { agentFlags } from '../cli/agent-flags';
import { CliError } from '../cli/errors';
import { dataDirPaths, defaultDataDir } from '../datadir/datadir';
import { createLogger, type Logger } from '../log/logger';
import { detectNodeIPs } from '../network/node-address';
import { untilAborted } from '../server/until-aborted';
import { agentConfig } from './agent-config';
import { AgentError } from './errors';
import { startApiLoadBalancer, type ApiLoadBalancer } from './api-load-balancer';
import { joinServer, listApiServers, type JoinInput, type JoinResult } from './join-server';
import { ensureNodeId, ensureNodePassword, nodeIdFile, nodePasswordFile } from './node-password';
import { startAgent } from './start-agent';

export interface AgentRunContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
}

type AgentFlagValues = FlagValues<typeof agentFlags>;

function tokenOf(flags: AgentFlagValues): string {
  if (flags.token && flags.token.trim()) return flags.token.trim();
  if (!flags.tokenFile) throw new CliError('missing-value', 'k3ts agent needs --token or --token-file (or K3TS_TOKEN)');
  let text: string;
  try {
    text = fs.readFileSync(flags.tokenFile, 'utf8').trim();
  } catch (e) {
    throw new CliError('invalid-value', `cannot read --token-file ${flags.tokenFile}: ${(e as Error).message}`);
  }
  if (!text) throw new CliError('invalid-value', `--token-file ${flags.tokenFile} is empty`);
  return text;
}

/** Joins, retrying while the server does not answer (it may still be starting); any refusal is final. */
async function joinWithRetry(input: JoinInput, log: Logger, signal: AbortSignal): Promise<JoinResult | undefined> {
  let warned = false;
  for (;;) {
    try {
      return await joinServer(input, log);
    } catch (e) {
      if (!(e instanceof AgentError) || e.code !== 'unreachable') throw e;
      if (!warned) log.warn('waiting for the server', { server: input.server, error: e.message });
      warned = true;
    }
    await new Promise((r) => setTimeout(r, 2000));
    if (signal.aborted) return undefined;
  }
}

/** Asks the servers in turn for the current API server list; keeps the --server URL as a last resort. */
async function refreshServers(lb: ApiLoadBalancer, joined: JoinResult, joinedThrough: string, token: string, log: Logger): Promise<void> {
  for (const s of lb.servers()) {
    try {
      const list = await listApiServers(`https://${s}`, joined.credentials.serverCaPem, token);
      const fallback = new URL(joinedThrough).host;
      lb.setServers([...list.map((u) => new URL(u).host), ...(list.some((u) => new URL(u).host === fallback) ? [] : [fallback])]);
      return;
    } catch (e) {
      log.debug('cannot refresh the API server list', { server: s, error: (e as Error).message });
    }
  }
}

export async function runAgent(flags: AgentFlagValues, ctx: AgentRunContext): Promise<void> {
  const log = createLogger({ level: flags.debug ? 'debug' : 'info', component: 'agent' });
  if (!flags.server) throw new CliError('missing-value', 'k3ts agent needs --server https://<server>:6443 (or K3TS_URL)');
  const token = tokenOf(flags);
  const dataDir = flags.dataDir ?? defaultDataDir();
  const paths = dataDirPaths(dataDir);
  const hostname = os.hostname().toLowerCase();
  const baseName = (flags.nodeName ?? hostname).toLowerCase();
  const nodeName = flags.withNodeId ? `${baseName}-${ensureNodeId(nodeIdFile(dataDir))}` : baseName;
  const nodeIPs = flags.nodeIp.length > 0 ? flags.nodeIp : detectNodeIPs();
  const passwordFile = nodePasswordFile(paths.root);
  const nodePassword = ensureNodePassword(passwordFile);
  log.info('joining', { server: flags.server, node: nodeName, nodeIPs: nodeIPs.join(','), dataDir: paths.root, nodePasswordFile: passwordFile });
  const joined = await joinWithRetry({ server: flags.server, token, nodeName, nodePassword, nodeIPs, agentDir: paths.agent.root }, log, ctx.signal);
  if (!joined) return;
  // The kubelet's hostname is the node name (K3s passes --hostname-override), so the
  // kubernetes.io/hostname label tells nodes apart even when they share a host name.
  const c = joined.cluster;
  const network = { clusterCidr: c.clusterCidr, serviceCidr: c.serviceCidr, clusterDns: c.clusterDns, clusterDomain: c.clusterDomain, builtinDns: c.builtinDns, flannelBackend: c.flannelBackend };
  const ac = agentConfig({ flags, paths, network, nodeName, hostname: nodeName, nodeIPs, controlPlane: false, searchPath: ctx.env.PATH, embeddedRegistry: c.embeddedRegistry });
  // Every API client of the agent goes through the local load balancer, which fails over between
  // the servers it learns from /v1-k3ts/apiservers (refreshed every 30 s).
  const hostPort = (u: string) => new URL(u).host;
  const lb = await startApiLoadBalancer({ servers: joined.apiServers.map(hostPort) }, log.child('loadbalancer'));
  const refresh = setInterval(() => void refreshServers(lb, joined, flags.server!, token, log), 30_000);
  try {
    const agent = await startAgent(ac, { log, credentials: joined.credentials, apiServer: lb.url, networkPolicy: !flags.disableNetworkPolicy && c.networkPolicy !== false });
    log.info('k3ts agent is ready', { node: nodeName, server: joined.apiServers[0], apiLoadBalancer: lb.url });
    await untilAborted(ctx.signal);
    log.info('shutting down', { signal: String(ctx.signal.reason) });
    await agent.stop();
  } finally {
    clearInterval(refresh);
    await lb.close();
  }
  log.info('stopped');
}
