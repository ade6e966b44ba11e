import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { FakeClock } from '../client/clock';
import { parseRegistries, renderHostsFiles } from '../containerd/registries';
import { silentLogger } from '../log/logger';
import { localMirrorHost } from './agent-mirror';
import { MirrorError } from './errors';
import { ImageInventory } from './image-inventory';
import { MemoryContentStore } from './memory-content-store';
import { parseOciRequest, parseRange } from './oci-request';
import { ANN_ENDPOINT, ANN_HEARTBEAT, ANN_INVENTORY, PeerDirectory, type Peer } from './peer-directory';
import { FORWARDED_HEADER, createRegistryHandler } from './registry-handler';
import { streamVerified } from './verified-stream';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function image(store: MemoryContentStore, name: string, layerBytes: Buffer) {
  const layer = store.put(layerBytes);
  const config = store.put('{"architecture":"amd64","os":"linux"}');
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 36 }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: layerBytes.length }] });
  const digest = store.put(manifest);
  store.tag(name, digest, OCI_MANIFEST);
  return { layer, config, manifest: digest, manifestBody: manifest };
}

function node(name: string, ann: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, annotations: ann } } as KubeObject;
}

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  aborted: boolean;
}

function get(port: number, p: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const parts: Buffer[] = [];
      let aborted = false;
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('aborted', () => (aborted = true));
      res.on('error', () => (aborted = true));
      res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), aborted: aborted || !res.complete }));
    });
    // A response cut before its headers arrived: the connection just closes.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve({ status: 0, headers: {}, body: Buffer.alloc(0), aborted: true }) : reject(e)));
    req.end();
  });
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function serve(store: MemoryContentStore, peers: PeerDirectory): Promise<number> {
  const requestPeer = (peer: Peer, p: string, method: 'GET' | 'HEAD', signal: AbortSignal) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(new URL(p, peer.endpoint), { method, headers: { [FORWARDED_HEADER]: '1' }, signal }, resolve);
      req.on('error', reject);
      req.end();
    });
  const srv = http.createServer(createRegistryHandler({ store, peers, requestPeer, log: silentLogger() }));
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as AddressInfo).port;
}

describe('OCI request parsing', () => {
  it('parses manifests by tag and digest, blobs, and the ns registry', () => {
    expect(parseOciRequest('/v2/')).toEqual({ kind: 'base' });
    expect(parseOciRequest('/v2/library/busybox/manifests/1.36?ns=docker.io')).toEqual({ kind: 'manifest', name: 'library/busybox', reference: '1.36', byDigest: false, registry: 'docker.io' });
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseOciRequest(`/v2/x/y/blobs/${d}?ns=quay.io`)).toEqual({ kind: 'blob', name: 'x/y', digest: d, registry: 'quay.io' });
    expect(() => parseOciRequest('/v2/x/blobs/latest')).toThrow(MirrorError);
    expect(() => parseOciRequest('/v2/UPPER/manifests/1')).toThrow(/invalid/);
    expect(() => parseOciRequest('/v2/x/tags/list')).toThrow(/not an OCI distribution path/);
  });

  it('parses single byte ranges and refuses unsatisfiable ones', () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=10-19', 100)).toEqual({ start: 10, end: 19 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-5', 100)).toEqual({ start: 95, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(() => parseRange('bytes=100-', 100)).toThrow(/outside/);
    expect(() => parseRange('bytes=1-2,4-5', 100)).toThrow(/single/);
  });
});

describe('streamVerified', () => {
  const chunks = (b: Buffer) => (async function* () {
    for (let i = 0; i < b.length; i += 7) yield b.subarray(i, i + 7);
  })();

  it('writes the content (or its range) when it hashes to the digest', async () => {
    const s = new MemoryContentStore();
    const data = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
    const d = s.put(data);
    const out: Buffer[] = [];
    await streamVerified(chunks(data), d, data.length, { write: async (c) => void out.push(c) });
    expect(Buffer.concat(out).equals(data)).toBe(true);
    const part: Buffer[] = [];
    await streamVerified(chunks(data), d, data.length, { write: async (c) => void part.push(c) }, { start: 5, end: 20 });
    expect(Buffer.concat(part).toString()).toBe('56789abcdefghijk');
  });

  it('never writes the whole of corrupted or partial content', async () => {
    const data = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
    const d = new MemoryContentStore().put(data);
    const bad = Buffer.from(data);
    bad[30] = 0x21;
    const out: Buffer[] = [];
    await expect(streamVerified(chunks(bad), d, data.length, { write: async (c) => void out.push(c) })).rejects.toMatchObject({ code: 'digest-mismatch' });
    expect(Buffer.concat(out).length).toBeLessThan(data.length);
    const short: Buffer[] = [];
    await expect(streamVerified(chunks(data.subarray(0, 20)), d, data.length, { write: async (c) => void short.push(c) })).rejects.toThrow(/partial/);
    expect(Buffer.concat(short).length).toBeLessThan(20);
  });
});

