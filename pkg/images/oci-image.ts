// Single-layer OCI images built in memory, written as an OCI image-layout tar that `ctr images
// import` (and the containerd import API) takes with no flags: index.json names the image with the
// `io.containerd.image.name` annotation, and a docker-save style manifest.json is included too.
// The result is reproducible: same input, same digests.
import * as crypto from 'node:crypto';
import * as zlib from 'node:zlib';
import { writeTar, type TarEntry } from './tar-writer';

export type OciArch = 'amd64' | 'arm64';

export interface OciImageSpec {
  /** Full reference, e.g. `k3ts.local/pause:1`. */
  readonly name: string;
  readonly arch: OciArch;
  /** Root filesystem of the only layer. */
  readonly layer: readonly TarEntry[];
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env?: readonly string[];
  readonly workingDir?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface BuiltImage {
  readonly name: string;
  /** The image-layout tar. */
  readonly archive: Buffer;
  readonly manifestDigest: string;
  readonly configDigest: string;
}

const EPOCH = '1970-01-01T00:00:00Z';
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function sha256(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

/** The Go architecture name of a Node `process.arch`. */
export function ociArch(nodeArch: string = process.arch): OciArch | undefined {
  return nodeArch === 'x64' ? 'amd64' : nodeArch === 'arm64' ? 'arm64' : undefined;
}

export function buildOciImage(spec: OciImageSpec): BuiltImage {
  const blobs = new Map<string, Buffer>();
  const put = (b: Buffer) => {
    const digest = sha256(b);
    blobs.set(digest, b);
    return { digest: `sha256:${digest}`, size: b.length };
  };
  const layerTar = writeTar(spec.layer);
  const layer = put(zlib.gzipSync(layerTar, { level: 9 }));
  const config = put(
    Buffer.from(
      JSON.stringify({
        created: EPOCH,
        architecture: spec.arch,
        os: 'linux',
        config: {
          Env: spec.env ?? [DEFAULT_PATH],
          ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
          ...(spec.cmd ? { Cmd: spec.cmd } : {}),
          ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
          ...(spec.labels ? { Labels: spec.labels } : {}),
        },
        // The diff ID is the digest of the uncompressed layer.
        rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(layerTar)}`] },
        history: [{ created: EPOCH, created_by: 'k3ts image builder' }],
      }),
    ),
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    ),
  );
  const tag = spec.name.slice(spec.name.lastIndexOf(':') + 1);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        ...manifest,
        platform: { architecture: spec.arch, os: 'linux' },
        annotations: { 'io.containerd.image.name': spec.name, 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  const dockerManifest = [{ Config: `blobs/sha256/${config.digest.slice(7)}`, RepoTags: [spec.name], Layers: [`blobs/sha256/${layer.digest.slice(7)}`] }];
  const entries: TarEntry[] = [
    { type: 'file', name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { type: 'file', name: 'index.json', data: Buffer.from(JSON.stringify(index)) },
    { type: 'file', name: 'manifest.json', data: Buffer.from(JSON.stringify(dockerManifest)) },
    { type: 'dir', name: 'blobs' },
    { type: 'dir', name: 'blobs/sha256' },
    ...[...blobs.keys()].sort().map((d): TarEntry => ({ type: 'file', name: `blobs/sha256/${d}`, data: blobs.get(d)! })),
  ];
  return { name: spec.name, archive: writeTar(entries), manifestDigest: manifest.digest, configDigest: config.digest };
}
