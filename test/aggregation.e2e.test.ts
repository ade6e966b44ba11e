// API aggregation with the real kubectl against the built binary (--disable-agent): an extension
// API server in this test process serves wardle.example.com/v1alpha1 `flunders`; an APIService
// routes the group version to it through a selector-less Service and an EndpointSlice naming this
// host's non-loopback address (EndpointSlice validation refuses loopback). The API server proxies
// as the front proxy (client certificate of the request-header CA, X-Remote-User/-Group headers),
// keeps the APIService's Available condition and answers 503 for its paths once it is gone.
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServingCertificate } from '../pkg/certs/authority';
import { eventually, startTestServer, type TestServer } from './helpers/cluster';

const hostIp = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

const GV = 'wardle.example.com/v1alpha1';
const FLUNDERS = ['alpha', 'beta'].map((name) => ({ apiVersion: GV, kind: 'Flunder', metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { reference: name } }));

interface Seen {
  readonly path: string;
  readonly user?: string;
  readonly groups: string[];
  readonly clientCn?: string;
  readonly clientVerified: boolean;
}

/** The extension API server: discovery, list and get of flunders; records who asked. */
async function startExtension(requestHeaderCaPem: string) {
  const ca = await createCertificateAuthority({ commonName: 'wardle-ca', days: 1 });
  const leaf = await issueServingCertificate(ca, { commonName: 'api.wardle.svc', dnsNames: ['api.wardle.svc'], ipAddresses: [], days: 1 });
  const seen: Seen[] = [];
  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem, ca: requestHeaderCaPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const socket = req.socket as TLSSocket;
    // One X-Remote-Group header line per group.
    seen.push({ path: req.url ?? '', user: req.headers['x-remote-user'] as string | undefined, groups: req.headersDistinct['x-remote-group'] ?? [], clientCn: socket.getPeerCertificate()?.subject?.CN as string | undefined, clientVerified: socket.authorized });
    const url = new URL(req.url ?? '/', 'https://x');
    const send = (code: number, body: object) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const base = `/apis/${GV}`;
    if (url.searchParams.get('watch') === 'true') {
      // A watch: one event now, the stream left open until the caller goes away.
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: FLUNDERS[0] })}\n`);
      return;
    }
    if (url.pathname === base) return send(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: GV, resources: [{ name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['get', 'list'], shortNames: ['fl'] }] });
    if (url.pathname === `${base}/flunders` || url.pathname === `${base}/namespaces/default/flunders`) return send(200, { apiVersion: GV, kind: 'FlunderList', metadata: { resourceVersion: '1' }, items: FLUNDERS });
    const one = /^\/apis\/wardle\.example\.com\/v1alpha1\/namespaces\/default\/flunders\/([^/]+)$/.exec(url.pathname);
    const found = one && FLUNDERS.find((f) => f.metadata.name === one[1]);
    if (found) return send(200, found);
    send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${url.pathname} not found` });
  });
  await new Promise<void>((resolve) => server.listen(0, hostIp, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe.skipIf(!hostIp)('API aggregation with kubectl', () => {
  let s: TestServer;
  let ext: Awaited<ReturnType<typeof startExtension>> | undefined;

  const run = (args: string[], input?: string) => s.kubectl(args, { input });
  const ok = async (args: string[], input?: string) => {
    const r = await run(args, input);
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
    return r;
  };
  const available = async () => (await run(['get', 'apiservice', 'v1alpha1.wardle.example.com', '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}/{.status.conditions[?(@.type=="Available")].reason}'])).stdout;

  beforeAll(async () => {
    s = await startTestServer();
    ext = await startExtension(fs.readFileSync(path.join(s.dataDir, 'server', 'tls', 'request-header-ca.crt'), 'utf8'));
    await ok(['create', 'namespace', 'wardle']);
    await ok(
      ['apply', '-f', '-'],
      `
apiVersion: v1
kind: Service
metadata: {name: api, namespace: wardle}
spec:
  ports: [{name: https, port: 443, targetPort: ${ext.port}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-1, namespace: wardle, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
endpoints: [{addresses: ["${hostIp}"], conditions: {ready: true}}]
ports: [{name: https, port: ${ext.port}, protocol: TCP}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1alpha1.wardle.example.com}
spec:
  group: wardle.example.com
  version: v1alpha1
  groupPriorityMinimum: 1000
  versionPriority: 15
  caBundle: ${ext.caBundle}
  service: {namespace: wardle, name: api, port: 443}
`,
    );
  }, 120_000);
  afterAll(async () => {
    await ext?.close();
    await s?.stop();
  });

  it('the APIService becomes Available and kubectl lists and gets the extension resources as the caller', async () => {
    await eventually(async () => (await available()) === 'True/Passed', 'the APIService to become Available', 45_000, 250);
    const table = await ok(['get', 'apiservices']);
    expect(table.stdout).toMatch(/v1alpha1\.wardle\.example\.com\s+wardle\/api\s+True/);
    expect(table.stdout).toMatch(/v1\.apps\s+Local\s+True/);
    const resources = await ok(['api-resources', '--api-group=wardle.example.com']);
    expect(resources.stdout).toMatch(/flunders\s+fl\s+wardle\.example\.com\/v1alpha1\s+true\s+Flunder/);

    const before = ext!.seen.length;
    const list = await ok(['get', 'flunders']);
    expect(list.stdout).toMatch(/alpha/);
    expect(list.stdout).toMatch(/beta/);
    expect((await ok(['get', 'flunder', 'beta', '-o', 'jsonpath={.spec.reference}'])).stdout).toBe('beta');
    const notFound = await run(['get', 'flunder', 'gamma']);
    expect(notFound.exitCode).not.toBe(0);
    expect(notFound.stderr).toContain('NotFound');

    const proxied = ext!.seen.slice(before).filter((r) => r.path.includes('/flunders'));
    expect(proxied.length).toBeGreaterThanOrEqual(3);
    for (const r of proxied) {
      expect(r.user).toBe('system:admin');
      expect(r.groups).toContain('system:masters');
      expect(r.clientCn).toBe('system:auth-proxy');
      expect(r.clientVerified).toBe(true);
    }
  });

  it('identity headers sent by the caller are replaced by the authenticated user', async () => {
    const tls = path.join(s.dataDir, 'server', 'tls');
    const before = ext!.seen.length;
    const code = await new Promise<number | undefined>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: s.port,
          path: `/apis/${GV}/namespaces/default/flunders`,
          ca: fs.readFileSync(path.join(tls, 'server-ca.crt')),
          cert: fs.readFileSync(path.join(tls, 'client-admin.crt')),
          key: fs.readFileSync(path.join(tls, 'client-admin.key')),
          headers: { 'X-Remote-User': 'mallory', 'X-Remote-Group': 'evil' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(code).toBe(200);
    const got = ext!.seen.slice(before);
    expect(got.map((x) => x.user)).toEqual(['system:admin']);
    expect(got[0]!.groups).not.toContain('evil');
  });

  it('a watch streams through the proxy while it stays open', async () => {
    const tls = path.join(s.dataDir, 'server', 'tls');
    const first = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: s.port,
          path: `/apis/${GV}/namespaces/default/flunders?watch=true`,
          ca: fs.readFileSync(path.join(tls, 'server-ca.crt')),
          cert: fs.readFileSync(path.join(tls, 'client-admin.crt')),
          key: fs.readFileSync(path.join(tls, 'client-admin.key')),
        },
        (res) => {
          res.once('data', (chunk: Buffer) => {
            resolve(chunk.toString('utf8'));
            req.destroy();
          });
          res.on('end', () => reject(new Error('the watch ended before its first event')));
        },
      );
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      req.end();
    });
    expect(JSON.parse(first.trim())).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'alpha' } } });
  });

  it('a stopped extension makes the APIService unavailable and its paths 503 while the rest of the API works', async () => {
    await ext!.close();
    ext = undefined;
    await eventually(async () => (await available()) === 'False/FailedDiscoveryCheck', 'the APIService to become unavailable', 60_000, 500);
    expect((await ok(['get', 'apiservices', 'v1alpha1.wardle.example.com'])).stdout).toMatch(/False \(FailedDiscoveryCheck\)/);
    const failed = await run(['get', 'flunders']);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr).toMatch(/ServiceUnavailable|503/);
    const raw = await run(['get', '--raw', `/apis/${GV}/namespaces/default/flunders`]);
    expect(raw.exitCode).not.toBe(0);
    expect(raw.stderr).toContain('ServiceUnavailable');
    await ok(['get', 'pods', '-A']);
    await ok(['get', 'namespaces']);
  });

  it('an APIService naming a missing Service is unavailable with ServiceNotFound and answers 503', async () => {
    await ok(['apply', '-f', '-'], `
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1.missing.example.com}
spec: {group: missing.example.com, version: v1, groupPriorityMinimum: 1000, versionPriority: 15, insecureSkipTLSVerify: true, service: {namespace: wardle, name: nothing, port: 443}}
`);
    const status = () => run(['get', 'apiservice', 'v1.missing.example.com', '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}/{.status.conditions[?(@.type=="Available")].reason}']);
    await eventually(async () => (await status()).stdout === 'False/ServiceNotFound', 'the ServiceNotFound condition', 45_000, 250);
    const raw = await run(['get', '--raw', '/apis/missing.example.com/v1']);
    expect(raw.stderr).toContain('ServiceUnavailable');
    await ok(['delete', 'apiservice', 'v1.missing.example.com']);
    await eventually(async () => (await run(['get', '--raw', '/apis/missing.example.com/v1'])).stderr.includes('NotFound'), 'the route to go with its APIService', 45_000, 250);
  });
});
