// Public surface of server-side apply and field ownership (managedFields).
export { ApplyConflictError, ApplyError, describeManager, isApplyError } from './errors';
export type { ApplyErrorCode, ConflictManager, FieldConflict, StatusCause } from './errors';
export { FieldSet } from './field-set';
export { decodeManagedFields, encodeManagedFields, formatTime, managerFromUserAgent, managerKey } from './managed-fields';
export type { ManagedEntry, ManagedOperation } from './managed-fields';
export { pathToString } from './path-element';
export type { PathElement } from './path-element';
export { LAST_APPLIED_ANNOTATION, serverSideApply } from './server-side-apply';
export type { ApplyRequest } from './server-side-apply';
export { MAX_UPDATE_MANAGERS, updateManagedFields } from './update-managed-fields';
export type { UpdateManagedFieldsOptions } from './update-managed-fields';
