// Errors of the apiextensions package with stable codes; the API server maps them to Status.
import { ApiError, errors } from '../apiserver/errors';

export type ApiextensionsErrorCode = 'crd-store-missing';

export class ApiextensionsError extends Error {
  constructor(readonly code: ApiextensionsErrorCode, message: string) {
    super(message);
    this.name = 'ApiextensionsError';
  }
}

/**
 * A conversion webhook that could not be called or answered wrongly: 500 InternalError whose
 * message carries upstream's wording (`conversion webhook for <group>/<version>, Kind=<kind> failed: …`).
 */
export function conversionFailed(message: string): ApiError {
  return errors.internal(message);
}
