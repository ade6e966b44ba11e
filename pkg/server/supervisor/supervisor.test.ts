// The supervisor endpoints and the agent's join handshake against each other, in process: a real
// HTTPS listener with the supervisor in front (as the server wires it), real certificates, and an
// in-memory API (Secrets, the kubernetes Endpoints) behind the supervisor's client.
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, formatToken, issueServingCertificate, LEAF_DAYS } from '../../certs';
import { RestClient } from '../../client/rest-client';
import type { Transport, TransportRequest, TransportResponse } from '../../client/transport';
import { silentLogger } from '../../log/logger';
import { joinServer } from '../../agent/join-server';
import { AgentError } from '../../agent/errors';
import { createSupervisor } from './supervisor';
import { SUPERVISOR_PATHS } from './protocol';

function respond(status: number, body: unknown): TransportResponse {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  return { status, headers: {}, body: (async function* () { yield bytes; })(), close() {} };
}

/** Just enough of the API for the supervisor: Secrets in kube-system and default/kubernetes Endpoints. */
class MemoryApi implements Transport {
  readonly secrets = new Map<string, Record<string, unknown>>();
  async send(req: TransportRequest): Promise<TransportResponse> {
    const secret = /^\/api\/v1\/namespaces\/kube-system\/secrets(?:\/([^/?]+))?/.exec(req.path);
    if (secret && req.method === 'GET' && secret[1]) {
      const s = this.secrets.get(decodeURIComponent(secret[1]));
      return s ? respond(200, s) : respond(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
    }
    if (secret && req.method === 'POST') {
      const obj = JSON.parse(req.body ?? '{}') as { metadata: { name: string } };
      if (this.secrets.has(obj.metadata.name)) return respond(409, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'AlreadyExists', code: 409, message: 'exists' });
      this.secrets.set(obj.metadata.name, obj);
      return respond(201, obj);
    }
    if (req.path.startsWith('/api/v1/namespaces/default/endpoints/kubernetes')) {
      return respond(200, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'https', port: 6443 }] }] });
    }
    return respond(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: req.path });
  }
  close(): void {}
}

