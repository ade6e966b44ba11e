// The embedded registry mirror (--embedded-registry, pkg/mirror) on two nodes in network namespaces
// with no route out of the host: an image imported on node1 only is pulled by node0 through the
// mirror (node0's containerd → its local mirror → node1's mirror), the OCI API answers as a registry
// does (tags, digests, HEAD, Range, client certificates required), a node that dies stops being
// offered within 30 s, and without the mirror the same pod cannot pull its image.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../pkg/containerd/containerd-supervisor';
import { CtrImporter } from '../pkg/images/image-importer';
import { BUSYBOX_STATIC, busyboxRootfs } from '../pkg/images/busybox-image';
import { buildOciImage, ociArch, type BuiltImage } from '../pkg/images/oci-image';
import { ANN_INVENTORY } from '../pkg/mirror/peer-directory';
import { eventually } from './helpers/cluster';
import { netnsClusterUnavailable, startNetnsCluster, type NetnsCluster } from './helpers/netns-cluster';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const unavailable = netnsClusterUnavailable();
const IMAGE = 'docker.io/library/mirrortest:1';
const PROBE = 'docker.io/library/mirrorprobe:1';
const BIG_BYTES = 50 * 1024 * 1024;
const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'];

/** busybox plus a 50 MiB random file (incompressible), as one gzip layer. */
function bigImage(): BuiltImage {
  const layer = [...busyboxRootfs(BUSYBOX_STATIC), { type: 'dir' as const, name: 'data' }, { type: 'file' as const, name: 'data/random.bin', data: crypto.randomBytes(BIG_BYTES) }];
  return buildOciImage({ name: IMAGE, arch: ociArch() ?? 'amd64', layer, cmd: SLEEPER });
}

function probeImage(): BuiltImage {
  return buildOciImage({ name: PROBE, arch: ociArch() ?? 'amd64', layer: busyboxRootfs(BUSYBOX_STATIC, { 'probe.txt': `probe ${crypto.randomUUID()}\n` }), cmd: SLEEPER });
}

async function importInto(c: NetnsCluster, index: number, img: BuiltImage): Promise<void> {
  const ctr = findExecutable('ctr', '/usr/bin:/usr/local/bin:/usr/sbin:/bin')!;
  const importer = new CtrImporter({ ctr, address: path.join(c.nodes[index]!.runDir, 'containerd', 'containerd.sock'), snapshotter: 'overlayfs', searchPath: '/usr/bin:/bin' });
  await importer.importBuffer(img.archive, img.name);
}

function registriesFile(dir: string): string {
  const f = path.join(dir, 'registries.yaml');
  fs.writeFileSync(f, 'mirrors:\n  docker.io: {}\n');
  return f;
}

function deployment(name: string, node: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { nodeSelector: { 'kubernetes.io/hostname': node }, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent' }] },
      },
    },
  });
}

interface MirrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

