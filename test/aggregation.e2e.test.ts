// API aggregation with the real kubectl against the built binary (--disable-agent): an extension
// API server in this test process serves wardle.example.com/v1alpha1 `flunders`; an APIService
// routes the group version to it through a selector-less Service and an EndpointSlice naming this
// host's non-loopback address (EndpointSlice validation refuses loopback). The API server proxies
// as the front proxy (client certificate of the request-header CA, X-Remote-User/-Group headers),
// keeps the APIService's Available condition and answers 503 for its paths once it is gone.
// The extension's OpenAPI v3 document is listed in /openapi/v3 (and folded into /openapi/v2), so
// `kubectl explain` knows Flunder; upgrade requests (WebSocket, SPDY) pass through to the
// extension as raw two-way streams after authorization.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServingCertificate } from '../pkg/certs/authority';
import { acceptKey, acceptWebSocket, WsConnection } from '../pkg/kubelet/server/websocket';
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

/** The extension's OpenAPI v3 document of wardle.example.com/v1alpha1: Flunder with `specFields` under spec. */
function flunderOpenApi(specFields: readonly string[]): string {
  const gvk = [{ group: 'wardle.example.com', version: 'v1alpha1', kind: 'Flunder' }];
  return JSON.stringify({
    openapi: '3.0.0',
    info: { title: 'Wardle', version: 'v0.1.0' },
    paths: {
      [`/apis/${GV}/namespaces/{namespace}/flunders/{name}`]: {
        get: { operationId: 'readFlunder', 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk[0], responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/com.example.wardle.v1alpha1.Flunder' } } } } } },
      },
    },
    components: {
      schemas: {
        'com.example.wardle.v1alpha1.Flunder': {
          type: 'object',
          description: 'A Flunder of the wardle example.',
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            metadata: { type: 'object' },
            spec: { type: 'object', properties: Object.fromEntries(specFields.map((f) => [f, { type: 'string', description: `The ${f} of the flunder.` }])) },
          },
          'x-kubernetes-group-version-kind': gvk,
        },
      },
    },
  });
}

