// CRI v1 messages as the kubelet sends and receives them (proto-loader objects: field names as in
// the proto, int64 as decimal strings, enums as names, bytes as Buffer). Only the fields k3ts uses.

export type Int64 = string;

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface DnsConfig {
  readonly servers: readonly string[];
  readonly searches: readonly string[];
  readonly options: readonly string[];
}

export interface PortMapping {
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly container_port: number;
  readonly host_port: number;
  readonly host_ip?: string;
}

export interface NamespaceOption {
  readonly network?: NamespaceMode;
  readonly pid?: NamespaceMode;
  readonly ipc?: NamespaceMode;
  readonly target_id?: string;
}

export interface Int64Value {
  readonly value: Int64 | number;
}

export interface PodSandboxMetadata {
  readonly name: string;
  readonly uid: string;
  readonly namespace: string;
  readonly attempt: number;
}

export interface PodSandboxConfig {
  readonly metadata: PodSandboxMetadata;
  readonly hostname?: string;
  readonly log_directory?: string;
  readonly dns_config?: DnsConfig;
  readonly port_mappings?: readonly PortMapping[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly linux?: {
    readonly cgroup_parent?: string;
    readonly security_context?: {
      readonly namespace_options?: NamespaceOption;
      readonly run_as_user?: Int64Value;
      readonly run_as_group?: Int64Value;
      readonly readonly_rootfs?: boolean;
      readonly supplemental_groups?: readonly (number | Int64)[];
      readonly privileged?: boolean;
    };
    readonly sysctls?: Readonly<Record<string, string>>;
  };
}

export interface PodSandboxStatus {
  readonly id: string;
  readonly metadata: PodSandboxMetadata | null;
  readonly state: SandboxState;
  readonly created_at: Int64;
  readonly network: { readonly ip: string; readonly additional_ips: readonly { readonly ip: string }[] } | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface PodSandbox {
  readonly id: string;
  readonly metadata: PodSandboxMetadata | null;
  readonly state: SandboxState;
  readonly created_at: Int64;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface LinuxContainerResources {
  readonly cpu_period?: number | Int64;
  readonly cpu_quota?: number | Int64;
  readonly cpu_shares?: number | Int64;
  readonly memory_limit_in_bytes?: number | Int64;
  readonly oom_score_adj?: number | Int64;
  readonly cpuset_cpus?: string;
  readonly cpuset_mems?: string;
}

export interface Mount {
  readonly container_path: string;
  readonly host_path: string;
  readonly readonly?: boolean;
  readonly propagation?: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}

export interface ContainerConfig {
  readonly metadata: { readonly name: string; readonly attempt: number };
  readonly image: { readonly image: string };
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly working_dir?: string;
  readonly envs?: readonly { readonly key: string; readonly value: string }[];
  readonly mounts?: readonly Mount[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly log_path?: string;
  readonly stdin?: boolean;
  readonly stdin_once?: boolean;
  readonly tty?: boolean;
  readonly linux?: {
    readonly resources?: LinuxContainerResources;
    readonly security_context?: {
      readonly capabilities?: { readonly add_capabilities?: readonly string[]; readonly drop_capabilities?: readonly string[] };
      readonly privileged?: boolean;
      readonly namespace_options?: NamespaceOption;
      readonly run_as_user?: Int64Value;
      readonly run_as_username?: string;
      readonly readonly_rootfs?: boolean;
      readonly supplemental_groups?: readonly (number | Int64)[];
      readonly no_new_privs?: boolean;
      readonly run_as_group?: Int64Value;
    };
  };
}

export interface Container {
  readonly id: string;
  readonly pod_sandbox_id: string;
  readonly metadata: { readonly name: string; readonly attempt: number } | null;
  readonly image: { readonly image: string } | null;
  readonly image_ref: string;
  readonly state: ContainerState;
  readonly created_at: Int64;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface ContainerStatus {
  readonly id: string;
  readonly metadata: { readonly name: string; readonly attempt: number } | null;
  readonly state: ContainerState;
  readonly created_at: Int64;
  readonly started_at: Int64;
  readonly finished_at: Int64;
  readonly exit_code: number;
  readonly image: { readonly image: string } | null;
  readonly image_ref: string;
  readonly reason: string;
  readonly message: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly log_path: string;
}

export interface ContainerFilter {
  readonly id?: string;
  readonly state?: { readonly state: ContainerState };
  readonly pod_sandbox_id?: string;
  readonly label_selector?: Readonly<Record<string, string>>;
}

export interface PodSandboxFilter {
  readonly id?: string;
  readonly state?: { readonly state: SandboxState };
  readonly label_selector?: Readonly<Record<string, string>>;
}

export interface RuntimeCondition {
  readonly type: string;
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

export interface ImageInfo {
  readonly id: string;
  readonly repo_tags: readonly string[];
  readonly repo_digests: readonly string[];
  readonly size: Int64;
}

export interface ExecSyncResult {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly exit_code: number;
}

export interface ContainerStats {
  readonly attributes: { readonly id: string; readonly metadata: { readonly name: string } | null; readonly labels: Readonly<Record<string, string>> } | null;
  readonly cpu: { readonly timestamp: Int64; readonly usage_core_nano_seconds: { readonly value: Int64 } | null } | null;
  readonly memory: { readonly timestamp: Int64; readonly working_set_bytes: { readonly value: Int64 } | null } | null;
}

export interface VersionInfo {
  readonly version: string;
  readonly runtime_name: string;
  readonly runtime_version: string;
  readonly runtime_api_version: string;
}

/**
 * The container runtime as the kubelet uses it (the consumer's seam): implemented by CriClient
 * over gRPC and by FakeRuntime in tests.
 */
export interface RuntimeService {
  version(): Promise<VersionInfo>;
  status(): Promise<readonly RuntimeCondition[]>;
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<readonly PodSandbox[]>;
  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Stops with SIGTERM, then SIGKILL after `timeoutSeconds`. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<readonly Container[]>;
  containerStatus(id: string): Promise<ContainerStatus>;
  execSync(id: string, cmd: readonly string[], timeoutSeconds: number): Promise<ExecSyncResult>;
  /** A URL on the runtime's streaming server for an interactive exec. */
  exec(req: { readonly container_id: string; readonly cmd: readonly string[]; readonly tty: boolean; readonly stdin: boolean; readonly stdout: boolean; readonly stderr: boolean }): Promise<string>;
  listContainerStats(): Promise<readonly ContainerStats[]>;
}

export interface ImageService {
  listImages(): Promise<readonly ImageInfo[]>;
  /** undefined when the runtime does not have the image. */
  imageStatus(image: string): Promise<ImageInfo | undefined>;
  pullImage(image: string, auth?: { readonly username?: string; readonly password?: string; readonly auth?: string; readonly server_address?: string }): Promise<string>;
}
