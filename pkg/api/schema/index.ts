// Public surface of the schema facts: registry, field validation, OpenAPI v3 components.
export { SchemaError } from './errors';
export type { SchemaErrorCode } from './errors';
export type { FieldFacts, FieldType, ListType, MapType, MessageFacts, MessageShape, PackageFacts, ScalarType } from './facts';
export { componentRef, messageSchema, schemaComponentsFor } from './openapi-v3';
export type { GroupVersionKind, OpenApiSchema } from './openapi-v3';
export { createSchemaRegistry, effectiveListType, SchemaRegistry } from './schema-registry';
export type { GroupVersion, JsonType, PatchMeta, WellKnownShape } from './schema-registry';
export { fieldValidationWarnings, findStrictFieldProblems, findUnknownFields, JsonScanError, MAX_FIELD_PROBLEMS, strictDecodingMessage } from './unknown-fields';
export type { FieldProblem } from './unknown-fields';
