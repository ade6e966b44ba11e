// Stable error codes of the cluster DNS server.
export type DnsErrorCode = 'malformed' | 'listen' | 'upstream' | 'invalid-config';

export class DnsError extends Error {
  constructor(
    readonly code: DnsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DnsError';
  }
}
