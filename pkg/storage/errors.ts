// Typed storage errors with stable codes. The API server maps them to Kubernetes Status in one place
// (exists → 409 AlreadyExists, conflict → 409 Conflict, not-found → 404, compacted → 410 Gone,
// too-large → 413 RequestEntityTooLarge, invalid-key → 400 BadRequest, unavailable → 503,
// future-revision → 504 "Too large resource version" with Retry-After, invalid-endpoint → startup
// failure before the API server serves anything).
import type { KeyValue } from './backend';

export type StorageErrorCode =
  | 'exists'
  | 'conflict'
  | 'not-found'
  | 'compacted'
  | 'future-revision'
  | 'too-large'
  | 'invalid-key'
  | 'invalid-endpoint'
  | 'unavailable';

export class StorageError extends Error {
  constructor(readonly code: StorageErrorCode, message: string) {
    super(message);
    this.name = 'StorageError';
  }
}

export class KeyExistsError extends StorageError {
  constructor(readonly key: string) {
    super('exists', `key ${key} already exists`);
  }
}

export class NotFoundError extends StorageError {
  constructor(readonly key: string) {
    super('not-found', `key ${key} not found`);
  }
}

export class ConflictError extends StorageError {
  constructor(readonly key: string, readonly expected: number, readonly current: KeyValue | undefined) {
    super('conflict', `key ${key}: expected modRevision ${expected}, found ${current ? current.modRevision : 'no key'}`);
  }
}

export class CompactedError extends StorageError {
  constructor(readonly requested: number, readonly compacted: number) {
    super('compacted', `revision ${requested} has been compacted (oldest available is ${compacted + 1})`);
  }
}

/** A read asked for a revision the store has not reached yet. */
export class FutureRevisionError extends StorageError {
  constructor(readonly requested: number, readonly current: number) {
    super('future-revision', `revision ${requested} is newer than the current revision ${current}; expected a revision <= ${current}`);
  }
}

export class TooLargeError extends StorageError {
  constructor(readonly size: number, readonly limit: number) {
    super('too-large', `value of ${size} bytes exceeds the limit of ${limit} bytes`);
  }
}

export class InvalidKeyError extends StorageError {
  constructor(reason: string) {
    super('invalid-key', `invalid key: ${reason}`);
  }
}

/** `--datastore-endpoint` (or a driver's own configuration) could not be understood. */
export class InvalidEndpointError extends StorageError {
  constructor(readonly endpoint: string, reason: string) {
    super('invalid-endpoint', `datastore endpoint ${JSON.stringify(endpoint)}: ${reason}`);
  }
}

/** The backend is not started, already closed, or its database cannot be reached. */
export class UnavailableError extends StorageError {
  constructor(reason: string) {
    super('unavailable', `storage unavailable: ${reason}`);
  }
}

export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}
