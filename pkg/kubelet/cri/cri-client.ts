// The kubelet's CRI client: one long-lived gRPC channel (over the runtime's unix socket) carrying
// both RuntimeService and ImageService calls. A whole pod start is ~6 RPCs, so the connection is
// kept rather than dialled per call; grpc-js reconnects by itself when containerd restarts.
import * as grpc from '@grpc/grpc-js';
import { fromJSON, type MethodDefinition, type PackageDefinition } from '@grpc/proto-loader';
import { KubeletError } from '../errors';
import { CRI_PROTO } from './cri-proto';
import type {
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerStats,
  ContainerStatus,
  ExecSyncResult,
  ImageInfo,
  ImageService,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatus,
  RuntimeCondition,
  RuntimeService,
  VersionInfo,
} from './types';

export interface CriClientConfig {
  /** `unix:///run/k3ts/containerd/containerd.sock` or a bare socket path. */
  readonly endpoint: string;
  /** Deadline of one call (default 30 s); calls that wait on the runtime get theirs extended. */
  readonly timeoutMs?: number;
}

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
  // Reconnect quickly once containerd is back after a restart.
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
};

function loadDefinitions(): PackageDefinition {
  return fromJSON(CRI_PROTO, { keepCase: true, longs: String, enums: String, defaults: true });
}

export function endpointTarget(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return endpoint;
  if (endpoint.startsWith('/')) return `unix://${endpoint}`;
  throw new KubeletError('invalid-pod', `container runtime endpoint "${endpoint}" is not a unix socket; expected unix:///path/to.sock or /path/to.sock`);
}

export class CriClient implements RuntimeService, ImageService {
  readonly #client: grpc.Client;
  readonly #defs = loadDefinitions();
  readonly #timeoutMs: number;

  constructor(cfg: CriClientConfig) {
    this.#client = new grpc.Client(endpointTarget(cfg.endpoint), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    this.#timeoutMs = cfg.timeoutMs ?? 30_000;
  }

  #method(service: 'RuntimeService' | 'ImageService', name: string): MethodDefinition<object, object> {
    const svc = this.#defs[`runtime.v1.${service}`] as Record<string, MethodDefinition<object, object>> | undefined;
    const m = svc?.[name];
    if (!m) throw new Error(`CRI descriptor has no method ${service}/${name}`);
    return m;
  }

  #call<R>(service: 'RuntimeService' | 'ImageService', name: string, request: object, extraMs = 0): Promise<R> {
    const m = this.#method(service, name);
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, request, new grpc.Metadata(), { deadline: Date.now() + this.#timeoutMs + extraMs }, (err, res) => {
        if (err) {
          const code = grpc.status[err.code] ?? String(err.code);
          reject(new KubeletError('cri', `CRI ${name} failed: ${err.details || err.message}`, { cause: err, grpcCode: code }));
        } else resolve(res as R);
      });
    });
  }

  #rt<R>(name: string, request: object, extraMs = 0): Promise<R> {
    return this.#call<R>('RuntimeService', name, request, extraMs);
  }

  /** Resolves once the channel is connected, or rejects after `timeoutMs`. */
  waitForConnected(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(new KubeletError('runtime-not-ready', `the container runtime socket did not accept a connection within ${timeoutMs} ms: ${err.message}`)) : resolve()));
    });
  }

  version(): Promise<VersionInfo> {
    return this.#rt('Version', { version: 'v1' });
  }

  async status(): Promise<readonly RuntimeCondition[]> {
    const r = await this.#rt<{ status: { conditions: RuntimeCondition[] } | null }>('Status', {});
    return r.status?.conditions ?? [];
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    return (await this.#rt<{ pod_sandbox_id: string }>('RunPodSandbox', { config }, 60_000)).pod_sandbox_id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.#rt('StopPodSandbox', { pod_sandbox_id: id }, 60_000);
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.#rt('RemovePodSandbox', { pod_sandbox_id: id }, 60_000);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    const r = await this.#rt<{ status: PodSandboxStatus | null }>('PodSandboxStatus', { pod_sandbox_id: id });
    if (!r.status) throw new KubeletError('cri', `CRI PodSandboxStatus returned no status for ${id}`, { grpcCode: 'NOT_FOUND' });
    return r.status;
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<readonly PodSandbox[]> {
    return (await this.#rt<{ items: PodSandbox[] }>('ListPodSandbox', filter ? { filter } : {})).items;
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    return (await this.#rt<{ container_id: string }>('CreateContainer', { pod_sandbox_id: podSandboxId, config, sandbox_config: sandboxConfig }, 60_000)).container_id;
  }

  async startContainer(id: string): Promise<void> {
    await this.#rt('StartContainer', { container_id: id }, 60_000);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.#rt('StopContainer', { container_id: id, timeout: String(Math.max(0, Math.floor(timeoutSeconds))) }, timeoutSeconds * 1000 + 30_000);
  }

  async removeContainer(id: string): Promise<void> {
    await this.#rt('RemoveContainer', { container_id: id }, 30_000);
  }

  async listContainers(filter?: ContainerFilter): Promise<readonly Container[]> {
    return (await this.#rt<{ containers: Container[] }>('ListContainers', filter ? { filter } : {})).containers;
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    const r = await this.#rt<{ status: ContainerStatus | null }>('ContainerStatus', { container_id: id });
    if (!r.status) throw new KubeletError('cri', `CRI ContainerStatus returned no status for ${id}`, { grpcCode: 'NOT_FOUND' });
    return r.status;
  }

  execSync(id: string, cmd: readonly string[], timeoutSeconds: number): Promise<ExecSyncResult> {
    return this.#rt('ExecSync', { container_id: id, cmd, timeout: String(timeoutSeconds) }, timeoutSeconds * 1000);
  }

  async exec(req: { container_id: string; cmd: readonly string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): Promise<string> {
    return (await this.#rt<{ url: string }>('Exec', req)).url;
  }

  /** A URL on the runtime's streaming server attached to the container's main process (kubectl attach). */
  async attach(req: { container_id: string; stdin: boolean; tty: boolean; stdout: boolean; stderr: boolean }): Promise<string> {
    return (await this.#rt<{ url: string }>('Attach', req)).url;
  }

  /** A URL on the runtime's streaming server that forwards ports inside the sandbox's network namespace (SPDY or WebSocket). */
  async portForward(podSandboxId: string, ports: readonly number[]): Promise<string> {
    return (await this.#rt<{ url: string }>('PortForward', { pod_sandbox_id: podSandboxId, port: ports })).url;
  }

  async listContainerStats(): Promise<readonly ContainerStats[]> {
    return (await this.#rt<{ stats: ContainerStats[] }>('ListContainerStats', {})).stats;
  }

  async listImages(): Promise<readonly ImageInfo[]> {
    return (await this.#call<{ images: ImageInfo[] }>('ImageService', 'ListImages', {})).images;
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    const r = await this.#call<{ image: ImageInfo | null }>('ImageService', 'ImageStatus', { image: { image } });
    return r.image ?? undefined;
  }

  async pullImage(image: string, auth?: { username?: string; password?: string; auth?: string; server_address?: string }): Promise<string> {
    return (await this.#call<{ image_ref: string }>('ImageService', 'PullImage', { image: { image }, ...(auth ? { auth } : {}) }, 10 * 60_000)).image_ref;
  }

  close(): void {
    this.#client.close();
  }
}
