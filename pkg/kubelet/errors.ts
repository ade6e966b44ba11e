// Errors of the kubelet with stable codes. CRI failures keep the gRPC status name so callers can
// tell "not found" (already gone: fine during teardown) from "unavailable" (runtime restarting).

export type KubeletErrorCode =
  /** A CRI call failed; `grpcCode` says how (NOT_FOUND, UNAVAILABLE, DEADLINE_EXCEEDED…). */
  | 'cri'
  /** The runtime did not answer within the start-up deadline. */
  | 'runtime-not-ready'
  /** The pod asks for something the kubelet cannot build (bad env reference, missing image…). */
  | 'invalid-pod'
  /** A referenced Secret or ConfigMap key is missing. */
  | 'missing-reference'
  /** A container image is not present and cannot be pulled. */
  | 'image'
  /** A kubelet API request that names an unknown pod or container. */
  | 'not-found'
  | 'io';

export class KubeletError extends Error {
  constructor(
    readonly code: KubeletErrorCode,
    message: string,
    readonly options: { readonly cause?: unknown; readonly grpcCode?: string; readonly reason?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KubeletError';
  }

  /** The upstream-style reason shown in container statuses (CreateContainerConfigError, ErrImagePull…). */
  get reason(): string | undefined {
    return this.options.reason;
  }
}

export function isCriNotFound(e: unknown): boolean {
  return e instanceof KubeletError && e.code === 'cri' && e.options.grpcCode === 'NOT_FOUND';
}

export function isCriUnavailable(e: unknown): boolean {
  return e instanceof KubeletError && e.code === 'cri' && (e.options.grpcCode === 'UNAVAILABLE' || e.options.grpcCode === 'DEADLINE_EXCEEDED');
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
