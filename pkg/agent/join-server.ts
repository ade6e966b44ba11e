// The join handshake of `k3ts agent`: /cacerts checked against the token's K10 hash (nothing secret
// is sent before that check passes), then the kubelet's and the proxy's certificates, the client
// CA, the cluster settings and the API server list from the supervisor endpoints. The files land
// in <data-dir>/agent under K3s's names, all 0600, with a kubeconfig for the kubelet and the proxy.
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import * as path from 'node:path';
import { caHash, parseToken, renderKubeconfig, verifyCaHash } from '../certs';
import type { Logger } from '../log/logger';
import { NODE_IP_HEADER, NODE_NAME_HEADER, NODE_PASSWORD_HEADER, SUPERVISOR_PATHS, type AgentClusterConfig } from '../server/supervisor/protocol';
import { AgentError } from './errors';
import type { NodeCredentials } from './node-credentials';
import { splitCertAndKey, supervisorGet } from './supervisor-client';

export interface JoinInput {
  /** https://host:port of the server to join through. */
  readonly server: string;
  readonly token: string;
  readonly nodeName: string;
  readonly nodePassword: string;
  readonly nodeIPs: readonly string[];
  readonly agentDir: string;
}

export interface JoinResult {
  readonly credentials: NodeCredentials;
  readonly cluster: AgentClusterConfig;
  /** `https://ip:port` of every API server (the joined one first). */
  readonly apiServers: readonly string[];
}

function normalizeServer(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AgentError('invalid-config', `--server ${JSON.stringify(url)} is not a URL; expected https://HOST:6443`);
  }
  if (u.protocol !== 'https:') throw new AgentError('invalid-config', `--server ${url} must use https:// (expected https://HOST:6443)`);
  return `https://${u.host}`;
}

async function write(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
}

function parseCluster(text: string): AgentClusterConfig {
  const c = JSON.parse(text) as Partial<AgentClusterConfig>;
  for (const k of ['clusterCidr', 'serviceCidr', 'clusterDns', 'clusterDomain'] as const) {
    if (typeof c[k] !== 'string' || !c[k]) throw new AgentError('join', `the server's ${SUPERVISOR_PATHS.config} lacks ${k}`);
  }
  return c as AgentClusterConfig;
}

/** `https://host:port` of every API server, as the server at `server` lists them (/v1-k3ts/apiservers). */
export async function listApiServers(server: string, caPem: string, tokenText: string): Promise<string[]> {
  const token = parseToken(tokenText);
  const text = await supervisorGet({ server, path: SUPERVISOR_PATHS.apiservers, caPem, basic: { user: token.user ?? 'node', password: token.password } });
  return (JSON.parse(text) as unknown[]).filter((s): s is string => typeof s === 'string').map((s) => `https://${s}`);
}

export async function joinServer(i: JoinInput, log: Logger): Promise<JoinResult> {
  const server = normalizeServer(i.server);
  let token;
  try {
    token = parseToken(i.token);
  } catch (e) {
    throw new AgentError('invalid-config', `invalid --token: ${(e as Error).message}`, { cause: e });
  }
  const caPem = await supervisorGet({ server, path: SUPERVISOR_PATHS.cacerts });
  if (token.caHash !== undefined) {
    if (!verifyCaHash(caPem, token.caHash)) {
      throw new AgentError('join', `token CA hash does not match the server's CA certificate: the token pins sha256 ${token.caHash} but ${server}${SUPERVISOR_PATHS.cacerts} serves ${caHash(caPem)} (wrong server, or a token of another cluster); no credentials were sent`);
    }
  } else {
    log.warn('the token has no K10 CA hash: the server CA is trusted on first use', { server, caSha256: caHash(caPem) });
  }
  const basic = { user: token.user ?? 'node', password: token.password };
  const nodeHeaders = { [NODE_NAME_HEADER]: i.nodeName, [NODE_PASSWORD_HEADER]: i.nodePassword, [NODE_IP_HEADER]: i.nodeIPs.join(',') };
  const get = (p: string, headers?: Record<string, string>) => supervisorGet({ server, path: p, caPem, basic, headers });
  // Token first (a bad token answers 401 here), then the node-password check with the certificates.
  const cluster = parseCluster(await get(SUPERVISOR_PATHS.config));
  const clientKubelet = splitCertAndKey(await get(SUPERVISOR_PATHS.clientKubelet, nodeHeaders), 'the kubelet client certificate');
  const [clientCaPem, servingText, proxyText, controllerText, apiText] = await Promise.all([
    get(SUPERVISOR_PATHS.clientCa),
    get(SUPERVISOR_PATHS.servingKubelet, nodeHeaders),
    get(SUPERVISOR_PATHS.clientKubeProxy, nodeHeaders),
    get(SUPERVISOR_PATHS.clientK3tsController, nodeHeaders),
    get(SUPERVISOR_PATHS.apiservers),
  ]);
  const serving = splitCertAndKey(servingText, 'the kubelet serving certificate');
  const proxy = splitCertAndKey(proxyText, 'the kube-proxy client certificate');
  const controller = splitCertAndKey(controllerText, 'the k3ts-controller client certificate');
  const listed = (JSON.parse(apiText) as unknown[]).filter((s): s is string => typeof s === 'string').map((s) => `https://${s}`);
  const apiServers = [server, ...listed.filter((s) => s !== server)];

  const d = i.agentDir;
  await mkdir(d, { recursive: true, mode: 0o700 });
  await Promise.all([
    write(path.join(d, 'server-ca.crt'), caPem),
    write(path.join(d, 'client-ca.crt'), clientCaPem),
    write(path.join(d, 'client-kubelet.crt'), clientKubelet.certPem),
    write(path.join(d, 'client-kubelet.key'), clientKubelet.keyPem),
    write(path.join(d, 'client-kube-proxy.crt'), proxy.certPem),
    write(path.join(d, 'client-kube-proxy.key'), proxy.keyPem),
    write(path.join(d, 'client-k3ts-controller.crt'), controller.certPem),
    write(path.join(d, 'client-k3ts-controller.key'), controller.keyPem),
    write(path.join(d, 'serving-kubelet.crt'), serving.certPem),
    write(path.join(d, 'serving-kubelet.key'), serving.keyPem),
    write(path.join(d, 'kubelet.kubeconfig'), renderKubeconfig({ server, caPem, clientCertPem: clientKubelet.certPem, clientKeyPem: clientKubelet.keyPem })),
    write(path.join(d, 'kubeproxy.kubeconfig'), renderKubeconfig({ server, caPem, clientCertPem: proxy.certPem, clientKeyPem: proxy.keyPem })),
  ]);
  log.info('joined the cluster', { server, node: i.nodeName, apiServers: apiServers.join(',') });
  return {
    credentials: { serverCaPem: caPem, clientCaPem, clientCertPem: clientKubelet.certPem, clientKeyPem: clientKubelet.keyPem, servingCertPem: serving.certPem, servingKeyPem: serving.keyPem, proxyCertPem: proxy.certPem, proxyKeyPem: proxy.keyPem, controllerCertPem: controller.certPem, controllerKeyPem: controller.keyPem },
    cluster,
    apiServers,
  };
}
