// The Status errors admission policies and webhooks return, worded as upstream's.
import { ApiError, groupResource, type StatusReason } from '../apiserver/errors';
import type { AdmissionAttributes } from './admission-attributes';

const REASON_CODES: Partial<Record<StatusReason, number>> = { Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413, Unauthorized: 401, BadRequest: 400 };

/** `deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: <message>`. */
export function policyDenied(a: AdmissionAttributes, kind: string, policy: string, binding: string, message: string, reason?: string): ApiError {
  const r = (reason && reason in REASON_CODES ? reason : 'Invalid') as StatusReason;
  const text = `${groupResource(a.resource.group, a.resource.resource)} "${a.name}" is forbidden: ${kind} '${policy}' with binding '${binding}' denied request: ${message}`;
  return new ApiError(REASON_CODES[r] ?? 422, r, text);
}

/** A webhook's answer `allowed: false`, as upstream's webhookerrors.ToStatusErr. */
export function webhookDenied(webhook: string, status: { code?: number; reason?: string; message?: string } | undefined): ApiError {
  const deniedBy = `admission webhook "${webhook}" denied the request`;
  const code = status?.code && status.code >= 400 ? status.code : 400;
  const message = status?.message ? `${deniedBy}: ${status.message}` : status?.reason ? `${deniedBy}: ${status.reason}` : `${deniedBy} without explanation`;
  const reason = (status?.reason || (code === 403 ? 'Forbidden' : code === 422 ? 'Invalid' : 'BadRequest')) as StatusReason;
  return new ApiError(code, reason, message);
}

/** A webhook that could not be called (or answered nonsense) under failurePolicy Fail. */
export function webhookCallFailed(webhook: string, cause: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: failed calling webhook "${webhook}": ${cause}`);
}

/** A dry-run request meeting a webhook that declares side effects. */
export function webhookNoDryRun(webhook: string): ApiError {
  return new ApiError(400, 'BadRequest', `admission webhook "${webhook}" does not support dry run`);
}

/** A mutating admission policy whose mutation failed under failurePolicy Fail. */
export function policyFailed(a: AdmissionAttributes, kind: string, policy: string, message: string): ApiError {
  return new ApiError(403, 'Forbidden', `${groupResource(a.resource.group, a.resource.resource)} "${a.name}" is forbidden: ${kind} '${policy}' ${message}`);
}
