// Typed schema errors with stable codes. The API server maps them to a Kubernetes Status in one
// place (unknown-kind → 404 NotFound / 400 BadRequest depending on the caller, facts-corrupt →
// 500 InternalError: the bundled fact table does not decode).

export type SchemaErrorCode = 'unknown-kind' | 'unknown-message' | 'facts-corrupt';

export class SchemaError extends Error {
  constructor(readonly code: SchemaErrorCode, message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}
