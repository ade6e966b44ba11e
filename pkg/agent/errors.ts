// Errors of the agent's composition, with stable codes.

export type AgentErrorCode =
  /** The agent needs root (containerd, cgroups, network namespaces, iptables). */
  | 'not-root'
  /** A flag value the agent cannot use. */
  | 'invalid-config'
  /** The container runtime did not come up. */
  | 'runtime'
  /** Joining the server failed: unreachable, CA hash mismatch, token or node password refused. */
  | 'join'
  /** The server did not answer (yet): the agent retries. */
  | 'unreachable'
  /** A host tool k3ts runs (ctr, crictl) is not installed. */
  | 'missing-tool';

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