/** The extension API server: discovery, list and get of flunders, OpenAPI v3, upgrades; records who asked. */
async function startExtension(requestHeaderCaPem: string) {
  const ca = await createCertificateAuthority({ commonName: 'wardle-ca', days: 1 });
  const leaf = await issueServingCertificate(ca, { commonName: 'api.wardle.svc', dnsNames: ['api.wardle.svc'], ipAddresses: [], days: 1 });
  const seen: Seen[] = [];
  const openapi = { specFields: ['reference'] };
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
    if (url.pathname === '/openapi/v3') {
      const hash = crypto.createHash('sha256').update(flunderOpenApi(openapi.specFields)).digest('hex');
      return send(200, { paths: { [`apis/${GV}`]: { serverRelativeURL: `/openapi/v3/apis/${GV}?hash=${hash}` } } });
    }
    if (url.pathname === `/openapi/v3/apis/${GV}`) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(flunderOpenApi(openapi.specFields));
    }
    if (url.pathname === base) return send(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: GV, resources: [{ name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['get', 'list'], shortNames: ['fl'] }] });
    if (url.pathname === `${base}/flunders` || url.pathname === `${base}/namespaces/default/flunders`) return send(200, { apiVersion: GV, kind: 'FlunderList', metadata: { resourceVersion: '1' }, items: FLUNDERS });
    const one = /^\/apis\/wardle\.example\.com\/v1alpha1\/namespaces\/default\/flunders\/([^/]+)$/.exec(url.pathname);
    const found = one && FLUNDERS.find((f) => f.metadata.name === one[1]);
    if (found) return send(200, found);
    send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${url.pathname} not found` });
  });
  // Upgrades: `…/flunders/<name>/echo` echoes WebSocket messages; an SPDY/3.1 upgrade is answered
  // 101 and its bytes echoed raw.
  const upgrades: { path: string; user?: string; protocols: string[] }[] = [];
  server.on('upgrade', (req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    upgrades.push({ path: req.url ?? '', user: req.headers['x-remote-user'] as string | undefined, protocols: req.headersDistinct['x-stream-protocol-version'] ?? [] });
    if (!/\/flunders\/[^/]+\/echo(\?|$)/.test(req.url ?? '')) return socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    if (String(req.headers.upgrade).toLowerCase() === 'spdy/3.1') {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
      if (head.length) socket.write(head);
      socket.pipe(socket);
      return;
    }
    const ws = acceptWebSocket(req, socket, head, 'echo.example.com');
    ws?.on('message', (data, binary) => ws.send(Buffer.concat([Buffer.from('echo: '), data]), binary));
  });
  await new Promise<void>((resolve) => server.listen(0, hostIp, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    seen,
    openapi,
    upgrades,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface UpgradeAnswer {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly socket: tls.TLSSocket;
  /** Bytes that followed the answer's head. */
  readonly rest: Buffer;
}

/** Sends an upgrade request to the API server as the admin and reads the answer's head. */
function upgradeThroughApi(s: TestServer, pathAndQuery: string, headerLines: readonly string[]): Promise<UpgradeAnswer> {
  const dir = path.join(s.dataDir, 'server', 'tls');
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: s.port, ca: fs.readFileSync(path.join(dir, 'server-ca.crt')), cert: fs.readFileSync(path.join(dir, 'client-admin.crt')), key: fs.readFileSync(path.join(dir, 'client-admin.key')) });
    let buf = Buffer.alloc(0);
    socket.once('error', reject);
    socket.once('secureConnect', () => socket.write([`GET ${pathAndQuery} HTTP/1.1`, `Host: 127.0.0.1:${s.port}`, 'Connection: Upgrade', ...headerLines, '', ''].join('\r\n')));
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const));
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers, socket, rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
  });
}

/** The next chunk of bytes a socket receives (after `already`, if any). */
function nextBytes(socket: tls.TLSSocket, already: Buffer, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = already;
    const check = () => {
      if (buf.length < length) return;
      socket.off('data', onData);
      resolve(buf);
    };
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      check();
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`the connection closed after ${buf.length} of ${length} bytes`)));
    check();
  });
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

  it("the extension's OpenAPI v3 is listed in /openapi/v3, folded into /openapi/v2, and kubectl explain describes its kind", async () => {
    const index = async () => JSON.parse((await ok(['get', '--raw', '/openapi/v3'])).stdout) as { paths: Record<string, { serverRelativeURL: string }> };
    const url = await eventually(async () => (await index()).paths[`apis/${GV}`]?.serverRelativeURL, 'the aggregated group version in /openapi/v3', 45_000, 250);
    expect((await index()).paths['apis/apps/v1']).toBeDefined();
    const doc = JSON.parse((await ok(['get', '--raw', url])).stdout) as { components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.components.schemas)).toContain('com.example.wardle.v1alpha1.Flunder');
    // The served hash is the document's own; an outdated one is redirected to it.
    const hash = new URL(url, 'https://x').searchParams.get('hash')!;
    expect(hash).toBe(crypto.createHash('sha512').update(flunderOpenApi(['reference'])).digest('hex').toUpperCase());

    const explain = await ok(['explain', 'flunders.spec']);
    expect(explain.stdout).toContain('KIND:       Flunder');
    expect(explain.stdout).toMatch(/reference\s+<string>/);
    const v2 = await ok(['explain', '--output=plaintext-openapiv2', 'flunders.spec']);
    expect(v2.stdout).toMatch(/reference\s+<string>/);

    // A changed document is picked up when the APIService changes (or at the next periodic check).
    ext!.openapi.specFields = ['reference', 'size'];
    await ok(['annotate', 'apiservice', 'v1alpha1.wardle.example.com', 'example.com/touched=1', '--overwrite']);
    await eventually(async () => (await run(['explain', 'flunders.spec'])).stdout.includes('size'), 'kubectl explain to show the new field', 45_000, 500);
    const newUrl = (await index()).paths[`apis/${GV}`]!.serverRelativeURL;
    expect(newUrl).not.toBe(url);
  });

  it('upgrade requests to an aggregated resource are joined to the extension as raw streams, as the caller', async () => {
    const echoPath = `/apis/${GV}/namespaces/default/flunders/alpha/echo`;
    const key = crypto.randomBytes(16).toString('base64');
    const ws = await upgradeThroughApi(s, echoPath, ['Upgrade: websocket', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: echo.example.com']);
    expect(ws.status).toBe(101);
    expect(ws.headers.get('sec-websocket-accept')).toBe(acceptKey(key));
    expect(ws.headers.get('sec-websocket-protocol')).toBe('echo.example.com');
    const conn = new WsConnection(ws.socket, true, 'echo.example.com', ws.rest);
    const reply = new Promise<string>((resolve) => conn.once('message', (d) => resolve(d.toString('utf8'))));
    conn.send(Buffer.from('hello'), false);
    expect(await reply).toBe('echo: hello');
    conn.close();
    expect(ext!.upgrades.at(-1)).toMatchObject({ path: echoPath, user: 'system:admin' });

    // SPDY: repeated X-Stream-Protocol-Version lines arrive as a list; bytes flow both ways untouched.
    const spdy = await upgradeThroughApi(s, `${echoPath}?stdout=true`, ['Upgrade: SPDY/3.1', 'X-Stream-Protocol-Version: v4.channel.k8s.io', 'X-Stream-Protocol-Version: v3.channel.k8s.io']);
    expect(spdy.status).toBe(101);
    expect(spdy.headers.get('x-stream-protocol-version')).toBe('v4.channel.k8s.io');
    const frame = Buffer.from([0x80, 0x03, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04]);
    spdy.socket.write(frame);
    expect(await nextBytes(spdy.socket, spdy.rest, frame.length)).toEqual(frame);
    spdy.socket.destroy();
    expect(ext!.upgrades.at(-1)).toMatchObject({ path: `${echoPath}?stdout=true`, user: 'system:admin', protocols: ['v4.channel.k8s.io', 'v3.channel.k8s.io'] });

    // Authorization comes first: a caller without access gets a 403 Status and the extension sees nothing.
    const before = ext!.upgrades.length;
    const denied = await upgradeThroughApi(s, echoPath, ['Upgrade: websocket', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', 'Impersonate-User: nobody']);
    expect(denied.status).toBe(403);
    const body = await nextBytes(denied.socket, denied.rest, Number(denied.headers.get('content-length')));
    expect(JSON.parse(body.toString('utf8'))).toMatchObject({ kind: 'Status', reason: 'Forbidden' });
    denied.socket.destroy();
    expect(ext!.upgrades.length).toBe(before);
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
    // OpenAPI leaves the unavailable group out and keeps serving the rest.
    const index = JSON.parse((await ok(['get', '--raw', '/openapi/v3'])).stdout) as { paths: Record<string, unknown> };
    expect(index.paths[`apis/${GV}`]).toBeUndefined();
    expect(index.paths['api/v1']).toBeDefined();
    expect((await ok(['explain', 'pods.spec.containers'])).stdout).toMatch(/image\s+<string>/);
    expect((await ok(['explain', '--output=plaintext-openapiv2', 'deployments.spec'])).stdout).toMatch(/replicas\s+<integer>/);
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
