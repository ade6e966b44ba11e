// Errors of image building and import, with stable codes.

export type ImageErrorCode =
  /** A tarball in the images directory could not be imported. */
  | 'import-failed'
  /** A tarball's compression needs a tool the host lacks (zstd). */
  | 'unsupported-format'
  /** No pause binary exists for this CPU architecture. */
  | 'unsupported-arch'
  /** An entry cannot be written into a tar archive (name too long, bad type). */
  | 'invalid-entry';

export class ImageError extends Error {
  constructor(
    readonly code: ImageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImageError';
  }
}
