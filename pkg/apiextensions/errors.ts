// Errors of the apiextensions package with stable codes; the API server maps them to Status.
export type ApiextensionsErrorCode = 'crd-store-missing';

export class ApiextensionsError extends Error {
  constructor(readonly code: ApiextensionsErrorCode, message: string) {
    super(message);
    this.name = 'ApiextensionsError';
  }
}
