// The subset of the CRI v1 API (k8s.io/cri-api, package runtime.v1) that the kubelet speaks, as a
// protobuf.js JSON descriptor built in code: nothing is read from disk at run time, so it works
// inside the single executable. Message, field, enum and service names and all field numbers are
// upstream's; fields we never send or read are left out (protobuf skips unknown fields).
import type { fromJSON } from '@grpc/proto-loader';

type Descriptor = Parameters<typeof fromJSON>[0];

/**
 * Fields written compactly as `'<type> <number>'`, `'repeated <type> <number>'` or
 * `'map<string,<type>> <number>'`.
 */
function m(fields: Record<string, string>): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(fields)) {
    const parts = spec.split(' ');
    const id = Number(parts.pop());
    const repeated = parts[0] === 'repeated';
    const type = repeated ? parts[1]! : parts[0]!;
    const map = /^map<(\w+),(\w+)>$/.exec(type);
    if (map) out[name] = { keyType: map[1], type: map[2], id };
    else out[name] = repeated ? { rule: 'repeated', type, id } : { type, id };
  }
  return { fields: out };
}

function e(values: readonly string[]): Record<string, unknown> {
  return { values: Object.fromEntries(values.map((v, i) => [v, i])) };
}

function service(methods: readonly string[]): Record<string, unknown> {
  return { methods: Object.fromEntries(methods.map((name) => [name, { requestType: `${name}Request`, responseType: `${name}Response` }])) };
}

const EMPTY = m({});

