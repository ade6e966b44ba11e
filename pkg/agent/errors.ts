// Errors of the agent's composition, with stable codes.

export type AgentErrorCode =
  /** The agent needs root (containerd, cgroups, network namespaces, iptables). */
  | 'not-root'
  /** A flag value the agent cannot use. */
  | 'invalid-config'
  /** The container runtime did not come up. */
  | 'runtime';

export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AgentError';
  }
}
