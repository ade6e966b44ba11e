// Errors of the controller machinery, with stable codes.

export type ControllerErrorCode =
  /** A controller name that the registry does not know. */
  | 'unknown-controller'
  /** Informer caches did not fill before the controllers were stopped. */
  | 'cache-sync-aborted'
  /** A queue used after shutDown(). */
  | 'queue-shut-down';

export class ControllerError extends Error {
  constructor(readonly code: ControllerErrorCode, message: string) {
    super(message);
    this.name = 'ControllerError';
  }
}
