// Launcher errors: bad flags, bad config files. Each names what was wrong and what was expected.

export type CliErrorCode = 'unknown-flag' | 'unknown-config-key' | 'invalid-value' | 'config-file' | 'missing-value' | 'missing-tool' | 'request-failed';

export class CliError extends Error {
  constructor(readonly code: CliErrorCode, message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}
