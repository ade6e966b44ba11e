// containerd's config.toml (version 2) as the agent writes it: every path under the agent's own
// directories, so that several agents (or a host containerd) can run side by side. The settings
// below each fixed a failure seen on this machine kind (see notes/runtime.md).

export interface ContainerdConfigValues {
  /** Persistent state: images, snapshots, metadata (`<data-dir>/agent/containerd`). */
  readonly root: string;
  /** Runtime state, gone after a reboot (`/run/k3ts/containerd`). */
  readonly state: string;
  /** The gRPC socket (CRI and containerd APIs). */
  readonly address: string;
  /** runc's state dir; without it containerd 1.6 uses /run/containerd/runc. */
  readonly runcRoot: string;
  readonly sandboxImage: string;
  readonly snapshotter: string;
  readonly cniBinDir: string;
  readonly cniConfDir: string;
  /** Port of the CRI streaming server (exec/attach/port-forward) on 127.0.0.1. */
  readonly streamServerPort: number;
  /** Directory of per-registry `hosts.toml` files (mirrors, TLS, auth headers) rendered from registries.yaml. */
  readonly registryConfigDir?: string;
}

/** TOML basic string. */
function q(s: string): string {
  return JSON.stringify(s);
}

export function renderContainerdConfig(v: ContainerdConfigValues): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `# Written by k3ts at every agent start; edits are overwritten.
version = 2
root = ${q(v.root)}
state = ${q(v.state)}
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = ${q(v.address)}

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(`${v.root}/opt`)}

[${cri}]
  sandbox_image = ${q(v.sandboxImage)}
  stream_server_address = "127.0.0.1"
  stream_server_port = ${q(String(v.streamServerPort))}
  enable_selinux = false
  disable_apparmor = true
  # This machine kind lacks CAP_SYS_RESOURCE: without this every RunPodSandbox fails in runc.
  restrict_oom_score_adj = true
  # Keeps pod netns mounts out of /run/netns, where "ip netns add" remounts would break teardown.
  netns_mounts_under_state_dir = true

  [${cri}.containerd]
    snapshotter = ${q(v.snapshotter)}
    default_runtime_name = "runc"

    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [${cri}.containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = ${q(v.runcRoot)}

  [${cri}.cni]
    bin_dir = ${q(v.cniBinDir)}
    conf_dir = ${q(v.cniConfDir)}
${v.registryConfigDir ? `\n  [${cri}.registry]\n    config_path = ${q(v.registryConfigDir)}\n` : ''}`;
}
