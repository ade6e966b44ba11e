// Errors of the scheduler with stable codes. Scheduling failures are not errors: they are Status
// values (framework/status.ts); these are misconfigurations and broken invariants.

export type SchedulerErrorCode =
  /** A KubeSchedulerConfiguration that cannot be read or is not valid. */
  | 'invalid-config'
  /** A plugin name that the registry does not know. */
  | 'unknown-plugin'
  /** A plugin enabled at an extension point it does not implement. */
  | 'plugin-extension-point'
  /** Two profiles with one schedulerName, or a pod for a scheduler that has no profile. */
  | 'unknown-profile'
  /** The scheduler cache was asked to do something inconsistent (assume twice, forget unknown). */
  | 'cache-invariant';

export class SchedulerError extends Error {
  constructor(readonly code: SchedulerErrorCode, message: string) {
    super(message);
    this.name = 'SchedulerError';
  }
}
