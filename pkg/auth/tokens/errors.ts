// Typed token errors with stable codes. Authenticators turn every one of them into a 401
// (the caller only learns "Unauthorized"); the reason goes to the server log.

export type TokenErrorCode =
  | 'malformed' // not a JWT / not a bootstrap token of the expected shape
  | 'bad-signature' // the signature does not verify with any service-account key
  | 'expired' // exp (or a bootstrap token's expiration) is in the past
  | 'not-yet-valid' // nbf is in the future
  | 'wrong-audience' // none of the token's audiences is one the API server accepts
  | 'invalid-claims' // claims missing or of the wrong type
  | 'revoked' // the service account, bound object or secret is gone or was recreated
  | 'invalid-key' // service.key does not hold a usable RSA/EC private key
  | 'invalid-option' // a caller passed a bad argument (TTL, group name…)
  | 'io'; // reading or writing a token file failed

export class TokenError extends Error {
  constructor(
    readonly code: TokenErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TokenError';
  }
}

export function isTokenError(e: unknown, code?: TokenErrorCode): e is TokenError {
  return e instanceof TokenError && (code === undefined || e.code === code);
}