describe('supervisor endpoints and the agent join', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-supervisor-'));
  const tls = path.join(dir, 'tls');
  const api = new MemoryApi();
  const seen: { path: string; auth: boolean }[] = [];
  let server: https.Server;
  let url: string;
  let token: string;
  let serverCa: string;

  beforeAll(async () => {
    fs.mkdirSync(tls);
    const sca = await createCertificateAuthority({ commonName: 'k3ts-server-ca', days: 30 });
    const cca = await createCertificateAuthority({ commonName: 'k3ts-client-ca', days: 30 });
    serverCa = sca.certPem;
    for (const [f, v] of [['server-ca.crt', sca.certPem], ['server-ca.key', sca.keyPem], ['client-ca.crt', cca.certPem], ['client-ca.key', cca.keyPem]] as const) fs.writeFileSync(path.join(tls, f), v);
    token = formatToken(sca.certPem, 'server', 'secret-password-1');
    fs.writeFileSync(path.join(dir, 'token'), `${token}\n`);
    fs.writeFileSync(path.join(dir, 'agent-token'), `${formatToken(sca.certPem, 'node', 'agent-password-2')}\n`);
    const sup = createSupervisor(
      { tlsDir: tls, tokenFiles: [path.join(dir, 'token'), path.join(dir, 'agent-token')], cluster: { clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', clusterDns: '10.43.0.10', clusterDomain: 'cluster.local', flannelBackend: 'vxlan', serviceNodePortRange: '30000-32767' } },
      silentLogger(),
    );
    sup.attach(new RestClient({ transport: api }));
    const serving = await issueServingCertificate(sca, { commonName: 'k3ts', ipAddresses: ['127.0.0.1'], days: LEAF_DAYS });
    server = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization !== undefined });
      if (!sup.handle(req, res)) {
        res.statusCode = 418;
        res.end('not a supervisor path');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const join = (over: Partial<Parameters<typeof joinServer>[0]> = {}) =>
    joinServer({ server: url, token, nodeName: 'worker-1', nodePassword: 'pw-one', nodeIPs: ['10.0.0.7'], agentDir: path.join(dir, 'agent-1'), ...over }, silentLogger());

  it('joins: certificates for the node, cluster settings, API servers; files are 0600; the password hash is stored', async () => {
    const r = await join();
    expect(r.cluster).toMatchObject({ clusterCidr: '10.42.0.0/16', clusterDns: '10.43.0.10', flannelBackend: 'vxlan' });
    expect(r.apiServers).toEqual([url, 'https://127.0.0.1:6443', 'https://10.0.0.2:6443']);
    expect(r.credentials.serverCaPem).toBe(serverCa);
    for (const f of fs.readdirSync(path.join(dir, 'agent-1'))) expect(fs.statSync(path.join(dir, 'agent-1', f)).mode & 0o777, f).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, 'agent-1', 'kubelet.kubeconfig'), 'utf8')).toContain(`server: ${url}`);
    const { X509Certificate } = await import('node:crypto');
    const client = new X509Certificate(r.credentials.clientCertPem);
    expect(client.subject).toContain('CN=system:node:worker-1');
    expect(client.subject).toContain('O=system:nodes');
    expect(new X509Certificate(r.credentials.servingCertPem).subjectAltName).toContain('IP Address:10.0.0.7');
    const hash = Buffer.from((api.secrets.get('worker-1.node-password.k3ts')?.data as Record<string, string>).hash!, 'base64').toString();
    expect(hash).toMatch(/^scrypt\$/);
    expect(hash).not.toContain('pw-one');
  });

  it('the same node name and password joins again; another password is rejected with a clear message', async () => {
    await expect(join()).resolves.toBeDefined();
    const err = await join({ nodePassword: 'pw-two', agentDir: path.join(dir, 'agent-2') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).message).toMatch(/answered 403: Node password rejected, duplicate hostname/);
    expect(fs.existsSync(path.join(dir, 'agent-2', 'client-kubelet.key'))).toBe(false);
  });

  it('the agent token and a bare password are accepted as well', async () => {
    await expect(join({ token: fs.readFileSync(path.join(dir, 'agent-token'), 'utf8'), nodeName: 'worker-3', agentDir: path.join(dir, 'agent-3') })).resolves.toBeDefined();
    await expect(join({ token: 'secret-password-1', nodeName: 'worker-4', agentDir: path.join(dir, 'agent-4') })).resolves.toBeDefined();
  });

  it('a token pinning another CA stops after /cacerts: no request carries credentials', async () => {
    seen.length = 0;
    const wrong = token.replace(/^K10[0-9a-f]{64}/, `K10${'a'.repeat(64)}`);
    await expect(join({ token: wrong, nodeName: 'worker-5' })).rejects.toThrow(/token CA hash does not match the server's CA certificate/);
    expect(seen).toEqual([{ path: SUPERVISOR_PATHS.cacerts, auth: false }]);
  });

  it('a wrong password is refused with 401, and the certificate endpoints need the node headers', async () => {
    const wrong = token.replace(/secret-password-1$/, 'nope-nope-nope');
    await expect(join({ token: wrong, nodeName: 'worker-6' })).rejects.toThrow(/refused the join token \(401 Unauthorized\)/);
    const res = await fetchStatus(`${url}${SUPERVISOR_PATHS.clientKubelet}`, 'node:secret-password-1');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', code: 400, message: expect.stringContaining('k3ts-node-name') });
    expect((await fetchStatus(`${url}${SUPERVISOR_PATHS.config}`)).status).toBe(401);
  });

  function fetchStatus(u: string, basic?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request(u, { ca: serverCa, headers: basic ? { Authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {} }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }
});
