// End to end: the generated set works for real TLS — Node's (OpenSSL) client and server, and Go's
// (the real kubectl) against a kubeconfig written by writeKubeconfig.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueClientCertificate } from './authority';
import { ensureClusterCertificates, type ClusterCertificates } from './cluster';
import { writeKubeconfig } from './kubeconfig';

const KUBECTL = '/usr/bin/kubectl';
const VERSION = '{"major":"1","minor":"36","gitVersion":"v1.36.0+k3ts"}';

let root: string;
let certs: ClusterCertificates;
const servers: Server[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'k3ts-tls-'));
  certs = await ensureClusterCertificates({
    tlsDir: join(root, 'tls'),
    clusterDomain: 'cluster.local',
    serviceIPs: ['10.43.0.1'],
    nodeIPs: [],
    hostname: 'test-host',
    tlsSans: [],
  });
});
afterAll(async () => {
  await Promise.all(
    servers.map((s) => {
      s.closeAllConnections();
      return new Promise<void>((resolve) => s.close(() => resolve()));
    }),
  );
  await rm(root, { recursive: true, force: true });
});

/** An API-server-shaped endpoint: client certs optional at the TLS layer, 401 without a verified one. */
async function startServer(strict = false): Promise<number> {
  const server = createServer(
    {
      cert: certs.servingKubeApiserver.certPem,
      key: certs.servingKubeApiserver.keyPem,
      ca: certs.clientCa.certPem,
      requestCert: true,
      rejectUnauthorized: strict,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      if (req.url?.startsWith('/version')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(VERSION);
        return;
      }
      if (!socket.authorized) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"kind":"Status","code":401}');
        return;
      }
      const peer = socket.getPeerCertificate();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ user: peer.subject.CN, groups: peer.subject.O ?? null }));
    },
  );
  servers.push(server);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function get(port: number, path: string, client?: { cert: string; key: string }, host = '127.0.0.1'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', servername: host === '127.0.0.1' ? undefined : host, port, path, ca: certs.serverCa.certPem, agent: false, ...client },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('TLS with the generated certificates', () => {
  it('accepts the admin client certificate and rejects a request without one', async () => {
    const port = await startServer();
    const admin = { cert: certs.clients.admin.certPem, key: certs.clients.admin.keyPem };
    expect(await get(port, '/api', admin)).toEqual({ status: 200, body: '{"user":"system:admin","groups":"system:masters"}' });
    expect(await get(port, '/api', admin, 'kubernetes.default.svc')).toMatchObject({ status: 200 });
    expect(await get(port, '/api')).toMatchObject({ status: 401 });
    // A client certificate from a CA the server does not trust is not an identity either.
    const stranger = await createCertificateAuthority({ commonName: 'stranger', days: 1 });
    const forged = await issueClientCertificate(stranger, { commonName: 'system:admin', organizations: ['system:masters'], days: 1 });
    expect(await get(port, '/api', { cert: forged.certPem, key: forged.keyPem })).toMatchObject({ status: 401 });
  });

  it('a strict server (client cert required at the handshake) refuses a client without one', async () => {
    const port = await startServer(true);
    const scheduler = { cert: certs.clients.scheduler.certPem, key: certs.clients.scheduler.keyPem };
    expect(await get(port, '/x', scheduler)).toEqual({ status: 200, body: '{"user":"system:kube-scheduler","groups":null}' });
    await expect(get(port, '/x')).rejects.toThrow();
  });

  it('the client rejects a server name outside the serving certificate SANs', async () => {
    const port = await startServer();
    await expect(get(port, '/version', undefined, 'not-in-sans.example')).rejects.toThrow(/altnames|Hostname/i);
  });

  it.skipIf(!existsSync(KUBECTL))('the real kubectl (Go TLS) accepts our certificates and kubeconfig', async () => {
    const port = await startServer();
    const kubeconfig = join(root, 'kube', 'k3ts.yaml');
    await writeKubeconfig(kubeconfig, {
      server: `https://127.0.0.1:${port}`,
      caPem: certs.serverCa.certPem,
      clientCertPem: certs.clients.admin.certPem,
      clientKeyPem: certs.clients.admin.keyPem,
    });
    const run = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000, env: { ...process.env, HOME: root } }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) || 1 : 0, stdout, stderr }),
        );
      });
    const version = await run(['get', '--raw', '/version']);
    expect(version).toMatchObject({ code: 0 });
    expect(version.stdout.trim()).toBe(VERSION);
    // Client-cert authentication goes through Go's TLS too: the server sees system:admin.
    const whoami = await run(['get', '--raw', '/whoami']);
    expect(whoami.stdout.trim()).toBe('{"user":"system:admin","groups":"system:masters"}');
  });
});
