// API errors as Kubernetes `Status` objects. Every failure the server returns goes through
// ApiError, and storage/decoding errors are mapped to it here, in one place.
import type { FieldError } from '../api/types';
import { CompactedError, ConflictError, FutureRevisionError, isStorageError, KeyExistsError, TooLargeError } from '../storage/errors';
import type { StatusDetails } from '../api/status';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export type { StatusCause, StatusDetails } from '../api/status';

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason?: StatusReason | '';
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(readonly code: number, readonly reason: StatusReason, message: string, readonly details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): StatusObject {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, ...(this.details ? { details: this.details } : {}), code: this.code };
  }
}

/** `deployments.apps` / `pods` as upstream names a group-resource in messages. */
export function groupResource(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const errors = {
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string) => new ApiError(403, 'Forbidden', message),
  notFound: (group: string, resource: string, name: string) =>
    new ApiError(404, 'NotFound', `${groupResource(group, resource)} "${name}" not found`, { name, group: group || undefined, kind: resource }),
  notFoundPath: () => new ApiError(404, 'NotFound', 'the server could not find the requested resource'),
  alreadyExists: (group: string, resource: string, name: string) =>
    new ApiError(409, 'AlreadyExists', `${groupResource(group, resource)} "${name}" already exists`, { name, group: group || undefined, kind: resource }),
  conflict: (group: string, resource: string, name: string, why: string) =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${groupResource(group, resource)} "${name}": ${why}`, { name, group: group || undefined, kind: resource }),
  invalid: (group: string, kind: string, name: string, causes: readonly FieldError[]) =>
    new ApiError(
      422,
      'Invalid',
      `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.detail}`).join(', ')}`,
      { name, group: group || undefined, kind, causes: causes.map((c) => ({ reason: c.type, message: c.detail, field: c.field })) },
    ),
  gone: (message: string) => new ApiError(410, 'Expired', message),
  methodNotAllowed: (verb: string, what: string) => new ApiError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${what}"`),
  notAcceptable: (accept: string) => new ApiError(406, 'NotAcceptable', `the server was unable to respond with a content type that the client supports (${accept})`),
  tooLarge: (limit: number) => new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than the limit of ${limit} bytes`),
  unsupportedMediaType: (type: string, supported: readonly string[]) =>
    new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')} (got "${type}")`),
  tooManyRequests: (message: string, retryAfterSeconds = 1) => new ApiError(429, 'TooManyRequests', message, { retryAfterSeconds }),
  internal: (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`),
  unavailable: (message: string) => new ApiError(503, 'ServiceUnavailable', message),
};

/** Map anything thrown while serving a request to an ApiError. */
export function toApiError(e: unknown, ctx: { group: string; resource: string; name?: string }): ApiError {
  if (e instanceof ApiError) return e;
  if (isStorageError(e)) {
    const name = ctx.name ?? '';
    if (e instanceof KeyExistsError) return errors.alreadyExists(ctx.group, ctx.resource, name);
    if (e instanceof ConflictError) return errors.conflict(ctx.group, ctx.resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
    if (e instanceof CompactedError) return errors.gone(`too old resource version: ${e.requested} (${e.compacted + 1})`);
    if (e instanceof TooLargeError) return errors.tooLarge(e.limit);
    // Upstream's answer to a read at a revision the store has not reached: 504 Timeout, retry later.
    if (e instanceof FutureRevisionError) {
      return new ApiError(504, 'Timeout', `Too large resource version: ${e.requested}, current: ${e.current}`, {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      });
    }
    if (e.code === 'not-found') return errors.notFound(ctx.group, ctx.resource, name);
    if (e.code === 'invalid-key') return errors.badRequest(e.message);
    if (e.code === 'unavailable') return errors.unavailable(e.message);
  }
  return errors.internal(e instanceof Error ? e.message : String(e));
}
