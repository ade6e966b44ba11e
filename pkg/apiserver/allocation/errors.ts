// Stable error codes of the service IP and node-port allocators. The service hooks turn them into
// API Status errors (422 for a requested value, 500 for an exhausted range) in one place.

export type AllocationErrorCode =
  /** The requested value is held by another object. */
  | 'allocated'
  /** The requested value lies outside the configured range. */
  | 'not-in-range'
  /** No free value is left. */
  | 'full'
  /** A range given in the configuration cannot be used. */
  | 'invalid-config';

export class AllocationError extends Error {
  constructor(readonly code: AllocationErrorCode, message: string) {
    super(message);
    this.name = 'AllocationError';
  }
}

export function isAllocationError(e: unknown, code?: AllocationErrorCode): e is AllocationError {
  return e instanceof AllocationError && (code === undefined || e.code === code);
}
