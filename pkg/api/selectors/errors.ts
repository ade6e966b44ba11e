// Typed selector errors with stable codes. Every one of them is the client's fault: the API server
// answers them with a 400 BadRequest Status whose message is `error.message` (mapping done in one
// place, in the API server, not here).

export type SelectorErrorCode =
  /** `labelSelector=` could not be parsed, or names an invalid key/value. */
  | 'invalid-label-selector'
  /** `fieldSelector=` could not be parsed (no operator, bad escape sequence…). */
  | 'invalid-field-selector'
  /** `fieldSelector=` names a field the resource does not support selecting on. */
  | 'unsupported-field-label';

export class SelectorError extends Error {
  constructor(readonly code: SelectorErrorCode, message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

export class LabelSelectorError extends SelectorError {
  constructor(message: string) {
    super('invalid-label-selector', message);
  }
}

export class FieldSelectorError extends SelectorError {
  constructor(message: string) {
    super('invalid-field-selector', message);
  }
}

/** The field is not selectable on this resource; the message is the one upstream's conversion returns. */
export class UnsupportedFieldError extends SelectorError {
  constructor(readonly field: string, message: string) {
    super('unsupported-field-label', message);
  }
}

export function isSelectorError(e: unknown): e is SelectorError {
  return e instanceof SelectorError;
}
