// Errors of the API client, with stable codes. A `Status` the server returns becomes a StatusError
// carrying its HTTP code, reason and details, so callers test `isNotFound(e)` rather than messages.
import type { StatusDetails } from '../api/status';

export type ClientErrorCode =
  /** The server answered with a failure Status (see StatusError). */
  | 'status'
  /** The connection failed or was cut before a complete answer arrived. */
  | 'transport'
  /** The server's answer was not the JSON expected. */
  | 'decode'
  /** The request was cancelled by its AbortSignal. */
  | 'aborted'
  /** A caller passed something unusable (a namespaced resource without a namespace…). */
  | 'invalid-argument';

export class ClientError extends Error {
  constructor(readonly code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClientError';
  }
}

export type { StatusCause, StatusDetails } from '../api/status';

/** A metav1.Status failure from the API server. */
export class StatusError extends ClientError {
  constructor(
    /** HTTP status code (the Status' `code`). */
    readonly status: number,
    /** `NotFound`, `Conflict`, `AlreadyExists`, `Expired`, `Gone`, … ('' when the server gave none). */
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super('status', message);
    this.name = 'StatusError';
  }
}

/** Reason upstream infers from a bare HTTP code when the body is not a Status. */
export function reasonForCode(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 406:
      return 'NotAcceptable';
    case 409:
      return 'Conflict';
    case 410:
      return 'Gone';
    case 413:
      return 'RequestEntityTooLarge';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return code >= 500 ? 'InternalError' : '';
  }
}

/** Builds a StatusError from a decoded response body (a Status or anything else) and its HTTP code. */
export function statusErrorFrom(httpCode: number, body: unknown): StatusError {
  if (body !== null && typeof body === 'object' && (body as { kind?: unknown }).kind === 'Status') {
    const s = body as { code?: unknown; reason?: unknown; message?: unknown; details?: unknown };
    const code = typeof s.code === 'number' && s.code > 0 ? s.code : httpCode;
    const reason = typeof s.reason === 'string' && s.reason ? s.reason : reasonForCode(code);
    const message = typeof s.message === 'string' && s.message ? s.message : `the server answered ${code} ${reason}`;
    const details = s.details !== null && typeof s.details === 'object' ? (s.details as StatusDetails) : undefined;
    return new StatusError(code, reason, message, details);
  }
  const text = typeof body === 'string' ? body.trim().slice(0, 512) : '';
  return new StatusError(httpCode, reasonForCode(httpCode), text ? `the server answered ${httpCode}: ${text}` : `the server answered ${httpCode} without a Status`);
}

function statusOf(e: unknown): StatusError | undefined {
  return e instanceof StatusError ? e : undefined;
}

export const isNotFound = (e: unknown): boolean => statusOf(e)?.status === 404;
export const isAlreadyExists = (e: unknown): boolean => statusOf(e)?.reason === 'AlreadyExists';
/** 409 Conflict that is an optimistic-concurrency failure (not AlreadyExists). */
export const isConflict = (e: unknown): boolean => statusOf(e)?.status === 409 && statusOf(e)?.reason !== 'AlreadyExists';
/** 410: the resourceVersion asked for was compacted away (Expired or Gone). */
export const isGone = (e: unknown): boolean => statusOf(e)?.status === 410;
export const isForbidden = (e: unknown): boolean => statusOf(e)?.status === 403;
export const isInvalid = (e: unknown): boolean => statusOf(e)?.status === 422;
export const isMethodNotAllowed = (e: unknown): boolean => statusOf(e)?.status === 405;
export const isAborted = (e: unknown): boolean => e instanceof ClientError && e.code === 'aborted';
/** Worth retrying later as is: transport failures, 429, 5xx, 504 timeouts. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof StatusError) return e.status === 429 || e.status >= 500;
  return e instanceof ClientError && (e.code === 'transport' || e.code === 'decode');
}
