// Credentials of a server's own agent, issued from the server's CAs on the spot (a joining agent
// will get the same files from the server's join endpoints): the kubelet's client certificate
// (`system:node:<name>` in `system:nodes`) and its serving certificate for :10250, written into the
// agent dir under K3s's file names.
import { readFile, mkdir, writeFile, chmod } from 'node:fs/promises';
import * as path from 'node:path';
import { issueClientCertificate, issueServingCertificate, LEAF_DAYS } from '../certs';

export interface NodeCredentials {
  /** CA of the API server's serving certificate (server-ca). */
  readonly serverCaPem: string;
  /** CA that signs client certificates (the kubelet verifies API server → kubelet calls with it). */
  readonly clientCaPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  readonly servingCertPem: string;
  readonly servingKeyPem: string;
  /** The service proxy's client certificate (`system:kube-proxy`, bound to system:node-proxier). */
  readonly proxyCertPem?: string;
  readonly proxyKeyPem?: string;
  /** Agent-side controllers' client certificate (`system:k3ts-controller`). */
  readonly controllerCertPem?: string;
  readonly controllerKeyPem?: string;
}

export interface IssueNodeCredentialsInput {
  readonly serverTlsDir: string;
  readonly agentDir: string;
  readonly nodeName: string;
  readonly hostname: string;
  readonly nodeIPs: readonly string[];
}

async function write(file: string, text: string, mode: number): Promise<void> {
  await writeFile(file, text, { mode });
  await chmod(file, mode);
}

export async function issueNodeCredentials(i: IssueNodeCredentialsInput): Promise<NodeCredentials> {
  const read = (f: string) => readFile(path.join(i.serverTlsDir, f), 'utf8');
  const [serverCaPem, serverCaKey, clientCaPem, clientCaKey] = await Promise.all([read('server-ca.crt'), read('server-ca.key'), read('client-ca.crt'), read('client-ca.key')]);
  const client = await issueClientCertificate({ certPem: clientCaPem, keyPem: clientCaKey }, { commonName: `system:node:${i.nodeName}`, organizations: ['system:nodes'], days: LEAF_DAYS });
  const proxy = await issueClientCertificate({ certPem: clientCaPem, keyPem: clientCaKey }, { commonName: 'system:kube-proxy', organizations: [], days: LEAF_DAYS });
  const controller = await issueClientCertificate({ certPem: clientCaPem, keyPem: clientCaKey }, { commonName: 'system:k3ts-controller', organizations: [], days: LEAF_DAYS });
  const serving = await issueServingCertificate(
    { certPem: serverCaPem, keyPem: serverCaKey },
    { commonName: i.nodeName, dnsNames: [...new Set([i.hostname, i.nodeName, 'localhost'])], ipAddresses: [...new Set([...i.nodeIPs, '127.0.0.1'])], days: LEAF_DAYS },
  );
  await mkdir(i.agentDir, { recursive: true, mode: 0o700 });
  await Promise.all([
    write(path.join(i.agentDir, 'server-ca.crt'), serverCaPem, 0o644),
    write(path.join(i.agentDir, 'client-ca.crt'), clientCaPem, 0o644),
    write(path.join(i.agentDir, 'client-kubelet.crt'), client.certPem, 0o644),
    write(path.join(i.agentDir, 'client-kubelet.key'), client.keyPem, 0o600),
    write(path.join(i.agentDir, 'client-kube-proxy.crt'), proxy.certPem, 0o644),
    write(path.join(i.agentDir, 'client-kube-proxy.key'), proxy.keyPem, 0o600),
    write(path.join(i.agentDir, 'client-k3ts-controller.crt'), controller.certPem, 0o644),
    write(path.join(i.agentDir, 'client-k3ts-controller.key'), controller.keyPem, 0o600),
    write(path.join(i.agentDir, 'serving-kubelet.crt'), serving.certPem, 0o644),
    write(path.join(i.agentDir, 'serving-kubelet.key'), serving.keyPem, 0o600),
  ]);
  return { serverCaPem, clientCaPem, clientCertPem: client.certPem, clientKeyPem: client.keyPem, servingCertPem: serving.certPem, servingKeyPem: serving.keyPem, proxyCertPem: proxy.certPem, proxyKeyPem: proxy.keyPem, controllerCertPem: controller.certPem, controllerKeyPem: controller.keyPem };
}
