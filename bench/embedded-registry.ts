// What the embedded registry mirror's own code costs per blob, in process on loopback with real TLS
// (server certificate from a test CA, client certificates required, as on a node):
//   a) a 50 MiB blob read from a node's store (in-memory here, containerd's content service on a
//      node) and served with its digest verified,
//   b) the same blob through a second mirror that proxies it from the first (verified again),
//   c) baseline: the same bytes written by a bare HTTPS server with no hashing.
//   d) with a containerd socket and a blob digest in it: a) from containerd's content service.
// Figures are MiB/s, best of N rounds; c/a and c/b say what verification and proxying cost.
// Usage: npx tsx bench/embedded-registry.ts [rounds] [MiB] [containerd.sock sha256:…]
import * as crypto from 'node:crypto';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../pkg/client/clock';
import { createCertificateAuthority, issueClientCertificate, issueServingCertificate } from '../pkg/certs';
import { silentLogger } from '../pkg/log/logger';
import { ContainerdContentStore } from '../pkg/mirror/content-store';
import { MemoryContentStore } from '../pkg/mirror/memory-content-store';
import { ANN_ENDPOINT, ANN_HEARTBEAT, ANN_INVENTORY, PeerDirectory } from '../pkg/mirror/peer-directory';
import { createRegistryHandler } from '../pkg/mirror/registry-handler';
import { peerRequester, type MirrorTls } from '../pkg/mirror/start-mirror';
import type { KubeObject } from '../pkg/api/types';

const rounds = Number(process.argv[2] ?? 3);
const mib = Number(process.argv[3] ?? 50);
const containerd = process.argv[4] ? { address: process.argv[4], digest: process.argv[5] ?? '' } : undefined;

async function main(): Promise<void> {
  const serverCa = await createCertificateAuthority({ commonName: 'bench-server-ca', days: 1 });
  const clientCa = await createCertificateAuthority({ commonName: 'bench-client-ca', days: 1 });
  const serving = await issueServingCertificate(serverCa, { commonName: 'node', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], days: 1 });
  const client = await issueClientCertificate(clientCa, { commonName: 'system:node:bench', organizations: ['system:nodes'], days: 1 });
  const tls: MirrorTls = { serverCaPem: serverCa.certPem, clientCaPem: clientCa.certPem, servingCertPem: serving.certPem, servingKeyPem: serving.keyPem, clientCertPem: client.certPem, clientKeyPem: client.keyPem };
  const blob = crypto.randomBytes(mib * 1024 * 1024);
  const store = new MemoryContentStore();
  const digest = store.put(blob);
  const clock = new FakeClock(Date.now());
  const listen = async (handler: Parameters<typeof https.createServer>[1]) => {
    const srv = https.createServer({ cert: tls.servingCertPem, key: tls.servingKeyPem, ca: tls.clientCaPem, requestCert: true, rejectUnauthorized: true }, handler);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return srv;
  };
  const b = await listen(createRegistryHandler({ store, peers: new PeerDirectory({ self: 'b', clock }), requestPeer: peerRequester(tls), log: silentLogger() }));
  const portB = (b.address() as AddressInfo).port;
  const dirA = new PeerDirectory({ self: 'a', clock });
  dirA.update({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'b', annotations: { [ANN_ENDPOINT]: `https://127.0.0.1:${portB}`, [ANN_HEARTBEAT]: new Date(clock.now()).toISOString(), [ANN_INVENTORY]: JSON.stringify({ refs: {}, digests: [digest] }) } } } as KubeObject);
  const a = await listen(createRegistryHandler({ store: new MemoryContentStore(), peers: dirA, requestPeer: peerRequester(tls), log: silentLogger() }));
  const bare = await listen((_req, res) => {
    res.writeHead(200, { 'Content-Length': blob.length });
    res.end(blob);
  });

  const ctd = containerd ? new ContainerdContentStore({ address: containerd.address }) : undefined;
  const ctdSize = ctd ? (await ctd.info(containerd!.digest))?.size : undefined;
  if (ctd && ctdSize === undefined) throw new Error(`containerd holds no blob ${containerd!.digest}`);
  const d = ctd ? await listen(createRegistryHandler({ store: ctd, peers: new PeerDirectory({ self: 'd', clock }), requestPeer: peerRequester(tls), log: silentLogger() })) : undefined;

  const fetchAll = (port: number, want = digest, size = blob.length) =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      const req = https.request({ host: '127.0.0.1', port, path: `/v2/bench/blob/blobs/${want}?ns=docker.io`, ca: tls.serverCaPem, cert: tls.clientCertPem, key: tls.clientKeyPem }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => (n === size ? resolve(performance.now() - t) : reject(new Error(`got ${n} of ${size} bytes`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  const best = async (port: number, want = digest, size = blob.length) => {
    let ms = Infinity;
    for (let i = 0; i < rounds; i++) ms = Math.min(ms, await fetchAll(port, want, size));
    return size / 1048576 / (ms / 1000);
  };
  const local = await best(portB);
  const proxied = await best((a.address() as AddressInfo).port);
  const baseline = await best((bare.address() as AddressInfo).port);
  console.log(`embedded registry, ${mib} MiB blob, best of ${rounds} (loopback TLS, one process):`);
  console.log(`  a) served from the store, digest verified : ${local.toFixed(0)} MiB/s`);
  console.log(`  b) proxied from a peer, verified twice    : ${proxied.toFixed(0)} MiB/s`);
  console.log(`  c) bare HTTPS server, no hashing          : ${baseline.toFixed(0)} MiB/s  (c/a ${(baseline / local).toFixed(2)}, c/b ${(baseline / proxied).toFixed(2)})`);
  if (d && containerd && ctdSize !== undefined) {
    const viaContainerd = await best((d.address() as AddressInfo).port, containerd.digest, ctdSize);
    console.log(`  d) served from containerd's content service: ${viaContainerd.toFixed(0)} MiB/s (${(ctdSize / 1048576).toFixed(1)} MiB blob)`);
    ctd!.close();
  }
  for (const s of [a, b, bare, ...(d ? [d] : [])]) {
    s.closeAllConnections();
    s.close();
  }
}

void main();
