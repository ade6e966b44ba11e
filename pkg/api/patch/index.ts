// Public surface of the patch formats: RFC 6902 json patch, RFC 7386 merge patch, Kubernetes
// strategic merge patch, the patch metadata they read, and its adapter to the schema registry.
export { isPatchError, MalformedPatchError, PatchError, TestFailedError, TooManyOperationsError, UnprocessablePatchError, UnsupportedPatchTypeError } from './errors';
export type { PatchErrorCode } from './errors';
export { fakeDeploymentSchema, fakePatchSchema, fakePodSchema } from './fake-patch-schema';
export type { FakeSchemaSpec } from './fake-patch-schema';
export { applyJsonPatch, decodeJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch';
export type { JsonPatchOperation } from './json-patch';
export { formatPointer, parsePointer } from './json-pointer';
export { applyMergePatch, mergePatch } from './merge-patch';
export { PATCH_CONTENT_TYPES, patchObject, patchTypeOf } from './patch-object';
export type { PatchType } from './patch-object';
export { childSchema, effectiveListType, patchStrategies } from './patch-schema';
export type { ListType, MapType, PatchSchema } from './patch-schema';
export { RegistryPatchSchemas } from './schema-adapter';
export { applyStrategicMergePatch, PATCH_TYPES_WITHOUT_SCHEMA, STRATEGIC_MERGE_PATCH } from './strategic-merge-patch';
