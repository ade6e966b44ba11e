// Asset extraction errors.

export type EmbedErrorCode = 'hash-mismatch' | 'lock-timeout' | 'load-failed';

export class EmbedError extends Error {
  constructor(readonly code: EmbedErrorCode, message: string) {
    super(message);
    this.name = 'EmbedError';
  }
}
