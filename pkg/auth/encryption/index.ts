// pkg/auth/encryption public surface: secrets encryption at rest (config file, value transformer,
// Backend decorator, rotation, the /v1-k3ts/encrypt endpoints).
export { EncryptionError, isEncryptionError, type EncryptionErrorCode } from './errors';
export {
  CONFIG_API_VERSION,
  CONFIG_KIND,
  defaultEncryptionConfig,
  parseEncryptionConfig,
  readEncryptionConfig,
  renderEncryptionConfig,
  secretProviders,
  writeEncryptionConfig,
  type EncryptionConfiguration,
  type EncryptionKey,
  type KeyType,
  type ProviderInfo,
} from './encryption-config';
export { createValueTransformer, type ValueTransformer } from './value-transformer';
export { EncryptingBackend } from './encrypting-backend';
export { SECRETS_PREFIX, SecretsEncryption, type EncryptionStatus, type RotationResult, type SecretsEncryptionConfig } from './secrets-encryption';
export { ENCRYPT_ROTATE_KEYS_PATH, ENCRYPT_STATUS_PATH, encryptionEndpoints } from './encryption-endpoints';