describe('registry handler', () => {
  it('serves the OCI API from the local store: tags, digests, HEAD, Range, errors', async () => {
    const store = new MemoryContentStore();
    const layerBytes = Buffer.alloc(300_000, 7);
    const img = image(store, 'docker.io/library/app:1', layerBytes);
    const port = await serve(store, new PeerDirectory({ self: 'a', clock: new FakeClock() }));

    const base = await get(port, '/v2/');
    expect(base.status).toBe(200);
    expect(base.headers['docker-distribution-api-version']).toBe('registry/2.0');

    const tag = await get(port, '/v2/library/app/manifests/1?ns=docker.io');
    expect(tag.status).toBe(200);
    expect(tag.headers['content-type']).toBe(OCI_MANIFEST);
    expect(tag.headers['docker-content-digest']).toBe(img.manifest);
    expect(tag.body.toString()).toBe(img.manifestBody);
    const head = await get(port, '/v2/library/app/manifests/1?ns=docker.io', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(img.manifestBody.length);
    expect(head.body.length).toBe(0);
    const byDigest = await get(port, `/v2/library/app/manifests/${img.manifest}`);
    expect(byDigest.headers['content-type']).toBe(OCI_MANIFEST);

    const blob = await get(port, `/v2/library/app/blobs/${img.layer}`);
    expect(blob.status).toBe(200);
    expect(blob.body.equals(layerBytes)).toBe(true);
    expect(blob.headers['accept-ranges']).toBe('bytes');
    const ranged = await get(port, `/v2/library/app/blobs/${img.layer}`, { headers: { Range: 'bytes=100-199' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 100-199/${layerBytes.length}`);
    expect(ranged.body.length).toBe(100);
    expect((await get(port, `/v2/library/app/blobs/${img.layer}`, { headers: { Range: 'bytes=999999-' } })).status).toBe(416);

    const missing = await get(port, '/v2/library/app/manifests/2?ns=docker.io');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString()).errors[0].code).toBe('MANIFEST_UNKNOWN');
    const missingBlob = await get(port, `/v2/library/app/blobs/sha256:${'0'.repeat(64)}`);
    expect(JSON.parse(missingBlob.body.toString()).errors[0].code).toBe('BLOB_UNKNOWN');
    expect((await get(port, '/v2/library/app/manifests/1', { method: 'DELETE' })).status).toBe(405);
  });

  it('aborts the response instead of serving a corrupted blob', async () => {
    const store = new MemoryContentStore();
    const layerBytes = Buffer.alloc(3_000_000, 3);
    const img = image(store, 'docker.io/library/app:1', layerBytes);
    store.corrupt(img.layer, 2_900_000);
    const port = await serve(store, new PeerDirectory({ self: 'a', clock: new FakeClock() }));
    const r = await get(port, `/v2/library/app/blobs/${img.layer}`);
    expect(r.aborted).toBe(true);
    expect(r.body.length).toBeLessThan(layerBytes.length);
  });

  it('proxies to a live peer advertising the content, verifies it, and never forwards a forwarded request', async () => {
    const clock = new FakeClock(Date.now());
    const storeB = new MemoryContentStore();
    const layerBytes = Buffer.alloc(3_000_000, 9);
    const img = image(storeB, 'docker.io/library/app:1', layerBytes);
    const portB = await serve(storeB, new PeerDirectory({ self: 'b', clock }));
    const inv = await new ImageInventory(storeB).current();
    expect(inv.refs['docker.io/library/app:1']).toBe(img.manifest);
    expect(inv.digests).toEqual([img.layer, img.config, img.manifest].sort());

    const dir = new PeerDirectory({ self: 'a', clock });
    const portA = await serve(new MemoryContentStore(), dir);
    const advertise = () => dir.update(node('b', { [ANN_ENDPOINT]: `http://127.0.0.1:${portB}`, [ANN_HEARTBEAT]: new Date(clock.now()).toISOString(), [ANN_INVENTORY]: JSON.stringify(inv) }));
    advertise();
    const tag = await get(portA, '/v2/library/app/manifests/1?ns=docker.io');
    expect(tag.status).toBe(200);
    expect(tag.headers['docker-content-digest']).toBe(img.manifest);
    const blob = await get(portA, `/v2/library/app/blobs/${img.layer}?ns=docker.io`);
    expect(blob.body.equals(layerBytes)).toBe(true);
    // A forwarded request is answered from the local store only.
    expect((await get(portA, '/v2/library/app/manifests/1?ns=docker.io', { headers: { [FORWARDED_HEADER]: '1' } })).status).toBe(404);

    // The peer's copy goes bad: the proxied body is cut short rather than served.
    storeB.corrupt(img.layer, 2_900_000);
    const bad = await get(portA, `/v2/library/app/blobs/${img.layer}?ns=docker.io`);
    expect(bad.aborted).toBe(true);

    // The heartbeat goes stale: the peer is no longer offered.
    clock.advance(26_000);
    expect(dir.livePeers()).toEqual([]);
    expect((await get(portA, '/v2/library/app/manifests/1?ns=docker.io')).status).toBe(404);
    advertise();
    expect(dir.livePeers()).toEqual(['b']);
    dir.update(node('b', {}));
    expect(dir.livePeers()).toEqual([]);
  });
});

describe('hosts.toml with the embedded registry', () => {
  it('puts the local mirror first for every registry under mirrors:, then the endpoints, then upstream', () => {
    const reg = parseRegistries('mirrors:\n  docker.io:\n    endpoint: ["https://m.example:5000"]\n  "*": {}\n');
    const files = renderHostsFiles(reg, localMirrorHost('/var/lib/rancher/k3ts/agent'));
    const docker = files.get('docker.io')!;
    expect(docker).toContain('server = "https://registry-1.docker.io"');
    expect(docker.indexOf('[host."https://127.0.0.1:5001/v2"]')).toBeLessThan(docker.indexOf('[host."https://m.example:5000/v2"]'));
    expect(docker).toContain('ca = ["/var/lib/rancher/k3ts/agent/server-ca.crt"]');
    expect(docker).toContain('client = [["/var/lib/rancher/k3ts/agent/client-kubelet.crt", "/var/lib/rancher/k3ts/agent/client-kubelet.key"]]');
    expect(files.get('_default')).toContain('[host."https://127.0.0.1:5001/v2"]');
    expect(renderHostsFiles(reg).get('docker.io')).not.toContain('5001');
  });
});
