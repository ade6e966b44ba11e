// Errors of the embedded registry mirror, with stable codes. The HTTP side maps them to the OCI
// distribution error body (`{"errors":[{"code","message"}]}`) in one place: registry-handler.ts.

export type MirrorErrorCode =
  /** The request path is not an OCI distribution path this read-only mirror serves. */
  | 'name-invalid'
  /** The reference is neither a tag nor a `sha256:<64 hex>` digest. */
  | 'digest-invalid'
  /** Neither the local content store nor any live peer holds the manifest. */
  | 'manifest-unknown'
  /** Neither the local content store nor any live peer holds the blob. */
  | 'blob-unknown'
  /** A Range header that cannot be satisfied. */
  | 'range-invalid'
  /** Only GET and HEAD are served. */
  | 'unsupported'
  /** The content read did not hash to the digest it was asked by (corrupted or partial). */
  | 'digest-mismatch'
  /** The containerd API failed. */
  | 'content-store'
  /** The mirror cannot listen on its port, or lacks what it needs to start. */
  | 'start-failed';

const HTTP_STATUS: Readonly<Record<MirrorErrorCode, number>> = {
  'name-invalid': 404,
  'digest-invalid': 400,
  'manifest-unknown': 404,
  'blob-unknown': 404,
  'range-invalid': 416,
  unsupported: 405,
  'digest-mismatch': 502,
  'content-store': 500,
  'start-failed': 500,
};

export class MirrorError extends Error {
  constructor(
    readonly code: MirrorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MirrorError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  /** The OCI distribution error code (upper snake case). */
  get ociCode(): string {
    return this.code === 'range-invalid' || this.code === 'content-store' || this.code === 'digest-mismatch' || this.code === 'start-failed' ? 'UNKNOWN' : this.code.toUpperCase().replace(/-/g, '_');
  }
}
