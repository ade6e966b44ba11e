// Catalog construction errors: the list of group-version modules is inconsistent.

export type CatalogErrorCode = 'duplicate-resource' | 'duplicate-kind' | 'unknown-storage-resource' | 'invalid-definition';

export class CatalogError extends Error {
  constructor(
    readonly code: CatalogErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CatalogError';
  }
}

export function isCatalogError(e: unknown): e is CatalogError {
  return e instanceof CatalogError;
}
