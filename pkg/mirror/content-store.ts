// What the mirror needs from a node's image store (the consumer-owned seam), and its containerd
// implementation over containerd's own gRPC API on the agent's socket (namespace k8s.io, where the
// CRI plugin and the air-gap import keep images). Read streams from an offset, so Range requests
// cost no extra reads; one long-lived channel serves every request.
import * as grpc from '@grpc/grpc-js';
import { fromJSON, type MethodDefinition, type PackageDefinition } from '@grpc/proto-loader';
import { CONTAINERD_PROTO } from './content-proto';
import { MirrorError } from './errors';

export interface ImageRecord {
  /** Full reference, e.g. `docker.io/library/busybox:1`. */
  readonly name: string;
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

export interface ContentStore {
  /** Size of a committed blob, or undefined when the store does not hold it. */
  info(digest: string): Promise<{ readonly size: number } | undefined>;
  /** The blob's bytes from `offset` to its end. */
  read(digest: string, offset: number, signal?: AbortSignal): AsyncIterable<Buffer>;
  /** Every image (name → target descriptor). */
  images(): Promise<readonly ImageRecord[]>;
}

export interface ContainerdContentStoreConfig {
  /** containerd's socket path or `unix://` URL. */
  readonly address: string;
  readonly namespace?: string;
  readonly timeoutMs?: number;
}

// grpc-js keeps HTTP/2's 64 KiB flow-control window unless told otherwise (it does no BDP probing):
// with it a blob streams at ~10 MiB/s here; a 16 MiB window lets containerd send without waiting.
const CHANNEL_OPTIONS: grpc.ChannelOptions = { 'grpc.max_receive_message_length': 32 * 1024 * 1024, 'grpc-node.flow_control_window': 16 * 1024 * 1024, 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1000 };

interface GrpcDescriptor {
  media_type: string;
  digest: string;
  size: string;
}

export class ContainerdContentStore implements ContentStore {
  readonly #client: grpc.Client;
  readonly #defs: PackageDefinition = fromJSON(CONTAINERD_PROTO, { keepCase: true, longs: String, enums: String, defaults: true });
  readonly #namespace: string;
  readonly #timeoutMs: number;

  constructor(cfg: ContainerdContentStoreConfig) {
    const target = cfg.address.startsWith('unix://') ? cfg.address : `unix://${cfg.address}`;
    this.#client = new grpc.Client(target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    this.#namespace = cfg.namespace ?? 'k8s.io';
    this.#timeoutMs = cfg.timeoutMs ?? 30_000;
  }

  #method(service: string, name: string): MethodDefinition<object, object> {
    const m = (this.#defs[service] as Record<string, MethodDefinition<object, object>> | undefined)?.[name];
    if (!m) throw new Error(`containerd descriptor has no method ${service}/${name}`);
    return m;
  }

  #metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('containerd-namespace', this.#namespace);
    return md;
  }

  #unary<R>(service: string, name: string, request: object): Promise<R> {
    const m = this.#method(service, name);
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, request, this.#metadata(), { deadline: Date.now() + this.#timeoutMs }, (err, res) => {
        if (err) reject(err);
        else resolve(res as R);
      });
    });
  }

  async info(digest: string): Promise<{ size: number } | undefined> {
    try {
      const r = await this.#unary<{ info: { size: string } | null }>('containerd.services.content.v1.Content', 'Info', { digest });
      return r.info ? { size: Number(r.info.size) } : undefined;
    } catch (e) {
      if ((e as grpc.ServiceError).code === grpc.status.NOT_FOUND) return undefined;
      throw new MirrorError('content-store', `containerd content Info ${digest} failed: ${(e as Error).message}`, { cause: e });
    }
  }

  async *read(digest: string, offset: number, signal?: AbortSignal): AsyncIterable<Buffer> {
    const m = this.#method('containerd.services.content.v1.Content', 'Read');
    const call = this.#client.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, { digest, offset: String(offset), size: '0' }, this.#metadata(), {});
    const onAbort = () => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const msg of call as AsyncIterable<{ data: Buffer }>) yield msg.data;
    } catch (e) {
      if (signal?.aborted) return;
      throw new MirrorError('content-store', `containerd content Read ${digest} failed: ${(e as Error).message}`, { cause: e });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      call.cancel();
    }
  }

  async images(): Promise<readonly ImageRecord[]> {
    let r: { images: { name: string; target: GrpcDescriptor | null }[] };
    try {
      r = await this.#unary('containerd.services.images.v1.Images', 'List', { filters: [] });
    } catch (e) {
      throw new MirrorError('content-store', `containerd images List failed: ${(e as Error).message}`, { cause: e });
    }
    return r.images.filter((i) => i.target).map((i) => ({ name: i.name, mediaType: i.target!.media_type, digest: i.target!.digest, size: Number(i.target!.size) }));
  }

  close(): void {
    this.#client.close();
  }
}
