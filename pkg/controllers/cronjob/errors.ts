// Errors of the CronJob controller, with stable codes.

export type CronJobErrorCode =
  /** spec.schedule does not parse. */
  | 'invalid-schedule'
  /** spec.timeZone names no IANA time zone. */
  | 'unknown-time-zone';

export class CronJobError extends Error {
  constructor(readonly code: CronJobErrorCode, message: string) {
    super(message);
    this.name = 'CronJobError';
  }
}
