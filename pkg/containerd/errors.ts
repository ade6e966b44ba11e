// Errors of containerd supervision, with stable codes.

export type ContainerdErrorCode =
  /** The containerd binary (or runc, or the CNI plugins) is not installed. */
  | 'not-installed'
  /** containerd exited or never opened its socket during start-up. */
  | 'start-failed'
  /** Setting up the cgroup or the directories failed. */
  | 'setup'
  /** registries.yaml is not valid YAML or not in K3s' format. */
  | 'invalid-registries';

export class ContainerdError extends Error {
  constructor(
    readonly code: ContainerdErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ContainerdError';
  }
}

/** What to tell a user whose host lacks the runtime packages (Debian/Ubuntu names). */
export const INSTALL_ADVICE = 'install the runtime with "apt-get install -y containerd runc containernetworking-plugins iptables", pass --containerd /path/to/containerd, or use an existing runtime with --container-runtime-endpoint unix:///path/to/containerd.sock';
