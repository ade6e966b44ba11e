// Stable error codes of the embedded pod network (flannel-style).
export type FlannelErrorCode =
  /** A flag or Node field flannel cannot use (backend name, interface, CIDR). */
  | 'invalid-config'
  /** No usable external interface or address for the backend. */
  | 'interface'
  /** An `ip`/`bridge` command failed. */
  | 'netlink'
  /** iptables-save/-restore failed. */
  | 'iptables';

export class FlannelError extends Error {
  constructor(
    readonly code: FlannelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FlannelError';
  }
}
