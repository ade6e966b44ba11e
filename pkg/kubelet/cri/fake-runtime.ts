// An in-memory container runtime (a fake, product code) for kubelet tests: sandboxes and containers
// with CRI states, label filters, images, and hooks to make a container exit as if its process did.
import { KubeletError } from '../errors';
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

interface FakeSandbox {
  id: string;
  config: PodSandboxConfig;
  state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  createdAt: bigint;
  ip: string;
}

interface FakeContainer {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  state: 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED';
  createdAt: bigint;
  startedAt: bigint;
  finishedAt: bigint;
  exitCode: number;
  reason: string;
}

const notFound = (what: string) => new KubeletError('cri', `${what} not found`, { grpcCode: 'NOT_FOUND' });

function matches(labels: Readonly<Record<string, string>> | undefined, selector: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

export class FakeRuntime implements RuntimeService, ImageService {
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Set<string>();
  /** Every call by method name, in order (for assertions). */
  readonly calls: string[] = [];
  #seq = 0;
  #clockNs = 1_700_000_000_000_000_000n;
  /** When set, CreateContainer fails for images in this set. */
  readonly failCreate = new Set<string>();
  /** Containers whose command matches exit at once with this code when started. */
  exitOnStart: ((c: ContainerConfig) => number | undefined) | undefined;
  /** The exit code ExecSync reports for a command in a container (default 0). */
  execExitCode: ((c: ContainerConfig, cmd: readonly string[]) => number | undefined) | undefined;

  constructor(images: readonly string[] = []) {
    for (const i of images) this.images.add(i);
  }

  #now(): bigint {
    this.#clockNs += 1_000_000n;
    return this.#clockNs;
  }

  #id(): string {
    return (++this.#seq).toString(16).padStart(64, '0');
  }

  /** Makes a running container exit as if its process ended. */
  exit(id: string, code: number, reason = code === 0 ? 'Completed' : 'Error'): void {
    const c = this.containers.get(id);
    if (!c) throw notFound(`container ${id}`);
    c.state = 'CONTAINER_EXITED';
    c.exitCode = code;
    c.reason = reason;
    c.finishedAt = this.#now();
  }

  async version(): Promise<VersionInfo> {
    return { version: '0.1.0', runtime_name: 'fake', runtime_version: '1.0.0', runtime_api_version: 'v1' };
  }

  async status(): Promise<readonly RuntimeCondition[]> {
    return [
      { type: 'RuntimeReady', status: true, reason: '', message: '' },
      { type: 'NetworkReady', status: true, reason: '', message: '' },
    ];
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    this.calls.push('RunPodSandbox');
    const id = this.#id();
    this.sandboxes.set(id, { id, config, state: 'SANDBOX_READY', createdAt: this.#now(), ip: `10.88.0.${this.sandboxes.size + 2}` });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    this.calls.push('StopPodSandbox');
    const s = this.sandboxes.get(id);
    if (!s) return;
    s.state = 'SANDBOX_NOTREADY';
    for (const c of this.containers.values()) if (c.sandboxId === id && c.state === 'CONTAINER_RUNNING') this.exit(c.id, 137, 'Error');
  }

  async removePodSandbox(id: string): Promise<void> {
    this.calls.push('RemovePodSandbox');
    for (const c of [...this.containers.values()]) if (c.sandboxId === id) this.containers.delete(c.id);
    this.sandboxes.delete(id);
  }

  #sandboxView(s: FakeSandbox): PodSandbox {
    return { id: s.id, metadata: s.config.metadata, state: s.state, created_at: String(s.createdAt), labels: { ...(s.config.labels ?? {}) }, annotations: { ...(s.config.annotations ?? {}) } };
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    const s = this.sandboxes.get(id);
    if (!s) throw notFound(`sandbox ${id}`);
    return { ...this.#sandboxView(s), network: { ip: s.state === 'SANDBOX_READY' ? s.ip : '', additional_ips: [] } };
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<readonly PodSandbox[]> {
    return [...this.sandboxes.values()].filter((s) => (!filter?.id || s.id === filter.id) && (!filter?.state || s.state === filter.state.state) && matches(s.config.labels, filter?.label_selector)).map((s) => this.#sandboxView(s));
  }

  async createContainer(podSandboxId: string, config: ContainerConfig): Promise<string> {
    this.calls.push(`CreateContainer:${config.metadata.name}`);
    if (!this.sandboxes.has(podSandboxId)) throw notFound(`sandbox ${podSandboxId}`);
    if (this.failCreate.has(config.image.image)) throw new KubeletError('cri', `failed to create containerd container: ${config.image.image}`, { grpcCode: 'UNKNOWN' });
    const id = this.#id();
    this.containers.set(id, { id, sandboxId: podSandboxId, config, state: 'CONTAINER_CREATED', createdAt: this.#now(), startedAt: 0n, finishedAt: 0n, exitCode: 0, reason: '' });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    this.calls.push('StartContainer');
    const c = this.containers.get(id);
    if (!c) throw notFound(`container ${id}`);
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = this.#now();
    const code = this.exitOnStart?.(c.config);
    if (code !== undefined) this.exit(id, code);
  }

  async stopContainer(id: string): Promise<void> {
    this.calls.push('StopContainer');
    const c = this.containers.get(id);
    if (c && c.state !== 'CONTAINER_EXITED') this.exit(id, 143, 'Error');
  }

  async removeContainer(id: string): Promise<void> {
    this.calls.push('RemoveContainer');
    this.containers.delete(id);
  }

  #containerView(c: FakeContainer): Container {
    return {
      id: c.id,
      pod_sandbox_id: c.sandboxId,
      metadata: c.config.metadata,
      image: c.config.image,
      image_ref: `sha256:${c.config.image.image.length.toString(16).padStart(64, '0')}`,
      state: c.state,
      created_at: String(c.createdAt),
      labels: { ...(c.config.labels ?? {}) },
      annotations: { ...(c.config.annotations ?? {}) },
    };
  }

  async listContainers(filter?: ContainerFilter): Promise<readonly Container[]> {
    return [...this.containers.values()]
      .filter((c) => (!filter?.id || c.id === filter.id) && (!filter?.pod_sandbox_id || c.sandboxId === filter.pod_sandbox_id) && (!filter?.state || c.state === filter.state.state) && matches(c.config.labels, filter?.label_selector))
      .map((c) => this.#containerView(c));
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    const c = this.containers.get(id);
    if (!c) throw notFound(`container ${id}`);
    const v = this.#containerView(c);
    return {
      id: c.id,
      metadata: v.metadata,
      state: c.state,
      created_at: v.created_at,
      started_at: String(c.startedAt),
      finished_at: String(c.finishedAt),
      exit_code: c.exitCode,
      image: v.image,
      image_ref: v.image_ref,
      reason: c.reason,
      message: '',
      labels: v.labels,
      annotations: v.annotations,
      log_path: `/fake/${c.config.log_path ?? ''}`,
    };
  }

  async execSync(id: string, cmd: readonly string[]): Promise<ExecSyncResult> {
    this.calls.push(`ExecSync:${cmd.join(' ')}`);
    const c = this.containers.get(id);
    if (!c || c.state !== 'CONTAINER_RUNNING') throw new KubeletError('cri', `container ${id} is not running`, { grpcCode: 'UNKNOWN' });
    const code = this.execExitCode?.(c.config, cmd) ?? 0;
    return { stdout: Buffer.from(`ran ${cmd.join(' ')}`), stderr: Buffer.alloc(0), exit_code: code };
  }

  async exec(): Promise<string> {
    throw new KubeletError('cri', 'the fake runtime has no streaming server', { grpcCode: 'UNIMPLEMENTED' });
  }

  async listContainerStats(): Promise<readonly ContainerStats[]> {
    return [];
  }

  async listImages(): Promise<readonly ImageInfo[]> {
    return [...this.images].map((i) => ({ id: `sha256:${i}`, repo_tags: [i], repo_digests: [], size: '1000' }));
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    return this.images.has(image) ? { id: `sha256:${image}`, repo_tags: [image], repo_digests: [], size: '1000' } : undefined;
  }

  async pullImage(image: string): Promise<string> {
    throw new KubeletError('cri', `failed to pull ${image}: no registry in the fake runtime`, { grpcCode: 'UNKNOWN' });
  }
}
