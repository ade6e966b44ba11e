// Typed certificate/token errors with stable codes, so callers (server start-up, the CLI's
// `certificate` and `token` commands, the join handshake) can branch on `code` and print `message`.

export type CertErrorCode =
  | 'ca-key-missing' // a CA certificate exists but its private key does not
  | 'ca-key-mismatch' // a CA's key does not belong to its certificate
  | 'invalid-certificate' // a PEM file does not hold a parseable X.509 certificate
  | 'invalid-key' // a PEM file does not hold a usable private key
  | 'unsupported-key' // a key type we cannot sign with
  | 'unknown-certificate' // a name passed to rotate is not one we manage
  | 'invalid-option' // a caller passed a bad argument (empty SAN, bad mode…)
  | 'invalid-token' // a join token is malformed
  | 'invalid-request' // a PKCS#10 certificate request is malformed or its signature does not verify
  | 'io'; // reading or writing the TLS directory failed

export class CertError extends Error {
  constructor(
    readonly code: CertErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CertError';
  }
}

export function isCertError(e: unknown, code?: CertErrorCode): e is CertError {
  return e instanceof CertError && (code === undefined || e.code === code);
}