export const CRI_PROTO: Descriptor = {
  nested: {
    runtime: {
      nested: {
        v1: {
          nested: {
            RuntimeService: service([
              'Version',
              'RunPodSandbox',
              'StopPodSandbox',
              'RemovePodSandbox',
              'PodSandboxStatus',
              'ListPodSandbox',
              'CreateContainer',
              'StartContainer',
              'StopContainer',
              'RemoveContainer',
              'ListContainers',
              'ContainerStatus',
              'UpdateContainerResources',
              'ExecSync',
              'Exec',
              'Attach',
              'PortForward',
              'ContainerStats',
              'ListContainerStats',
              'Status',
            ]),
            ImageService: service(['ListImages', 'ImageStatus', 'PullImage', 'RemoveImage']),

            VersionRequest: m({ version: 'string 1' }),
            VersionResponse: m({ version: 'string 1', runtime_name: 'string 2', runtime_version: 'string 3', runtime_api_version: 'string 4' }),
            DNSConfig: m({ servers: 'repeated string 1', searches: 'repeated string 2', options: 'repeated string 3' }),
            Protocol: e(['TCP', 'UDP', 'SCTP']),
            PortMapping: m({ protocol: 'Protocol 1', container_port: 'int32 2', host_port: 'int32 3', host_ip: 'string 4' }),
            MountPropagation: e(['PROPAGATION_PRIVATE', 'PROPAGATION_HOST_TO_CONTAINER', 'PROPAGATION_BIDIRECTIONAL']),
            Mount: m({ container_path: 'string 1', host_path: 'string 2', readonly: 'bool 3', selinux_relabel: 'bool 4', propagation: 'MountPropagation 5' }),
            NamespaceMode: e(['POD', 'CONTAINER', 'NODE', 'TARGET']),
            NamespaceOption: m({ network: 'NamespaceMode 1', pid: 'NamespaceMode 2', ipc: 'NamespaceMode 3', target_id: 'string 4' }),
            Int64Value: m({ value: 'int64 1' }),
            UInt64Value: m({ value: 'uint64 1' }),
            LinuxSandboxSecurityContext: m({
              namespace_options: 'NamespaceOption 1',
              run_as_user: 'Int64Value 3',
              readonly_rootfs: 'bool 4',
              supplemental_groups: 'repeated int64 5',
              privileged: 'bool 6',
              run_as_group: 'Int64Value 8',
            }),
            LinuxPodSandboxConfig: m({ cgroup_parent: 'string 1', security_context: 'LinuxSandboxSecurityContext 2', sysctls: 'map<string,string> 3' }),
            PodSandboxMetadata: m({ name: 'string 1', uid: 'string 2', namespace: 'string 3', attempt: 'uint32 4' }),
            PodSandboxConfig: m({
              metadata: 'PodSandboxMetadata 1',
              hostname: 'string 2',
              log_directory: 'string 3',
              dns_config: 'DNSConfig 4',
              port_mappings: 'repeated PortMapping 5',
              labels: 'map<string,string> 6',
              annotations: 'map<string,string> 7',
              linux: 'LinuxPodSandboxConfig 8',
            }),
            RunPodSandboxRequest: m({ config: 'PodSandboxConfig 1', runtime_handler: 'string 2' }),
            RunPodSandboxResponse: m({ pod_sandbox_id: 'string 1' }),
            StopPodSandboxRequest: m({ pod_sandbox_id: 'string 1' }),
            StopPodSandboxResponse: EMPTY,
            RemovePodSandboxRequest: m({ pod_sandbox_id: 'string 1' }),
            RemovePodSandboxResponse: EMPTY,
            PodSandboxStatusRequest: m({ pod_sandbox_id: 'string 1', verbose: 'bool 2' }),
            PodSandboxState: e(['SANDBOX_READY', 'SANDBOX_NOTREADY']),
            PodIP: m({ ip: 'string 1' }),
            PodSandboxNetworkStatus: m({ ip: 'string 1', additional_ips: 'repeated PodIP 2' }),
            PodSandboxStatus: m({
              id: 'string 1',
              metadata: 'PodSandboxMetadata 2',
              state: 'PodSandboxState 3',
              created_at: 'int64 4',
              network: 'PodSandboxNetworkStatus 5',
              labels: 'map<string,string> 7',
              annotations: 'map<string,string> 8',
            }),
            PodSandboxStatusResponse: m({ status: 'PodSandboxStatus 1', info: 'map<string,string> 2' }),
            PodSandboxStateValue: m({ state: 'PodSandboxState 1' }),
            PodSandboxFilter: m({ id: 'string 1', state: 'PodSandboxStateValue 2', label_selector: 'map<string,string> 3' }),
            ListPodSandboxRequest: m({ filter: 'PodSandboxFilter 1' }),
            PodSandbox: m({
              id: 'string 1',
              metadata: 'PodSandboxMetadata 2',
              state: 'PodSandboxState 3',
              created_at: 'int64 4',
              labels: 'map<string,string> 5',
              annotations: 'map<string,string> 6',
            }),
            ListPodSandboxResponse: m({ items: 'repeated PodSandbox 1' }),
            ImageSpec: m({ image: 'string 1', annotations: 'map<string,string> 2' }),
            KeyValue: m({ key: 'string 1', value: 'string 2' }),
            LinuxContainerResources: m({
              cpu_period: 'int64 1',
              cpu_quota: 'int64 2',
              cpu_shares: 'int64 3',
              memory_limit_in_bytes: 'int64 4',
              oom_score_adj: 'int64 5',
              cpuset_cpus: 'string 6',
              cpuset_mems: 'string 7',
              unified: 'map<string,string> 9',
              memory_swap_limit_in_bytes: 'int64 10',
            }),
            Capability: m({ add_capabilities: 'repeated string 1', drop_capabilities: 'repeated string 2' }),
            LinuxContainerSecurityContext: m({
              capabilities: 'Capability 1',
              privileged: 'bool 2',
              namespace_options: 'NamespaceOption 3',
              run_as_user: 'Int64Value 5',
              run_as_username: 'string 6',
              readonly_rootfs: 'bool 7',
              supplemental_groups: 'repeated int64 8',
              no_new_privs: 'bool 11',
              run_as_group: 'Int64Value 12',
            }),
            LinuxContainerConfig: m({ resources: 'LinuxContainerResources 1', security_context: 'LinuxContainerSecurityContext 2' }),
            ContainerMetadata: m({ name: 'string 1', attempt: 'uint32 2' }),
            ContainerConfig: m({
              metadata: 'ContainerMetadata 1',
              image: 'ImageSpec 2',
              command: 'repeated string 3',
              args: 'repeated string 4',
              working_dir: 'string 5',
              envs: 'repeated KeyValue 6',
              mounts: 'repeated Mount 7',
              labels: 'map<string,string> 9',
              annotations: 'map<string,string> 10',
              log_path: 'string 11',
              stdin: 'bool 12',
              stdin_once: 'bool 13',
              tty: 'bool 14',
              linux: 'LinuxContainerConfig 15',
            }),
            CreateContainerRequest: m({ pod_sandbox_id: 'string 1', config: 'ContainerConfig 2', sandbox_config: 'PodSandboxConfig 3' }),
            CreateContainerResponse: m({ container_id: 'string 1' }),
            StartContainerRequest: m({ container_id: 'string 1' }),
            StartContainerResponse: EMPTY,
            StopContainerRequest: m({ container_id: 'string 1', timeout: 'int64 2' }),
            StopContainerResponse: EMPTY,
            RemoveContainerRequest: m({ container_id: 'string 1' }),
            RemoveContainerResponse: EMPTY,
            ContainerState: e(['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN']),
            ContainerStateValue: m({ state: 'ContainerState 1' }),
            ContainerFilter: m({ id: 'string 1', state: 'ContainerStateValue 2', pod_sandbox_id: 'string 3', label_selector: 'map<string,string> 4' }),
            ListContainersRequest: m({ filter: 'ContainerFilter 1' }),
            Container: m({
              id: 'string 1',
              pod_sandbox_id: 'string 2',
              metadata: 'ContainerMetadata 3',
              image: 'ImageSpec 4',
              image_ref: 'string 5',
              state: 'ContainerState 6',
              created_at: 'int64 7',
              labels: 'map<string,string> 8',
              annotations: 'map<string,string> 9',
            }),
            ListContainersResponse: m({ containers: 'repeated Container 1' }),
            ContainerStatusRequest: m({ container_id: 'string 1', verbose: 'bool 2' }),
            ContainerStatus: m({
              id: 'string 1',
              metadata: 'ContainerMetadata 2',
              state: 'ContainerState 3',
              created_at: 'int64 4',
              started_at: 'int64 5',
              finished_at: 'int64 6',
              exit_code: 'int32 7',
              image: 'ImageSpec 8',
              image_ref: 'string 9',
              reason: 'string 10',
              message: 'string 11',
              labels: 'map<string,string> 12',
              annotations: 'map<string,string> 13',
              log_path: 'string 15',
            }),
            ContainerStatusResponse: m({ status: 'ContainerStatus 1', info: 'map<string,string> 2' }),
            UpdateContainerResourcesRequest: m({ container_id: 'string 1', linux: 'LinuxContainerResources 2' }),
            UpdateContainerResourcesResponse: EMPTY,
            ExecSyncRequest: m({ container_id: 'string 1', cmd: 'repeated string 2', timeout: 'int64 3' }),
            ExecSyncResponse: m({ stdout: 'bytes 1', stderr: 'bytes 2', exit_code: 'int32 3' }),
            ExecRequest: m({ container_id: 'string 1', cmd: 'repeated string 2', tty: 'bool 3', stdin: 'bool 4', stdout: 'bool 5', stderr: 'bool 6' }),
            ExecResponse: m({ url: 'string 1' }),
            AttachRequest: m({ container_id: 'string 1', stdin: 'bool 2', tty: 'bool 3', stdout: 'bool 4', stderr: 'bool 5' }),
            AttachResponse: m({ url: 'string 1' }),
            PortForwardRequest: m({ pod_sandbox_id: 'string 1', port: 'repeated int32 2' }),
            PortForwardResponse: m({ url: 'string 1' }),
            ContainerStatsRequest: m({ container_id: 'string 1' }),
            ContainerStatsFilter: m({ id: 'string 1', pod_sandbox_id: 'string 2', label_selector: 'map<string,string> 3' }),
            ListContainerStatsRequest: m({ filter: 'ContainerStatsFilter 1' }),
            ContainerAttributes: m({ id: 'string 1', metadata: 'ContainerMetadata 2', labels: 'map<string,string> 3', annotations: 'map<string,string> 4' }),
            CpuUsage: m({ timestamp: 'int64 1', usage_core_nano_seconds: 'UInt64Value 2', usage_nano_cores: 'UInt64Value 3' }),
            MemoryUsage: m({ timestamp: 'int64 1', working_set_bytes: 'UInt64Value 2', available_bytes: 'UInt64Value 3', usage_bytes: 'UInt64Value 4', rss_bytes: 'UInt64Value 5' }),
            ContainerStats: m({ attributes: 'ContainerAttributes 1', cpu: 'CpuUsage 2', memory: 'MemoryUsage 3' }),
            ContainerStatsResponse: m({ stats: 'ContainerStats 1' }),
            ListContainerStatsResponse: m({ stats: 'repeated ContainerStats 1' }),
            StatusRequest: m({ verbose: 'bool 1' }),
            RuntimeCondition: m({ type: 'string 1', status: 'bool 2', reason: 'string 3', message: 'string 4' }),
            RuntimeStatus: m({ conditions: 'repeated RuntimeCondition 1' }),
            StatusResponse: m({ status: 'RuntimeStatus 1', info: 'map<string,string> 2' }),
            ImageFilter: m({ image: 'ImageSpec 1' }),
            ListImagesRequest: m({ filter: 'ImageFilter 1' }),
            Image: m({ id: 'string 1', repo_tags: 'repeated string 2', repo_digests: 'repeated string 3', size: 'uint64 4', uid: 'Int64Value 5', username: 'string 6', spec: 'ImageSpec 7' }),
            ListImagesResponse: m({ images: 'repeated Image 1' }),
            ImageStatusRequest: m({ image: 'ImageSpec 1', verbose: 'bool 2' }),
            ImageStatusResponse: m({ image: 'Image 1', info: 'map<string,string> 2' }),
            AuthConfig: m({ username: 'string 1', password: 'string 2', auth: 'string 3', server_address: 'string 4', identity_token: 'string 5', registry_token: 'string 6' }),
            PullImageRequest: m({ image: 'ImageSpec 1', auth: 'AuthConfig 2', sandbox_config: 'PodSandboxConfig 3' }),
            PullImageResponse: m({ image_ref: 'string 1' }),
            RemoveImageRequest: m({ image: 'ImageSpec 1' }),
            RemoveImageResponse: EMPTY,
          },
        },
      },
    },
  },
};
