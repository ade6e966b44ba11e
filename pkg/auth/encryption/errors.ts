// Typed secrets-encryption errors with stable codes. A value that cannot be decrypted surfaces as a
// 500 on the request that read it (never as garbage), with the key name in the message.

export type EncryptionErrorCode =
  | 'invalid-config' // the encryption config file is not a valid EncryptionConfiguration
  | 'decrypt-failed' // stored bytes name a key we do not have, or fail authentication/padding
  | 'disabled' // a secrets-encrypt operation on a server started without --secrets-encryption
  | 'busy' // a key rotation is already running
  | 'incomplete' // re-encryption left values under an old key; old keys were kept
  | 'io';

export class EncryptionError extends Error {
  constructor(
    readonly code: EncryptionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EncryptionError';
  }
}

export function isEncryptionError(e: unknown, code?: EncryptionErrorCode): e is EncryptionError {
  return e instanceof EncryptionError && (code === undefined || e.code === code);
}
