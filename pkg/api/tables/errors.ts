// Typed errors of table printing, with stable codes. The API server answers them with a 400
// BadRequest Status (mapping done in one place, in the API server).

export type TableErrorCode = 'invalid-include-object';

export class TableError extends Error {
  constructor(readonly code: TableErrorCode, message: string) {
    super(message);
    this.name = 'TableError';
  }
}

/** The `includeObject` query parameter has a value upstream does not know. */
export class IncludeObjectError extends TableError {
  constructor(readonly value: string) {
    super('invalid-include-object', `unrecognized includeObject value: ${JSON.stringify(value)} (expected None, Metadata or Object)`);
  }
}
