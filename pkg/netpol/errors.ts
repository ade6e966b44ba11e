// Stable error codes of the network policy controller.
export type NetpolErrorCode =
  /** iptables-save/-restore failed. */
  'iptables';

export class NetpolError extends Error {
  constructor(
    readonly code: NetpolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NetpolError';
  }
}
