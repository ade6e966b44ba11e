// Typed patch errors with stable codes. The API server maps them to Kubernetes Status in one place,
// as upstream's patch handler does:
//   malformed              → 400 BadRequest   (a patch document that cannot be read: not a JSON array
//                                              of operations, a strategic-merge directive of the wrong
//                                              shape, an unknown `$patch` value)
//   unprocessable          → 422 Unprocessable (a well-formed patch that cannot be applied to this
//                                              object: missing path, bad index, list of lists,
//                                              a merge key missing from a list item)
//   test-failed            → 422 Unprocessable (a json-patch `test` operation did not match)
//   too-many-operations    → 413 RequestEntityTooLarge (more than 10,000 json-patch operations)
//   unsupported-media-type → 415 UnsupportedMediaType (strategic merge patch on a type without a
//                                              schema, e.g. a custom resource)

export type PatchErrorCode = 'malformed' | 'unprocessable' | 'test-failed' | 'too-many-operations' | 'unsupported-media-type';

export class PatchError extends Error {
  constructor(readonly code: PatchErrorCode, message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

/** The body of a patch request cannot be read as a patch of its type. */
export class MalformedPatchError extends PatchError {
  constructor(message: string) {
    super('malformed', message);
  }
}

/** The patch is well formed but cannot be applied to this object. */
export class UnprocessablePatchError extends PatchError {
  constructor(message: string) {
    super('unprocessable', message);
  }
}

export class TestFailedError extends PatchError {
  constructor(readonly path: string) {
    super('test-failed', `testing value ${path} failed: the value at the path does not equal the operation's value`);
  }
}

export class TooManyOperationsError extends PatchError {
  constructor(readonly count: number, readonly limit: number) {
    super('too-many-operations', `The allowed maximum operations in a JSON patch is ${limit}, got ${count}`);
  }
}

/** Strategic merge patch asked for a type without patch metadata (upstream answers 415). */
export class UnsupportedPatchTypeError extends PatchError {
  constructor(readonly patchType: string, readonly accepted: readonly string[]) {
    super(
      'unsupported-media-type',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    );
  }
}

export function isPatchError(e: unknown, code?: PatchErrorCode): e is PatchError {
  return e instanceof PatchError && (code === undefined || e.code === code);
}
