// pkg/auth/tokens public surface: service-account JWTs (TokenRequest, legacy secret tokens),
// bootstrap tokens, the server's join-token files, and their authenticators.
export { TokenError, isTokenError, type TokenErrorCode } from './errors';
export { decodeJwt, keyId, looksLikeJwt, signJwt, signingKey, verifyJwtSignature, verifyingKey, type DecodedJwt, type JwtClaims, type SigningKey, type VerifyingKey } from './jwt';
export { lazyServiceAccountKeys, parseServiceAccountKeys, type ServiceAccountKeys } from './service-account-keys';
export { LEGACY_ISSUER, boundTokenClaims, legacyTokenClaims, serviceAccountUsername, validateServiceAccountClaims, type ServiceAccountTokenInfo } from './service-account-claims';
export { backendObjectReader, cachedObjectReader, type ObjectReader } from './object-reader';
export { SERVICE_ACCOUNT_TOKEN_TYPE, createServiceAccountAuthenticator, serviceAccountUser, verifyServiceAccountToken } from './service-account-authenticator';
export { createTokenRequestHandler, DEFAULT_EXPIRATION_SECONDS, MIN_EXPIRATION_SECONDS } from './token-request-handler';
export { SA_NAME_ANNOTATION, SA_UID_ANNOTATION, startLegacyTokenController } from './legacy-token-controller';
export {
  BOOTSTRAP_NAMESPACE,
  BOOTSTRAP_TOKEN_TYPE,
  DEFAULT_EXTRA_GROUP,
  bootstrapSecretName,
  bootstrapTokenFromSecret,
  bootstrapTokenSecret,
  generateBootstrapToken,
  isBootstrapTokenId,
  isExpired,
  parseBootstrapToken,
  parseDuration,
  type BootstrapToken,
} from './bootstrap-token';
export { createBootstrapTokenAuthenticator, verifyBootstrapToken } from './bootstrap-authenticator';
export { ensureJoinTokens, type JoinTokenConfig, type JoinTokens } from './join-token';
export { ensurePrivateDir, writePrivateFile } from './private-file';
export { apiAudiences, createTokenAuth, serviceAccountIssuer, type TokenAuth } from './token-auth';
