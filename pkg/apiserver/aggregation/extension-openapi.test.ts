import * as crypto from 'node:crypto';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServingCertificate } from '../../certs/authority';
import { fetchExtensionOpenApi } from './extension-openapi';
import type { FrontProxyIdentity, ProxyTarget } from './proxy-request';

describe("downloading an extension's OpenAPI v3 document", () => {
  const state = { doc: '{"openapi":"3.0.0","paths":{}}', listed: true, hashInUrl: true, downloads: 0, users: [] as string[] };
  let server: https.Server;
  let target: ProxyTarget;
  let identity: FrontProxyIdentity;

  beforeAll(async () => {
    const ca = await createCertificateAuthority({ commonName: 'ext-ca', days: 1 });
    const leaf = await issueServingCertificate(ca, { commonName: 'api.ext.svc', dnsNames: ['api.ext.svc'], days: 1 });
    identity = { certPem: leaf.certPem, keyPem: leaf.keyPem };
    server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      state.users.push(String(req.headers['x-remote-user']));
      const url = new URL(req.url ?? '/', 'https://x');
      const hash = crypto.createHash('sha256').update(state.doc).digest('hex');
      if (url.pathname === '/openapi/v3') {
        const paths = state.listed ? { 'apis/ext.example.com/v1': { serverRelativeURL: `/openapi/v3/apis/ext.example.com/v1${state.hashInUrl ? `?hash=${hash}` : ''}` } } : {};
        return res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ paths }));
      }
      if (url.pathname === '/openapi/v3/apis/ext.example.com/v1') {
        state.downloads++;
        return res.writeHead(200, { 'Content-Type': 'application/json' }).end(state.doc);
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = { host: '127.0.0.1', port: (server.address() as AddressInfo).port, serverName: 'api.ext.svc', caPem: ca.certPem, insecureSkipTLSVerify: false };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps the document under the SHA-512 of its bytes and downloads it again only when its URL changes', async () => {
    const first = await fetchExtensionOpenApi(target, identity, 'ext.example.com', 'v1', undefined);
    expect(first?.body).toBe(state.doc);
    expect(first?.hash).toBe(crypto.createHash('sha512').update(state.doc).digest('hex').toUpperCase());
    expect(state.users).toContain('system:kube-aggregator');
    const again = await fetchExtensionOpenApi(target, identity, 'ext.example.com', 'v1', first);
    expect(again).toBe(first);
    expect(state.downloads).toBe(1);

    state.doc = '{"openapi":"3.0.0","paths":{},"components":{}}';
    const changed = await fetchExtensionOpenApi(target, identity, 'ext.example.com', 'v1', again);
    expect(changed?.body).toBe(state.doc);
    expect(state.downloads).toBe(2);

    // Without a hash in the extension's URL, every check downloads the document again.
    state.hashInUrl = false;
    await fetchExtensionOpenApi(target, identity, 'ext.example.com', 'v1', changed);
    await fetchExtensionOpenApi(target, identity, 'ext.example.com', 'v1', changed);
    expect(state.downloads).toBe(4);
  });

  it('gives nothing for a group version the extension does not list, and fails on documents that are not JSON objects', async () => {
    state.listed = false;
    expect(await fetchExtensionOpenApi(target, identity, 'ext.example.com', 'v1', undefined)).toBeUndefined();
    state.listed = true;
    state.doc = '[1,2]';
    await expect(fetchExtensionOpenApi(target, identity, 'ext.example.com', 'v1', undefined)).rejects.toThrow(/not a JSON object/);
    state.doc = 'not json';
    await expect(fetchExtensionOpenApi(target, identity, 'ext.example.com', 'v1', undefined)).rejects.toThrow();
  });
});