describe.skipIf(unavailable !== undefined)('embedded registry mirror (two nodes in network namespaces)', () => {
  let c: NetnsCluster;
  let dir: string;
  let big: BuiltImage;
  let tls: { ca: string; cert: string; key: string };

  const mirror = (ip: string, p: string, opts: { method?: string; headers?: Record<string, string>; noClientCert?: boolean } = {}) =>
    new Promise<MirrorResponse>((resolve, reject) => {
      const req = https.request(`https://${ip}:5001${p}`, { method: opts.method ?? 'GET', headers: opts.headers, ca: tls.ca, ...(opts.noClientCert ? {} : { cert: tls.cert, key: tls.key }), timeout: 30_000 }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('mirror request timed out')));
      req.end();
    });

  const logs = () => c.nodes.map((n) => `--- ${n.nodeName}:\n${n.process?.output().slice(-5000) ?? ''}`).join('\n');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-mirror-e2e-'));
    const reg = registriesFile(dir);
    big = bigImage();
    c = await startNetnsCluster({ nodes: 2, serverArgs: ['--embedded-registry', '--private-registry', reg], agentArgs: ['--private-registry', reg] });
    await c.waitReady();
    const t = path.join(c.nodes[0]!.dataDir, 'server', 'tls');
    tls = { ca: fs.readFileSync(path.join(t, 'server-ca.crt'), 'utf8'), cert: fs.readFileSync(path.join(t, 'client-admin.crt'), 'utf8'), key: fs.readFileSync(path.join(t, 'client-admin.key'), 'utf8') };
  }, 300_000);

  afterAll(async () => {
    await c?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it('containerd on every node tries the local mirror first for the registries under mirrors:', () => {
    for (const n of c.nodes) {
      const hosts = fs.readFileSync(path.join(n.dataDir, 'agent', 'etc', 'containerd', 'certs.d', 'docker.io', 'hosts.toml'), 'utf8');
      expect(hosts).toContain('server = "https://registry-1.docker.io"');
      expect(hosts).toContain('[host."https://127.0.0.1:5001/v2"]');
      expect(hosts).toContain(`client = [["${path.join(n.dataDir, 'agent', 'client-kubelet.crt')}"`);
    }
  });

  it('an image imported on node1 is advertised on its Node and served by its mirror as a registry serves it', async () => {
    await importInto(c, 1, big);
    const inv = await eventually(async () => {
      const n = await c.json(['get', 'node', 'node1']);
      const text = n.metadata.annotations?.[ANN_INVENTORY] as string | undefined;
      const parsed = text ? (JSON.parse(text) as { refs: Record<string, string>; digests: string[] }) : undefined;
      return parsed?.refs[IMAGE] ? parsed : undefined;
    }, 'node1 to advertise the imported image', 60_000);
    expect(inv.refs[IMAGE]).toBe(big.manifestDigest);
    expect(inv.digests).toContain(big.configDigest);

    const ip = c.nodes[1]!.ip;
    const base = await mirror(ip, '/v2/');
    expect(base.status).toBe(200);
    expect(base.headers['docker-distribution-api-version']).toBe('registry/2.0');
    // Without a client certificate from the cluster's client CA, no TLS session.
    await expect(mirror(ip, '/v2/', { noClientCert: true })).rejects.toThrow();

    const byTag = await mirror(ip, '/v2/library/mirrortest/manifests/1?ns=docker.io');
    expect(byTag.status).toBe(200);
    expect(byTag.headers['docker-content-digest']).toBe(big.manifestDigest);
    expect(byTag.headers['content-type']).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(`sha256:${crypto.createHash('sha256').update(byTag.body).digest('hex')}`).toBe(big.manifestDigest);
    const manifest = JSON.parse(byTag.body.toString()) as { layers: { digest: string; size: number }[] };
    const layer = manifest.layers[0]!;
    expect(layer.size).toBeGreaterThan(BIG_BYTES);

    const head = await mirror(ip, `/v2/library/mirrortest/blobs/${layer.digest}?ns=docker.io`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(layer.size);
    expect(head.headers['docker-content-digest']).toBe(layer.digest);

    const ranged = await mirror(ip, `/v2/library/mirrortest/blobs/${layer.digest}?ns=docker.io`, { headers: { Range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 10-19/${layer.size}`);
    expect(ranged.body.length).toBe(10);

    // Whole-blob reads, for the figures: from node1's own store, and through node0's mirror (proxied from node1).
    for (const [label, host] of [['node1 local store', ip], ['node0 proxying node1', c.nodes[0]!.ip]] as const) {
      const t = performance.now();
      const full = await mirror(host, `/v2/library/mirrortest/blobs/${layer.digest}?ns=docker.io`);
      const s = (performance.now() - t) / 1000;
      expect(full.status).toBe(200);
      expect(`sha256:${crypto.createHash('sha256').update(full.body).digest('hex')}`).toBe(layer.digest);
      console.log(`[figures] GET ${(layer.size / 1048576).toFixed(1)} MiB blob from ${label}: ${s.toFixed(2)} s (${(layer.size / 1048576 / s).toFixed(1)} MiB/s)`);
    }

    const byDigest = await mirror(ip, `/v2/library/mirrortest/manifests/${big.manifestDigest}?ns=docker.io`);
    expect(byDigest.status).toBe(200);
    expect(byDigest.body.equals(byTag.body)).toBe(true);

    const unknown = await mirror(ip, '/v2/library/nothere/manifests/1?ns=docker.io');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString()).errors[0].code).toBe('MANIFEST_UNKNOWN');
    const put = await mirror(ip, '/v2/library/mirrortest/manifests/1', { method: 'PUT' });
    expect(put.status).toBe(405);
  }, 120_000);

  it('a Deployment pinned to node0 with imagePullPolicy IfNotPresent starts, pulling the image from node1 through the mirror', async () => {
    const t0 = Date.now();
    await c.ok(['apply', '-f', '-'], deployment('mirrortest', 'node0'));
    const pod = await eventually(
      async () => {
        const list = await c.json(['get', 'pods', '-l', 'app=mirrortest']);
        const p = (list.items as Json[])[0];
        return p?.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready ? p : undefined;
      },
      'the mirrortest pod to run on node0',
      180_000,
      250,
    ).catch(async (e: unknown) => {
      throw new Error(`${(e as Error).message}\n${(await c.kubectl(['get', 'pods', '-o', 'yaml'])).stdout}\n${logs()}`);
    });
    const seconds = (Date.now() - t0) / 1000;
    expect(pod.spec.nodeName).toBe('node0');
    const served = /served a blob from a peer digest=(\S+) peer=node1 bytes=(\d+) seconds=([\d.]+) mibPerSecond=([\d.]+)/.exec(c.nodes[0]!.process!.output().split('\n').filter((l) => l.includes('served a blob from a peer')).find((l) => /bytes=\d{8,}/.test(l)) ?? '');
    expect(served, `node0 log:\n${c.nodes[0]!.process!.output().slice(-5000)}`).not.toBeNull();
    const bytes = Number(served![2]);
    expect(bytes).toBeGreaterThan(BIG_BYTES);
    // Figures for the report (measured, not asserted).
    console.log(`[figures] mirror pull of ${IMAGE}: layer ${(bytes / 1048576).toFixed(1)} MiB streamed node1 → node0 in ${served![3]} s (${served![4]} MiB/s); Deployment apply → pod Running ${seconds.toFixed(1)} s`);
  }, 240_000);

  it('a node that dies stops being offered within 30 s', async () => {
    const probe = probeImage();
    await importInto(c, 1, probe);
    const ip0 = c.nodes[0]!.ip;
    const probePath = '/v2/library/mirrorprobe/manifests/1?ns=docker.io';
    // node0 holds no probe image: it answers through node1's mirror.
    await eventually(async () => (await mirror(ip0, probePath)).status === 200, 'node0 to proxy the probe manifest from node1', 60_000, 250);
    // node1 vanishes: its process is killed (no clean withdrawal) and its link goes down, so a
    // request to it hangs until the peer timeout instead of being refused at once.
    const node1 = c.nodes[1]!.process!;
    node1.child.kill('SIGKILL');
    await new Promise((r) => node1.child.once('exit', r));
    await c.exec(1, '/usr/sbin/ip', ['link', 'set', 'eth0', 'down']);
    const killed = Date.now();
    // While node1 is still offered, node0 tries it (and gives up after its 5 s peer timeout); once
    // node1's heartbeat is stale, node0 answers 404 at once without trying it.
    await eventually(
      async () => {
        const t = Date.now();
        const r = await mirror(ip0, probePath);
        return r.status === 404 && Date.now() - t < 1000;
      },
      'node0 to stop offering the dead node1',
      40_000,
      250,
    );
    const after = (Date.now() - killed) / 1000;
    console.log(`[figures] node1 killed and unreachable → no longer offered by node0's mirror after ${after.toFixed(1)} s`);
    expect(after).toBeLessThan(30);
  }, 120_000);
});

describe.skipIf(unavailable !== undefined)('without --embedded-registry', () => {
  let c: NetnsCluster;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3ts-mirror-off-e2e-'));
    const reg = registriesFile(dir);
    c = await startNetnsCluster({ nodes: 2, serverArgs: ['--private-registry', reg], agentArgs: ['--private-registry', reg] });
    await c.waitReady();
  }, 300_000);

  afterAll(async () => {
    await c?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it('the image on node1 only cannot be pulled on node0: the pod stays in ImagePullBackOff with a message that names the image', async () => {
    const hosts = fs.readFileSync(path.join(c.nodes[0]!.dataDir, 'agent', 'etc', 'containerd', 'certs.d', 'docker.io', 'hosts.toml'), 'utf8');
    expect(hosts).not.toContain('127.0.0.1:5001');
    await importInto(c, 1, probeImage());
    // The same reference as the mirrored test, here only on node1 (built small: the pull fails before any blob).
    await importInto(c, 1, buildOciImage({ name: IMAGE, arch: ociArch() ?? 'amd64', layer: busyboxRootfs(BUSYBOX_STATIC), cmd: SLEEPER }));
    await c.ok(['apply', '-f', '-'], deployment('mirrortest', 'node0'));
    const waiting = await eventually(
      async () => {
        const list = await c.json(['get', 'pods', '-l', 'app=mirrortest']);
        const w = (list.items as Json[])[0]?.status?.containerStatuses?.[0]?.state?.waiting as { reason?: string; message?: string } | undefined;
        return w?.reason === 'ImagePullBackOff' ? w : undefined;
      },
      'the pod on node0 to back off pulling the image (ImagePullBackOff)',
      120_000,
      500,
    );
    console.log(`[figures] mirror off: pod waiting reason=${waiting.reason} message=${waiting.message}`);
    expect(waiting.message).toContain(`Back-off pulling image "${IMAGE}"`);
    expect(waiting.message).toContain(`Failed to pull image "${IMAGE}"`);
    const pod = ((await c.json(['get', 'pods', '-l', 'app=mirrortest'])).items as Json[])[0]!;
    expect(pod.status.phase).toBe('Pending');
  }, 180_000);
});
