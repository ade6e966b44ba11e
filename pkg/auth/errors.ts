// Errors of the authorization layer's configuration. Request-time refusals are ApiErrors (403).

export type AuthorizationErrorCode = 'invalid-authorization-mode' | 'missing-resource';

export class AuthorizationError extends Error {
  constructor(
    readonly code: AuthorizationErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthorizationError';
  }
}
