// Errors of the addon deployer, with stable codes. They never reach an API client: they become
// Warning events on the Addon and log lines.

export type DeployErrorCode =
  /** The manifest is not YAML/JSON, or a document is not a Kubernetes object. */
  | 'invalid-manifest'
  /** A document's apiVersion/kind is not served by the API. */
  | 'unknown-kind'
  /** The packaged manifest is missing from the executable (or the source tree). */
  | 'missing-asset';

export class DeployError extends Error {
  constructor(
    readonly code: DeployErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DeployError';
  }
}

export const isDeployError = (e: unknown): e is DeployError => e instanceof DeployError;
