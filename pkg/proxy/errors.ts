// Stable error codes of the service proxy.
export type ProxyErrorCode = 'iptables' | 'sysctl';

export class ProxyError extends Error {
  constructor(
    readonly code: ProxyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}
